"""The organization view: each unit's activity, games and winners."""

from datetime import timedelta

import pytest

from rcbingo.database import utcnow
from rcbingo.spread.service import activity, week_starts

from .test_board import PHARMACIST, publish
from .test_board import game as _game  # noqa: F401 - the fixture, used by name below


def test_weeks_end_now_and_run_oldest_first():
    now = utcnow()
    starts = week_starts(now, 3)
    assert starts == [now - timedelta(days=21), now - timedelta(days=14), now - timedelta(days=7)]


@pytest.mark.usefixtures("_game")
def test_each_units_cards_games_and_winners_are_counted(client, make_account, auth):
    from rcbingo.rc import DIMENSION_KEYS

    publish([PHARMACIST], DIMENSION_KEYS)
    rows = {row.unit.key: row for row in activity()}
    assert rows["icu"].weekly[-1] == 1 and rows["icu"].total == 1
    assert (rows["icu"].games, rows["icu"].running, rows["icu"].winners) == (1, "Round 1", ["Pharmacists"])
    assert rows["ward"].total == 0 and rows["ward"].first_card is None
    make_account("admin@example.org", is_admin=True)
    auth.sign_in("admin@example.org")
    page = client.get("/admin/organization").get_data(as_text=True)
    assert "Intensive Care" in page and "Pharmacists" in page and "not started" in page
