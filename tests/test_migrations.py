"""The committed migrations build exactly the tables the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from rcbingo.extensions import db

from .conftest import TEST_DATABASE_URL


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's table copies (PostgreSQL alters tables in place)")
def test_going_back_a_release_and_forth_again_keeps_every_row(app, roster, card_form, client):
    """On SQLite a batch migration copies a table and drops the old one; with foreign keys on, dropping `card` or
    `unit` would delete (or refuse for) every row that refers to them. This release's migrations alter in place."""
    from flask_migrate import downgrade, upgrade

    client.post("/u/icu/card", data=card_form())
    tables = [t.name for t in db.metadata.sorted_tables]

    def counts():
        return {t: db.session.scalar(text(f"SELECT COUNT(*) FROM {t}")) for t in tables}  # noqa: S608 - our tables

    before = counts()
    assert before["nominee"] and before["card_dimension"]
    db.session.remove()
    downgrade(revision="e71a421a53cf")  # the last release's head
    upgrade()
    assert counts() == before
