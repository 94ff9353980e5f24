"""What a coordinator's home says needs attention, and how the stories search reads its filters.

Plain functions of plain data: the services gather the facts, these decide what to say.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..board.rules import SQUARES

NEAR_WIN = 2          # a workgroup this many squares (or fewer) from a win is "near"
QUIET_DAYS = 7        # a unit with no card for this long has gone quiet
PER_PAGE = 25         # stories on one page of the search
MAX_WORDS = 8         # words searched at once (the rest are ignored)

COORDINATOR_LINES = frozenset({"won", "confirm_win", "no_game", "waiting", "held", "near_win", "quiet", "survey"})
EDITOR_LINES = frozenset({"near_win", "newsletter"})


@dataclass(frozen=True)
class Line:
    """One thing that needs attention in a unit. `kind` says what it is (and which page handles it)."""

    kind: str
    count: int = 0
    since: datetime | None = None         # held, waiting: when the oldest was written; quiet: the last card
    workgroup: int | None = None          # near_win, confirm_win
    game: int | None = None               # confirm_win, won: the game whose page confirms it (closes it)
    workgroups: tuple[int, ...] = ()      # won: the winners (one card can complete two workgroups at once)
    missing: int = 0                      # near_win: squares still to cover
    wave: int | None = None               # survey
    invited: int = 0
    answered: int = 0
    rate: int | None = None               # survey: percent answered of invited (None: nobody was counted in)
    issue: int | None = None              # newsletter: the month's issue, if one was started
    published: bool = False


@dataclass
class UnitFacts:
    """What the services found about one unit."""

    held: int = 0                          # waiting, held by the patient-information screen
    oldest_held: datetime | None = None
    waiting: int = 0                       # waiting for review, not held
    oldest_waiting: datetime | None = None
    last_card: datetime | None = None      # the newest card published, or waiting for review
    game: int | None = None                # the counting game
    progress: dict[int, int] = field(default_factory=dict)   # the counting game: squares per workgroup
    won: set[int] = field(default_factory=set)
    to_confirm: list[tuple[int, int]] = field(default_factory=list)  # wins being checked: (game id, workgroup id)
    winners: tuple[int, ...] = ()          # the counting game's announced winners, while it stays open
    waves: list[tuple[int, int, int]] = field(default_factory=list)  # (wave id, invited, answered)
    issue: tuple[int, bool] | None = None  # this month's issue: (id, published)


def near_win(progress: dict[int, int], won: set[int], within: int = NEAR_WIN) -> list[tuple[int, int]]:
    """Workgroups one or two squares from a win (5 or 6 of 7), with the squares they miss: closest first.

    A workgroup that has won already, or has all seven squares, is not "near"; nor is one with fewer.
    """
    near = [(workgroup, SQUARES - covered) for workgroup, covered in progress.items()
            if SQUARES - within <= covered < SQUARES and workgroup not in won]
    return sorted(near, key=lambda pair: (pair[1], pair[0]))


def quiet(last_card: datetime | None, now: datetime, days: int = QUIET_DAYS) -> bool:
    """No card published or waiting for review in the last `days` days (or ever)."""
    return last_card is None or now - last_card >= timedelta(days=days)


def response_rate(answered: int, invited: int) -> int | None:
    """Percent of the invited who answered, rounded down; None when nobody was counted in."""
    return answered * 100 // invited if invited > 0 else None


def latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def lines(facts: UnitFacts, now: datetime, kinds: frozenset[str]) -> list[Line]:
    """What needs attention in a unit, most urgent first, limited to the `kinds` of line this person handles."""
    found = [Line("confirm_win", game=game, workgroup=w) for game, w in facts.to_confirm]
    if facts.winners:  # the prize to arrange, and the game to close (or keep going for runners-up)
        found.insert(0, Line("won", game=facts.game, workgroups=facts.winners))
    if facts.game is None:  # a new unit, or between rounds: cards count on no board
        found.append(Line("no_game"))
    if facts.held:
        found.append(Line("held", count=facts.held, since=facts.oldest_held))
    if facts.waiting:
        found.append(Line("waiting", count=facts.waiting, since=facts.oldest_waiting))
    found += [Line("near_win", workgroup=w, missing=m) for w, m in near_win(facts.progress, facts.won)]
    if quiet(facts.last_card, now):
        found.append(Line("quiet", since=facts.last_card))
    found += [Line("survey", wave=wave, invited=invited, answered=answered, rate=response_rate(answered, invited))
              for wave, invited, answered in facts.waves]
    issue_id, published = facts.issue or (None, False)
    found.append(Line("newsletter", issue=issue_id, published=published))
    return [line for line in found if line.kind in kinds]


def kinds_for(coordinator: bool, editor: bool) -> frozenset[str]:
    """The lines a person sees in a unit: those whose page their role there opens."""
    return (COORDINATOR_LINES if coordinator else frozenset()) | (EDITOR_LINES if editor else frozenset())


# --- the stories search -------------------------------------------------------------------------

def words(text: str) -> list[str]:
    """The words of a search, each to be found in the story or the practice line (at most MAX_WORDS)."""
    return text.split()[:MAX_WORDS]


def like_pattern(word: str) -> str:
    """`word` anywhere in a text, for LIKE … ESCAPE '\\': its own %, _ and \\ match only themselves."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def page_number(value: str | None) -> int:
    """A page number from a query parameter: 1 for anything that is not a whole number from 1 to 100000."""
    if value and value.isascii() and value.isdigit() and 1 <= int(value) <= 100_000:
        return int(value)
    return 1


def pages(total: int, per_page: int = PER_PAGE) -> int:
    return max(1, -(-total // per_page))


def date_value(value: str | None) -> date | None:
    """A date typed in a search (YYYY-MM-DD); None for anything else."""
    try:
        return date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None
