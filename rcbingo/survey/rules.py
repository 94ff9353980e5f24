"""Relational Coordination survey scores as plain functions of plain data: no Flask, no database.

A rating is one respondent rating one target workgroup on the seven dimensions (1 = worst … 5 = best, or None).

- A rating counts when at least 4 of its 7 items are answered; its score is the mean of the answered items.
- A rating of the respondent's own workgroup is within-group: reported on its own, left out of every index.
- A respondent's index is the mean of their counting between-group rating scores (none: no index).
- A workgroup's index is the mean of its respondents' indices; the overall index is respondent-weighted.
- "Rated by others" is the mean of the counting between-group rating scores a workgroup received;
  a dimension's mean is over the answered items of that dimension in counting between-group ratings.

A respondent whose workgroup is not listed answers as NOT_LISTED: every rating of theirs is between-group, and they
are a rater group of their own, like any workgroup: its index is shown only once k of them answered, and until then
the pooled figures leave them out. Choosing it is no way to stand apart from the others.

Anonymity: a figure resting on fewer than `min_respondents` distinct respondents (k: default 5, never below 3:
a lower value raises ValueError) is withheld, with neither value nor count. When any workgroup's index is
withheld, the pooled figures (overall, rated by others, dimension means, the rating map) use only the respondents
of the shown workgroups.

No subtraction: every released figure is a mean whose respondent count is shown, so its total (mean × count) is
known, and each total is a sum over ratings (respondent × rated workgroup): a rating itself in "rated by others",
a rating-map cell and a within-group mean; a rating over the number of its respondent's ratings in a workgroup's
index and the overall index. After the threshold, `_exposed` withholds figures until no combination of the
shown totals, with any weights and of any number of figures (a difference of two nested figures, a figure less
the sum of others, two figures equal but for a few people), depends on the ratings of 1 to k - 1 respondents
only: such a combination is 0 or rests on at least k people. Figures are kept from the one resting on the most
respondents down (then the most ratings; the overall index, a workgroup's index, rated by others, a within-group
mean, a rating-map cell; then by name), each only if it leaks nothing with those kept before it, so that of two
figures that leak together the smaller, more specific one is withheld, deterministically. The check is exact
(linear algebra over fractions); respondents alike in every figure are checked as one class. Finding the few
people a combination is confined to means trying sets of small classes: past LEAK_SEARCH sets for one figure,
the figure is withheld, to be safe and quick (a wave of 120 people rating random workgroups closes in seconds).
What it does not cover, by design:
- The seven dimension means are over answers, not ratings, and each dimension has one figure: combining them
  with the ratings' totals would need each rating's number of answered items, which is not released.
- Rounding to 2 places is treated as exact: a combination that rounding would blur still counts.
- It works within one wave. Waves are scored apart (different respondent ids) and the change between two waves
  compares shown figures only, but the same people answering two waves is not accounted for.
- The 95 % interval of a change rests on the spread of a shown index's respondents: a second-order figure that
  this check does not weigh (it is given only where both indices are shown).
- Someone who knows the answers of all but a few of a figure's respondents from outside learns the rest: no
  published mean can prevent that.

Arithmetic is exact: means are kept as fractions (a Decimal cannot hold 10/3, and rounding its digits early can
turn an exact 3.125 into 3.1249…) and become Decimals rounded to 2 places, half up, only when reported.
Every value this module hands out is a Decimal; floats are refused.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from itertools import combinations
from math import isqrt
from typing import TypeVar

from ..rc import DIMENSION_KEYS, N_

K = TypeVar("K", str, int)
DEFAULT_MIN_RESPONDENTS = 5
LOWEST_MIN_RESPONDENTS = 3
MIN_ANSWERS = 4
ANSWERS = range(1, 6)
MEANINGFUL_CHANGE = Decimal("0.10")
WEAK_BELOW = Decimal("3.50")
STRONG_ABOVE = Decimal("4.00")
Z_95 = Fraction(196, 100)
CENT = Decimal("0.01")

# Sections of the report; a withheld figure is named by its section and key.
WORKGROUPS = "workgroups"
RATED_BY_OTHERS = "rated_by_others"
DIMENSIONS = "dimensions"
OVERALL = "overall"
WITHIN_GROUP = "within_group"
RATING_MAP = "rating_map"
# Which of two leaking figures resting on as many respondents and ratings is withheld first: the more specific.
SPECIFIC_FIRST = (RATING_MAP, WITHIN_GROUP, RATED_BY_OTHERS, WORKGROUPS, OVERALL)
NOT_LISTED = "not_listed"  # the rater of "My workgroup is not listed" (a workgroup key never has "_")
SECONDS_PER_ITEM = 8  # reading an item and tapping a point of a familiar five-point scale
SECONDS_PER_CHOICE = 15  # finding one's own workgroup in the list
LEAK_SEARCH = 300  # sets of small classes tried for one figure before it is withheld to be safe


@dataclass(frozen=True)
class Response:
    """One respondent rating one target workgroup: answers by dimension key, 1–5 or None (a missing key is None)."""

    respondent: str
    rater_workgroup: str
    target_workgroup: str
    answers: Mapping[str, int | None]

    @property
    def within_group(self) -> bool:
        return self.rater_workgroup == self.target_workgroup


@dataclass(frozen=True)
class Figure:
    """A reported figure: value rounded to 2 places and the number of distinct respondents behind it.
    A withheld figure has neither."""

    value: Decimal | None = None
    respondents: int | None = None

    @property
    def hidden(self) -> bool:
        return self.value is None

    @property
    def band(self) -> str | None:
        return None if self.value is None else band(self.value)


HIDDEN = Figure()


@dataclass(frozen=True)
class Withheld:
    """A figure that was not shown: its section of the report and its key (a workgroup or dimension; None for
    the overall index)."""

    section: str
    key: str | None = None


@dataclass(frozen=True)
class Figures:
    """Everything one wave of responses yields, ready to show: hidden figures are already emptied."""

    min_respondents: int
    workgroups: dict[str, Figure]
    rated_by_others: dict[str, Figure]
    dimensions: dict[str, Figure]
    overall: Figure
    within_group: dict[str, Figure]
    withheld: tuple[Withheld, ...]
    pooled_over_shown_workgroups_only: bool
    # How each shown workgroup rates each other one: (rater workgroup, rated workgroup) → the mean of its counting
    # ratings; only shown cells are present.
    rating_map: dict[tuple[str, str], Figure] = field(default_factory=dict)
    # The exact respondent indices behind each shown index (key: workgroup, or None for overall), for change
    # intervals between waves. Individual data: never to be shown, and left out of as_json().
    _samples: dict[str | None, tuple[Fraction, ...]] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Change:
    """A wave-to-wave change of an index, on the reported 2-place figures, with its 95 % interval."""

    before: Decimal
    after: Decimal
    difference: Decimal
    meaningful: bool
    interval: tuple[Decimal, Decimal] | None


def check_min_respondents(min_respondents: int) -> int:
    """The anonymity threshold, refused (ValueError) below 3: a caller may raise it, never lower it."""
    if isinstance(min_respondents, bool) or not isinstance(min_respondents, int):
        raise TypeError(f"min_respondents must be a whole number, not {min_respondents!r}")
    if min_respondents < LOWEST_MIN_RESPONDENTS:
        raise ValueError(f"min_respondents must be at least {LOWEST_MIN_RESPONDENTS}, not {min_respondents}")
    return min_respondents


def rating_score(response: Response) -> Fraction | None:
    """The mean of the answered items, or None when fewer than 4 of the 7 are answered (the rating is dropped)."""
    answered = [a for a in (response.answers.get(key) for key in DIMENSION_KEYS) if a is not None]
    if len(answered) < MIN_ANSWERS:
        return None
    return Fraction(sum(answered), len(answered))


def score(responses: Iterable[Response], min_respondents: int = DEFAULT_MIN_RESPONDENTS) -> Figures:
    """All figures of one wave. Raises ValueError on inconsistent data (an answer outside 1–5, an unknown
    dimension, one respondent in two workgroups, one respondent rating a workgroup twice)."""
    k = check_min_respondents(min_respondents)
    responses = list(responses)
    _check(responses)
    names = sorted({r.rater_workgroup for r in responses} | {r.target_workgroup for r in responses})
    counting = [(r, s) for r in responses if (s := rating_score(r)) is not None]
    between = [(r, s) for r, s in counting if not r.within_group]
    within = [(r, s) for r, s in counting if r.within_group]

    scores_of: dict[str, list[Fraction]] = defaultdict(list)
    workgroup_of: dict[str, str] = {}
    for r, s in between:
        scores_of[r.respondent].append(s)
        workgroup_of[r.respondent] = r.rater_workgroup
    index_of = {respondent: _mean(scores) for respondent, scores in scores_of.items()}

    withheld: list[Withheld] = []
    samples: dict[str | None, tuple[Fraction, ...]] = {}

    def figure(section: str, key: str | None, pairs: list[tuple[str, Fraction]]) -> Figure:
        """The mean of the values in (respondent, value) pairs, withheld under k distinct respondents."""
        respondents = len({respondent for respondent, _ in pairs})
        if respondents < k:
            withheld.append(Withheld(section, key))
            return HIDDEN
        return Figure(_round(_mean([value for _, value in pairs])), respondents)

    def index_figure(section: str, key: str | None, members: list[str]) -> Figure:
        shown = figure(section, key, [(m, index_of[m]) for m in members])
        if not shown.hidden:
            samples[key] = tuple(index_of[m] for m in members)
        return shown

    workgroups = {
        name: index_figure(WORKGROUPS, name, [m for m in index_of if workgroup_of[m] == name]) for name in names
    }
    shown_workgroups = {name for name, f in workgroups.items() if not f.hidden}
    # Against subtraction: pooled figures rest only on respondents of shown workgroups.
    pooled = [(r, s) for r, s in between if r.rater_workgroup in shown_workgroups]

    rated_by_others = {
        name: figure(RATED_BY_OTHERS, name, [(r.respondent, s) for r, s in pooled if r.target_workgroup == name])
        for name in names
    }
    dimensions = {
        key: figure(
            DIMENSIONS, key, [(r.respondent, Fraction(a)) for r, _ in pooled if (a := r.answers.get(key)) is not None]
        )
        for key in DIMENSION_KEYS
    }

    overall = index_figure(OVERALL, None, [m for m in index_of if workgroup_of[m] in shown_workgroups])

    within_group = {
        name: figure(WITHIN_GROUP, name, [(r.respondent, s) for r, s in within if r.target_workgroup == name])
        for name in names
    }
    cells: dict[tuple[str, str], list[tuple[str, Fraction]]] = defaultdict(list)
    for r, s in pooled:
        cells[r.rater_workgroup, r.target_workgroup].append((r.respondent, s))
    rating_map = {pair: Figure(_round(_mean([v for _, v in values])), n) for pair, values in sorted(cells.items())
                  if (n := len({who for who, _ in values})) >= k}

    # Against subtraction: each shown figure's total as weights on the ratings (respondent, rated workgroup).
    rated_by = defaultdict(list)
    for r, _s in between:
        rated_by[r.respondent].append(r.target_workgroup)

    def indices(members) -> dict[tuple[str, str], Fraction]:
        return {(m, t): Fraction(1, len(rated_by[m])) for m in members for t in rated_by[m]}

    def ratings(pairs) -> dict[tuple[str, str], Fraction]:
        return {(r.respondent, r.target_workgroup): Fraction(1) for r, _s in pairs}

    totals = {
        **{(WORKGROUPS, name): indices(m for m in index_of if workgroup_of[m] == name)
           for name in shown_workgroups},
        **({(OVERALL, None): indices(m for m in index_of if workgroup_of[m] in shown_workgroups)}
           if not overall.hidden else {}),
        **{(RATED_BY_OTHERS, name): ratings(p for p in pooled if p[0].target_workgroup == name)
           for name, f in rated_by_others.items() if not f.hidden},
        **{(WITHIN_GROUP, name): ratings(p for p in within if p[0].target_workgroup == name)
           for name, f in within_group.items() if not f.hidden},
        **{(RATING_MAP, pair): ratings(p for p in pooled if (p[0].rater_workgroup, p[0].target_workgroup) == pair)
           for pair in rating_map},
    }
    sections = {WORKGROUPS: workgroups, RATED_BY_OTHERS: rated_by_others, WITHIN_GROUP: within_group,
                RATING_MAP: rating_map}
    for section, key in _exposed(totals, k):
        if section == RATING_MAP:
            del rating_map[key]
            continue
        if section == OVERALL:
            overall = HIDDEN
        else:
            sections[section][key] = HIDDEN
        if section in (WORKGROUPS, OVERALL):
            samples.pop(key)
        withheld.append(Withheld(section, key))

    return Figures(
        min_respondents=k,
        workgroups=workgroups,
        rated_by_others=rated_by_others,
        dimensions=dimensions,
        overall=overall,
        within_group=within_group,
        withheld=tuple(withheld),
        pooled_over_shown_workgroups_only=len(shown_workgroups) < len(names),
        rating_map=rating_map,
        _samples=samples,
    )


Name = tuple[str, object]  # a figure: its section and key
Column = tuple[int, str]  # a class of respondents alike in every figure, and a rated workgroup


def _exposed(totals: Mapping[Name, Mapping[tuple[str, str], Fraction]], k: int) -> list[Name]:
    """The figures to withhold so that no combination of the others' totals (`totals`: each figure's weight on each
    rating (respondent, rated workgroup)) rests on 1 to k - 1 respondents.

    Figures are taken from the one resting on the most respondents down (see `preference`), and each is kept only
    if it leaks nothing alongside those kept before it: of two figures that leak together, the smaller, more
    specific one is withheld. Respondents with the same weights in every figure are one class: any combination
    weighs them alike, so it touches all of them or none."""

    def preference(name: Name):
        atoms = totals[name]
        return (len({who for who, _ in atoms}), len(atoms), SPECIFIC_FIRST.index(name[0]), str(name[1]))

    order = sorted(totals, key=preference)
    signature: dict[str, list] = defaultdict(list)
    for position, name in enumerate(order):
        for (who, target), weight in sorted(totals[name].items()):
            signature[who].append((position, target, weight))
    classes = {sig: number for number, sig in enumerate(sorted({tuple(sig) for sig in signature.values()}))}
    class_of = {who: classes[tuple(sig)] for who, sig in signature.items()}
    size = Counter(class_of.values())
    small = {c for c, n in size.items() if n < k}

    def rank(column: Column):  # large classes' columns first: a row pivoting on a small class has no large one
        return column[0] in small, column

    basis: dict[Column, dict[Column, Fraction]] = {}  # the kept figures' rows, in echelon form
    confined: list[dict[Column, Fraction]] = []  # the kept combinations that touch small classes only
    withheld = []
    for name in reversed(order):
        row = _reduced({(class_of[who], target): weight for (who, target), weight in totals[name].items()},
                       basis, rank)
        if not row:
            continue  # nothing new: the kept figures give this one already
        pivot = min(row, key=rank)
        if pivot[0] in small:
            if _leaks([*confined, row], size, k):
                withheld.append(name)
                continue
            confined.append(row)
        basis[pivot] = row  # a row pivoting on a large class adds no combination confined to small ones
    return withheld


def _leaks(confined: list[dict[Column, Fraction]], size: Counter, k: int) -> bool:
    """Whether a nonzero combination of rows touching small classes only is confined to fewer than k people.
    Past LEAK_SEARCH sets of classes to try, it answers yes: withholding is the safe side."""
    support = sorted({c for row in confined for c, _ in row})
    tried = 0
    for count in range(1, k):
        for group in combinations(support, count):
            if sum(size[c] for c in group) < k:
                tried += 1
                if tried > LEAK_SEARCH or _confined(confined, set(group)):
                    return True
    return False


def _confined(rows: list[dict[Column, Fraction]], group: set[int]) -> bool:
    """Whether a nonzero combination of the rows touches only the classes of `group`."""
    basis = _echelon(rows, lambda column: (column[0] in group, column))
    return any(pivot[0] in group for pivot in basis)


def _echelon(rows: Iterable[dict[Column, Fraction]], rank) -> dict[Column, dict[Column, Fraction]]:
    """Gaussian elimination over fractions: independent rows by pivot, each pivoting on its lowest-ranked column,
    so that a row pivoting on a column of the last ranks has no other column."""
    basis: dict[Column, dict[Column, Fraction]] = {}
    for row in rows:
        if row := _reduced(row, basis, rank):
            basis[min(row, key=rank)] = row
    return basis


def _reduced(row: dict[Column, Fraction], basis: dict[Column, dict[Column, Fraction]], rank) -> dict:
    """A row less the basis rows whose pivots it holds, until its lowest-ranked column is no pivot ({}: none)."""
    row = {c: v for c, v in row.items() if v}
    while row and (pivot := min(row, key=rank)) in basis:
        base = basis[pivot]
        factor = row[pivot] / base[pivot]
        row = {c: v for c in row.keys() | base.keys() if (v := row.get(c, 0) - factor * base.get(c, 0))}
    return row


def usable(responses: Iterable[Response]) -> tuple[list[Response], int]:
    """The responses that score() accepts, and how many were left out, for data stored by other hands (an old
    import, a database edit): an answer outside 1–5 or of an unknown dimension counts as unanswered; a row
    without its respondent or workgroups is left out, and so is every row of a respondent who is in two
    workgroups or rated one workgroup twice (nobody can tell which of their rows is right)."""
    responses = list(responses)
    rows = [r for r in responses
            if all(isinstance(v, str) and v for v in (r.respondent, r.rater_workgroup, r.target_workgroup))]
    workgroups: dict[str, set[str]] = defaultdict(set)
    targets: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        workgroups[r.respondent].add(r.rater_workgroup)
        targets[r.respondent].append(r.target_workgroup)
    unsure = {who for who in targets if len(workgroups[who]) > 1 or len(set(targets[who])) < len(targets[who])}
    kept = [Response(r.respondent, r.rater_workgroup, r.target_workgroup,
                     {key: a if isinstance(a, int) and not isinstance(a, bool) and a in ANSWERS else None
                      for key in DIMENSION_KEYS if (a := r.answers.get(key)) is not None})
            for r in rows if r.respondent not in unsure]
    return kept, len(responses) - len(kept)


def suspect(invited: Mapping[str, int], answered: Mapping[str, int]) -> bool:
    """Whether more people answered than were invited: in all, or in one workgroup whose invited staff were
    counted (an invited count of 0 means nobody counted them, and proves nothing)."""
    total = sum(invited.values())
    if total and sum(answered.values()) > total:
        return True
    return any(n > invited[key] for key, n in answered.items() if invited.get(key))


def uncounted(invited: Mapping[K, int]) -> list[K]:
    """The rated workgroups whose invited staff were not counted (0). A wave answered by an open link needs every
    count: only then do more answers than people invited mark it suspect (see `suspect`)."""
    return sorted(key for key, n in invited.items() if n <= 0)


def minutes_to_answer(rated: int, items: int, asks_rater: bool) -> int:
    """About how many minutes the questionnaire takes, rounded up: `items` per rated workgroup, and the choice of
    one's own workgroup when it is asked."""
    seconds = rated * items * SECONDS_PER_ITEM + (SECONDS_PER_CHOICE if asks_rater else 0)
    return max(1, -(-seconds // 60))


def answers_needed(answered_by_rater: Mapping[str, int], min_respondents: int) -> int:
    """How many more answers an open wave needs before closing it could show any figure: every figure rests on at
    least `min_respondents` people of one rater group (their workgroup's index, which the pooled figures need
    too), so it is the threshold less the largest group's count, 0 when one group has reached it. Counts only:
    closing with fewer shows nothing, for good."""
    return max(0, min_respondents - max(answered_by_rater.values(), default=0))


def weakest(values: Mapping[str, Decimal], count: int = 2) -> list[str]:
    """The dimensions to suggest as focus squares: the lowest, a tie taken whole, up to `count` (more only when the
    lowest are tied), and only dimensions lower than some other: when every one scores the same, none is weakest.
    Never one picked from a tie by its name."""
    ordered = sorted(set(values.values()))
    chosen: list[str] = []
    for value in ordered[:-1]:  # the highest is no one's weakest
        tied = sorted(k for k, v in values.items() if v == value)
        if chosen and len(chosen) + len(tied) > count:
            break
        chosen += tied
        if len(chosen) >= count:
            break
    return chosen


def band(value: Decimal) -> str:
    """The band of a figure: "weak" below 3.50, "moderate" from 3.50 to 4.00 inclusive, "strong" above 4.00,
    judged on the reported 2-place figure (so 3.495, shown as 3.50, is moderate: the band matches the number
    shown)."""
    shown = _cents(value)
    if shown < WEAK_BELOW:
        return N_("weak")
    if shown <= STRONG_ABOVE:
        return N_("moderate")
    return N_("strong")


def meaningful(before: Decimal, after: Decimal) -> bool:
    """Whether a change is at least 0.10 either way, on the reported 2-place figures (3.20 → 3.30 is)."""
    return abs(_cents(after) - _cents(before)) >= MEANINGFUL_CHANGE


def change_interval(
    before_indices: Sequence[Decimal | Fraction | int], after_indices: Sequence[Decimal | Fraction | int]
) -> tuple[Decimal, Decimal] | None:
    """The 95 % interval of the change in mean respondent index from one wave to the next:
    diff ± 1.96 · sqrt(s1²/n1 + s2²/n2) with sample variances, rounded to 2 places.
    None when either wave has fewer than 2 respondents."""
    before = [_exact(x) for x in before_indices]
    after = [_exact(x) for x in after_indices]
    if len(before) < 2 or len(after) < 2:
        return None
    diff = _mean(after) - _mean(before)
    variance = _sample_variance(before) / len(before) + _sample_variance(after) / len(after)
    root = _exact_sqrt(variance)
    if root is not None:
        return _round(diff - Z_95 * root), _round(diff + Z_95 * root)
    # An irrational half-width: 50 digits put the bounds far closer than any rounding edge can come.
    with localcontext() as context:
        context.prec = 50
        half = Decimal("1.96") * (Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt()
        middle = Decimal(diff.numerator) / Decimal(diff.denominator)
        low, high = middle - half, middle + half
        return low.quantize(CENT, ROUND_HALF_UP), high.quantize(CENT, ROUND_HALF_UP)


def compare(before: Figures, after: Figures, workgroup: str | None = None) -> Change | None:
    """The change of a workgroup's index (or of the overall index, workgroup=None) between two waves;
    None when the index is withheld in either wave, so no interval ever rests on hidden respondents.
    Note that the overall index covers only the shown workgroups when a wave hides one."""
    figures = [(f.overall if workgroup is None else f.workgroups.get(workgroup, HIDDEN)) for f in (before, after)]
    if any(f.hidden for f in figures):
        return None
    was, now = (f.value for f in figures)
    assert was is not None and now is not None
    return Change(
        before=was,
        after=now,
        difference=now - was,
        meaningful=meaningful(was, now),
        interval=change_interval(before._samples[workgroup], after._samples[workgroup]),
    )


def as_json(figures: Figures) -> dict:
    """JSON-ready figures. Values are strings with exactly 2 decimals ("3.20"), so no reader turns them into
    binary floats. A withheld figure is {"hidden": true} and nothing else."""

    def shown(f: Figure, name: str) -> dict:
        if f.hidden:
            return {"hidden": True}
        return {name: str(f.value), "respondents": f.respondents, "band": f.band}

    return {
        "min_respondents": figures.min_respondents,
        WORKGROUPS: {name: shown(f, "index") for name, f in figures.workgroups.items()},
        RATED_BY_OTHERS: {name: shown(f, "mean") for name, f in figures.rated_by_others.items()},
        DIMENSIONS: {key: shown(f, "mean") for key, f in figures.dimensions.items()},
        OVERALL: shown(figures.overall, "index"),
        WITHIN_GROUP: {name: shown(f, "mean") for name, f in figures.within_group.items()},
        "pooled_over_shown_workgroups_only": figures.pooled_over_shown_workgroups_only,
        "withheld": [
            {"section": w.section} if w.key is None else {"section": w.section, "key": w.key}
            for w in figures.withheld
        ],
    }


def _check(responses: list[Response]) -> None:
    workgroup_of: dict[str, str] = {}
    rated: set[tuple[str, str]] = set()
    for r in responses:
        for name in ("respondent", "rater_workgroup", "target_workgroup"):
            value = getattr(r, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"{name} must be a non-empty string, not {value!r}")
        for key, answer in r.answers.items():
            if key not in DIMENSION_KEYS:
                raise ValueError(f"unknown dimension {key!r}")
            whole = isinstance(answer, int) and not isinstance(answer, bool)
            if answer is not None and not (whole and answer in ANSWERS):
                raise ValueError(f"{r.respondent} answered {key} with {answer!r}; answers are 1 to 5 or None")
        if workgroup_of.setdefault(r.respondent, r.rater_workgroup) != r.rater_workgroup:
            raise ValueError(f"respondent {r.respondent} is in two workgroups")
        if (r.respondent, r.target_workgroup) in rated:
            raise ValueError(f"respondent {r.respondent} rated {r.target_workgroup} twice")
        rated.add((r.respondent, r.target_workgroup))


def _mean(values: Sequence[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


def _sample_variance(values: Sequence[Fraction]) -> Fraction:
    mean = _mean(values)
    return sum(((x - mean) ** 2 for x in values), Fraction(0)) / (len(values) - 1)


def _exact_sqrt(value: Fraction) -> Fraction | None:
    """The square root when it is rational (a reduced fraction whose both terms are squares), else None."""
    top, bottom = isqrt(value.numerator), isqrt(value.denominator)
    if top * top == value.numerator and bottom * bottom == value.denominator:
        return Fraction(top, bottom)
    return None


def _round(value: Fraction) -> Decimal:
    """Exactly to 2 places, halves away from zero (ROUND_HALF_UP)."""
    magnitude = abs(value)
    cents = (magnitude.numerator * 200 + magnitude.denominator) // (2 * magnitude.denominator)
    return Decimal(-cents if value < 0 else cents).scaleb(-2)


def _exact(value: Decimal | Fraction | int) -> Fraction:
    if isinstance(value, float | bool) or not isinstance(value, Decimal | Fraction | int):
        raise TypeError(f"use Decimal, not {type(value).__name__}: {value!r}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"not a number: {value!r}")
    return Fraction(value)


def _cents(value: Decimal | Fraction | int) -> Decimal:
    """A value as its reported 2-place figure."""
    return _round(_exact(value))


def reported(value: Fraction) -> Decimal:
    """An exact value as the 2-place figure the reports show."""
    return _cents(value)


def as_rows(figures: Figures) -> list[tuple[str, str, str, int, str]]:
    """The shown figures only, as (section, key, value, respondents, band) rows for a CSV export.

    Withheld figures are left out entirely: not even their names appear."""
    sections = [(WORKGROUPS, figures.workgroups), (RATED_BY_OTHERS, figures.rated_by_others),
                (DIMENSIONS, figures.dimensions), (OVERALL, {"": figures.overall}),
                (WITHIN_GROUP, figures.within_group)]
    return [(section, key, str(f.value), f.respondents, f.band)
            for section, items in sections for key, f in items.items() if not f.hidden]


DEFAULT_CODES = 10  # answer codes offered when no one's number is known (a family wave)


def codes_to_offer(invited: int, roster: int, issued: int, most: int) -> int:
    """How many answer codes the codes page offers to issue: one for each person invited (the wave's invited counts,
    else the people on the unit's roster, else DEFAULT_CODES), less the codes issued already; 1 to `most`."""
    planned = invited or roster or DEFAULT_CODES
    return max(1, min(most, planned - issued))
