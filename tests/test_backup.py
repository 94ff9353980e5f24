"""Backups: a round trip through backup and restore loses nothing."""

import shutil

import pytest
from sqlalchemy import func, select, text

from rcbingo.cards.models import Card, CardDimension, Nominee
from rcbingo.extensions import db
from rcbingo.org.models import Person

from .conftest import TEST_DATABASE_URL, fresh

needs_pg_tools = pytest.mark.skipif(bool(TEST_DATABASE_URL) and not shutil.which("pg_dump"),
                                    reason="pg_dump is not installed")


def snapshot() -> dict:
    fresh()
    return {
        "cards": [(c.submission_id, c.story, c.status.value, c.published_at) for c in
                  db.session.scalars(select(Card).order_by(Card.id))],
        "nominees": db.session.scalar(select(func.count()).select_from(Nominee)),
        "dimensions": db.session.scalar(select(func.count()).select_from(CardDimension)),
        "people": sorted(db.session.scalars(select(Person.name))),
    }


@needs_pg_tools
def test_a_backup_restores_everything_it_held(runner, tmp_path):
    assert runner.invoke(args=["seed-demo", "--with-accounts"]).exit_code == 0
    before = snapshot()
    assert before["cards"]
    path = tmp_path / "rcbingo.backup"
    made = runner.invoke(args=["backup", str(path)])
    assert made.exit_code == 0, made.output
    fresh()
    db.session.execute(text("DELETE FROM credit"))
    db.session.execute(text("DELETE FROM issue_story"))
    db.session.execute(text("DELETE FROM card_revision"))
    db.session.execute(text("DELETE FROM card_dimension"))
    db.session.execute(text("DELETE FROM nominee"))
    db.session.execute(text("DELETE FROM win"))
    db.session.execute(text("DELETE FROM card"))
    db.session.commit()
    assert snapshot()["cards"] == []
    assert "add --yes" in runner.invoke(args=["restore", str(path)]).output
    restored = runner.invoke(args=["restore", str(path), "--yes"])
    assert restored.exit_code == 0, restored.output
    db.session.remove()
    assert snapshot() == before


def test_a_missing_backup_file_is_reported(runner, tmp_path):
    result = runner.invoke(args=["restore", str(tmp_path / "nothing.backup"), "--yes"])
    assert result.exit_code != 0
