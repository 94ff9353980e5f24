"""Running survey waves: the wording, opening a wave, anonymous answers, imports, and the figures.

A figure leaves the survey only through release(): a wave's figures are computed once, when it closes, under
the anonymity threshold, and kept as they were; an open wave shows counts of respondents, never a figure. A
closed wave takes no answers and no imports, and is never re-opened, so no two sets of figures differ by one
person's answers.
"""

import json
import secrets
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from sqlalchemy import delete, func, select, update

from ..audit.service import record
from ..database import utcnow, write_transaction
from ..extensions import db
from ..org.models import Unit, Workgroup
from ..rc import DIMENSION_KEYS
from ..tokens import token_hash
from . import csvfile, rules
from .instrument import DEFAULT_ITEMS, DEFAULT_LABELS
from .models import SurveyItem, Wave, WaveAnswer, WaveCode, WaveWorkgroup

FAMILY = "family"  # the rater of the patient-and-family variant
NOT_LISTED = rules.NOT_LISTED  # the rater of a staff member whose workgroup is not among those rated
MAX_CODES = 500  # per sheet: about two seconds of QR codes and 42 printed pages
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O or U to misread
CODE_LENGTH = 12  # 60 random bits


class CodeRefused(Exception):
    """The answer code was used already (or never belonged to this wave): nothing was stored."""


class WaveClosed(Exception):
    """The wave is closed: it takes no answers, no imports and no new link, and its figures are final."""


@dataclass(frozen=True)
class Item:
    dimension: str
    wording: str
    labels: tuple[str, ...]


def items() -> list[Item]:
    """The organization's wording for each dimension, or the default wording where none was set."""
    stored = {i.dimension: i for i in db.session.scalars(select(SurveyItem))}
    result = []
    for key in DIMENSION_KEYS:
        item = stored.get(key)
        labels = tuple(item.labels.splitlines()) if item else DEFAULT_LABELS
        result.append(Item(key, item.wording if item else DEFAULT_ITEMS[key], labels))
    return result


def save_items(wording: dict[str, str], labels: dict[str, list[str]], actor) -> None:
    with write_transaction() as session:
        session.execute(delete(SurveyItem))
        session.add_all(SurveyItem(dimension=k, wording=wording[k].strip(), labels="\n".join(
            label.strip() for label in labels[k])) for k in DIMENSION_KEYS)
        record("survey_changed", actor=actor, subject="survey wording")


def open_wave(unit: Unit, *, name: str, kind: str, invited: dict[int, int], actor,
              open_link: bool = False, staff_title: str = "") -> tuple[Wave, str]:
    """A new wave for a unit, rating the given workgroups; returns it with the secret of its answer link.

    It takes one-time answer codes only, unless `open_link` (the administrator's explicit choice): an open link
    cannot stop one person from answering again from another browser, so it needs how many of every rated
    workgroup were invited (ValueError otherwise), for more answers than that to mark the wave suspect. Staff see
    `staff_title` (empty: the default title), never the wave's name."""
    if open_link and rules.uncounted(invited):
        raise ValueError("an open link needs the invited count of every rated workgroup")
    token = secrets.token_urlsafe(18)
    with write_transaction() as session:
        wave = Wave(unit_id=unit.id, name=name.strip(), kind=kind if kind in ("staff", FAMILY) else "staff",
                    token_hash=token_hash(token), codes_only=not open_link,
                    staff_title=" ".join(staff_title.split()) or None)
        wave.workgroups = [WaveWorkgroup(workgroup_id=w, invited=max(n, 0)) for w, n in sorted(invited.items())]
        session.add(wave)
        session.flush()
        record("survey_changed", actor=actor, unit_id=unit.id, subject=f"wave {wave.id}",
               detail="opened with an open link" if open_link else "opened for answer codes")
    return wave, token


def reissue_link(wave: Wave, actor) -> str:
    """A new answer link for an open wave (the old one stops working): its secret is shown only once."""
    token = secrets.token_urlsafe(18)
    with write_transaction() as session:
        _still_open(session, wave)
        session.merge(wave).token_hash = token_hash(token)
        record("survey_changed", actor=actor, unit_id=wave.unit_id, subject=f"wave {wave.id}", detail="new link")
    return token


def open_wave_for(token: str) -> Wave | None:
    wave = db.session.scalar(select(Wave).where(Wave.token_hash == token_hash(token)))
    return wave if wave is not None and wave.closed_at is None else None


def close_wave(wave: Wave, actor) -> None:
    """Close a wave for good and release its figures, computed now once and for all (closing twice is nothing)."""
    with write_transaction() as session:
        # The wave's row first: an answer or an import waiting on it finds the wave closed and stores nothing.
        closed = session.execute(update(Wave).where(Wave.id == wave.id, Wave.closed_at.is_(None))
                                 .values(closed_at=utcnow())).rowcount
        if closed:
            _freeze(session, wave.id, threshold())
            record("survey_changed", actor=actor, unit_id=wave.unit_id, subject=f"wave {wave.id}", detail="closed")
    db.session.expire(wave)


def _still_open(session, wave: Wave) -> None:
    """Queue behind the wave's row (answers, imports and closing all start there), or raise WaveClosed."""
    taken = session.execute(update(Wave).where(Wave.id == wave.id, Wave.closed_at.is_(None))
                            .values(link_answers=Wave.link_answers)).rowcount
    if taken != 1:
        raise WaveClosed


def unit_waves(unit: Unit) -> list[Wave]:
    return list(db.session.scalars(select(Wave).where(Wave.unit_id == unit.id).order_by(Wave.id.desc())))


def open_waves(unit_ids) -> list[tuple[Wave, int, int]]:
    """The open waves of these units, oldest first, each with how many people were invited and how many
    answered (every respondent, however they answered)."""
    waves = list(db.session.scalars(select(Wave).where(Wave.unit_id.in_(unit_ids), Wave.closed_at.is_(None))
                                    .order_by(Wave.opened_at, Wave.id)))
    answered = dict(db.session.execute(select(WaveAnswer.wave_id, func.count(func.distinct(WaveAnswer.respondent)))
                                       .where(WaveAnswer.wave_id.in_([w.id for w in waves]))
                                       .group_by(WaveAnswer.wave_id)).all())
    return [(w, sum(g.invited for g in w.workgroups), answered.get(w.id, 0)) for w in waves]


def wave_workgroups(wave: Wave) -> list[Workgroup]:
    return sorted((w.workgroup for w in wave.workgroups), key=lambda w: w.name)


def answer(wave: Wave, rater: str, ratings: dict[str, dict[str, int | None]], *, code: str | None = None) -> int:
    """Store one respondent's answers under a fresh random id; returns how many workgroups they rated.

    With a code, the code is used up in the same transaction, or CodeRefused is raised and nothing is stored.
    A wave closed meanwhile raises WaveClosed and stores nothing.
    """
    respondent = uuid.uuid4().hex
    rows = [WaveAnswer(wave_id=wave.id, respondent=respondent, rater=rater, target=target,
                       **{k: v for k, v in answers.items() if k in DIMENSION_KEYS})
            for target, answers in ratings.items() if any(v is not None for v in answers.values())]
    with write_transaction() as session:
        # The wave's row first, on both ways in: it queues the answers to one wave, so that they never
        # wait for each other's locks the other way round.
        taken = session.execute(update(Wave).where(Wave.id == wave.id, Wave.closed_at.is_(None))
                                .values(link_answers=Wave.link_answers + (1 if code is None else 0))).rowcount
        if taken != 1:
            raise WaveClosed
        if code is not None:
            used = session.execute(update(WaveCode).where(
                WaveCode.code_hash == token_hash(normal_code(code)), WaveCode.wave_id == wave.id,
                WaveCode.used.is_(False)).values(used=True))
            if used.rowcount != 1:  # a second use, even one racing the first, finds no unused row
                raise CodeRefused
        # Both ways rewrite the same rows (the wave, every used code, the new answers), so that not even the
        # database's own row versions (PostgreSQL's xmin) tell which code, or which way in, brought which answers.
        session.execute(update(WaveCode).where(WaveCode.wave_id == wave.id, WaveCode.used.is_(True))
                        .values(used=True))
        session.add_all(rows)
    return len(rows)


def normal_code(code: str) -> str:
    """A code as printed or typed (any case, dashes, spaces, O for 0, I or L for 1) in its one stored form."""
    return code.upper().replace("-", "").replace(" ", "").translate(str.maketrans("OIL", "011"))


def shown_code(code: str) -> str:
    """A code in groups of four, easier to read out and type."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def issue_codes(wave: Wave, count: int, actor) -> list[str]:
    """`count` new one-time answer codes for a wave (1 to MAX_CODES): only their hashes are kept, so the codes
    are shown this once."""
    if not 1 <= count <= MAX_CODES:
        raise ValueError(f"between 1 and {MAX_CODES} codes at a time")
    codes: set[str] = set()
    while len(codes) < count:
        codes.add("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))
    issued = sorted(codes)  # not the order they were drawn in, nor the rows' order
    with write_transaction() as session:
        session.add_all(WaveCode(wave_id=wave.id, code_hash=token_hash(c)) for c in codes)
        record("survey_changed", actor=actor, unit_id=wave.unit_id, subject=f"wave {wave.id}",
               detail=f"issued {count} answer codes")
    return issued


def cancel_unused_codes(wave: Wave, actor) -> int:
    """Unused codes stop working (a sheet was lost); used ones stay counted. Returns how many were cancelled."""
    with write_transaction() as session:
        cancelled = session.execute(delete(WaveCode).where(WaveCode.wave_id == wave.id,
                                                           WaveCode.used.is_(False))).rowcount
        record("survey_changed", actor=actor, unit_id=wave.unit_id, subject=f"wave {wave.id}",
               detail=f"cancelled {cancelled} unused answer codes")
    return cancelled


def set_codes_only(wave: Wave, codes_only: bool, actor) -> None:
    """Take answer codes only, or the open link too: the latter raises ValueError when a rated workgroup's invited
    staff were not counted (see open_wave)."""
    if not codes_only and rules.uncounted({w.workgroup_id: w.invited for w in wave.workgroups}):
        raise ValueError("an open link needs the invited count of every rated workgroup")
    with write_transaction() as session:
        session.merge(wave).codes_only = codes_only
        record("survey_changed", actor=actor, unit_id=wave.unit_id, subject=f"wave {wave.id}",
               detail="codes only" if codes_only else "open link and codes")


def code_for(code: str) -> WaveCode | None:
    """The code of an open wave that this printed or typed code is, used or not."""
    found = db.session.scalar(select(WaveCode).where(WaveCode.code_hash == token_hash(normal_code(code))))
    if found is None or db.session.get(Wave, found.wave_id).closed_at is not None:
        return None
    return found


def code_counts(wave: Wave) -> tuple[int, int]:
    """How many codes a wave has (cancelled ones are gone) and how many of them were used."""
    issued, used = db.session.execute(select(func.count(), func.count().filter(WaveCode.used.is_(True)))
                                      .where(WaveCode.wave_id == wave.id)).one()
    return issued, used


@dataclass(frozen=True)
class Sources:
    """How a wave's respondents answered."""

    by_code: int
    by_link: int
    imported: int

    @property
    def total(self) -> int:
        return self.by_code + self.by_link + self.imported


def answer_sources(wave: Wave) -> Sources:
    """Respondents by the way they answered: a used code, the open link, or a CSV import (the rest)."""
    respondents = db.session.scalar(select(func.count(func.distinct(WaveAnswer.respondent)))
                                    .where(WaveAnswer.wave_id == wave.id))
    by_code = code_counts(wave)[1]
    by_link = db.session.scalar(select(Wave.link_answers).where(Wave.id == wave.id))
    return Sources(by_code, by_link, max(respondents - by_code - by_link, 0))


def import_csv(wave: Wave, text: str, actor) -> list[csvfile.Problem]:
    """Add the responses of a CSV file to an open wave (paper or another tool): all of them, or nothing when a
    row is wrong. Rows must name the wave's own workgroups; each respondent id of the file gets a fresh random
    id, so that ids from files never collide with each other or with stored ones. A closed wave raises
    WaveClosed."""
    keys = {w.workgroup.key for w in wave.workgroups} | ({FAMILY} if wave.kind == FAMILY else set())
    responses, problems = csvfile.read_responses(text, workgroups=keys)
    if problems:
        return problems
    fresh: dict[str, str] = {}
    with write_transaction() as session:
        _still_open(session, wave)
        session.add_all(WaveAnswer(wave_id=wave.id, respondent=fresh.setdefault(r.respondent, uuid.uuid4().hex),
                                   rater=r.rater_workgroup, target=r.target_workgroup,
                                   **{k: r.answers.get(k) for k in DIMENSION_KEYS}) for r in responses)
        record("survey_changed", actor=actor, unit_id=wave.unit_id, subject=f"wave {wave.id}",
               detail=f"imported {len(responses)} ratings")
    return []


def response_rates(wave: Wave) -> list[tuple[Workgroup, int, int]]:
    """For each rated workgroup: its invited staff and how many of them answered (counts, never answers)."""
    counts = _answered_by_rater(wave.id)
    return [(w.workgroup, w.invited, counts.get(w.workgroup.key, 0))
            for w in sorted(wave.workgroups, key=lambda w: w.workgroup.name)]


def answers_needed(wave: Wave) -> int:
    """How many more answers the wave needs before closing it could show any figure (see rules.answers_needed)."""
    return rules.answers_needed(_answered_by_rater(wave.id), threshold())


def suspect(wave: Wave) -> bool:
    """Whether more people answered the wave than were invited, so far (see rules.suspect)."""
    return rules.suspect({w.workgroup.key: w.invited for w in wave.workgroups}, _answered_by_rater(wave.id))


def _answered_by_rater(wave_id: int) -> dict[str, int]:
    return dict(db.session.execute(select(WaveAnswer.rater, func.count(func.distinct(WaveAnswer.respondent)))
                                   .where(WaveAnswer.wave_id == wave_id).group_by(WaveAnswer.rater)).all())


def weakest(result: rules.Figures) -> list[str]:
    """The shown dimensions to suggest as focus squares (rules.weakest)."""
    return rules.weakest({k: f.value for k, f in result.dimensions.items() if not f.hidden})


@dataclass(frozen=True)
class Release:
    """A closed wave's figures as they were released at its close; never computed again."""

    figures: rules.Figures
    rating_map: dict[tuple[str, str], rules.Figure]
    previous: int | None  # the earlier wave compared with (closed before this one), or None
    changes: dict[str | None, rules.Change | None] = field(default_factory=dict)
    respondents: int = 0  # everyone who answered, counted at the close
    invited: int = 0
    suspect: bool = False  # more answered than were invited
    left_out: int = 0  # stored ratings that could not be scored (see rules.usable)

    @property
    def weakest(self) -> list[str]:
        return weakest(self.figures)


def release(wave: Wave) -> Release | None:
    """The only way a survey figure leaves the survey: a closed wave's figures, frozen at its close under the
    anonymity threshold; None for an open wave, which shows no figure at all. A wave closed before figures
    were frozen is released once, the first time it is asked for."""
    if wave.closed_at is None:
        return None
    stored = db.session.scalar(select(Wave.released).where(Wave.id == wave.id))
    if stored is None:
        with write_transaction() as session:
            _freeze(session, wave.id, threshold())
        stored = db.session.scalar(select(Wave.released).where(Wave.id == wave.id))
    return _loaded(json.loads(stored))


def latest_release(unit: Unit) -> Release | None:
    """The released figures of the unit's latest closed staff wave, or None."""
    wave = db.session.scalar(select(Wave).where(Wave.unit_id == unit.id, Wave.kind == "staff",
                                                Wave.closed_at.is_not(None)).order_by(Wave.id.desc()).limit(1))
    return release(wave) if wave is not None else None


def threshold() -> int:
    """The anonymity threshold k: no figure rests on fewer people."""
    return rules.check_min_respondents(current_app.config["SURVEY_MIN_RESPONDENTS"])


def _responses(wave_id: int) -> list[rules.Response]:
    """A wave's stored answers: read only to freeze its figures (see release)."""
    return [rules.Response(a.respondent, a.rater, a.target, a.answers)
            for a in db.session.scalars(select(WaveAnswer).where(WaveAnswer.wave_id == wave_id))]


def _scored(wave_id: int, min_respondents: int) -> tuple[rules.Figures, list[rules.Response], int]:
    kept, left_out = rules.usable(_responses(wave_id))
    return rules.score(kept, min_respondents), kept, left_out


def _freeze(session, wave_id: int, min_respondents: int) -> None:
    """Compute a closed wave's figures and keep them, unless they were kept already."""
    wave = session.get(Wave, wave_id)
    result, _kept, left_out = _scored(wave_id, min_respondents)
    previous = session.scalar(select(Wave).where(
        Wave.unit_id == wave.unit_id, Wave.kind == wave.kind, Wave.id < wave.id, Wave.closed_at.is_not(None))
        .order_by(Wave.id.desc()).limit(1))
    changes = {}
    if previous is not None:
        if session.scalar(select(Wave.released).where(Wave.id == previous.id)) is None:
            _freeze(session, previous.id, min_respondents)
        stored_before = json.loads(session.scalar(select(Wave.released).where(Wave.id == previous.id)))
        before = _scored(previous.id, stored_before["min_respondents"])[0]
        changes = {key: rules.compare(before, result, key) for key in [None, *result.workgroups]}
    invited = {w.workgroup.key: w.invited for w in wave.workgroups}
    answered = _answered_by_rater(wave_id)
    respondents = session.scalar(select(func.count(func.distinct(WaveAnswer.respondent)))
                                 .where(WaveAnswer.wave_id == wave_id))
    frozen = Release(result, result.rating_map, previous.id if previous else None, changes,
                     respondents, sum(invited.values()), rules.suspect(invited, answered), left_out)
    session.execute(update(Wave).where(Wave.id == wave_id, Wave.released.is_(None))
                    .values(released=json.dumps(_dumped(frozen))))


def _dumped(frozen: Release) -> dict:
    def figure(f: rules.Figure):
        return None if f.hidden else [str(f.value), f.respondents]

    def change(c: rules.Change | None):
        return c and [str(c.before), str(c.after), str(c.difference), c.meaningful,
                      c.interval and [str(v) for v in c.interval]]

    f = frozen.figures
    return {
        "min_respondents": f.min_respondents,
        **{section: {k: figure(v) for k, v in getattr(f, section).items()} for section in SECTIONS},
        "overall": figure(f.overall),
        "withheld": [[w.section, w.key] for w in f.withheld],
        "pooled": f.pooled_over_shown_workgroups_only,
        "rating_map": [[rater, target, *figure(v)] for (rater, target), v in frozen.rating_map.items()],
        "previous": frozen.previous,
        "changes": [[key, change(c)] for key, c in frozen.changes.items()],
        "respondents": frozen.respondents, "invited": frozen.invited, "suspect": frozen.suspect,
        "left_out": frozen.left_out,
    }


def _loaded(data: dict) -> Release:
    def figure(value) -> rules.Figure:
        return rules.HIDDEN if value is None else rules.Figure(Decimal(value[0]), value[1])

    def change(c) -> rules.Change | None:
        return c and rules.Change(Decimal(c[0]), Decimal(c[1]), Decimal(c[2]), c[3],
                                  c[4] and (Decimal(c[4][0]), Decimal(c[4][1])))

    figures = rules.Figures(
        min_respondents=data["min_respondents"],
        **{section: {k: figure(v) for k, v in data[section].items()} for section in SECTIONS},
        overall=figure(data["overall"]),
        withheld=tuple(rules.Withheld(section, key) for section, key in data["withheld"]),
        pooled_over_shown_workgroups_only=data["pooled"])
    return Release(figures, {(rater, target): figure(value) for rater, target, *value in data["rating_map"]},
                   data["previous"], {key: change(c) for key, c in data["changes"]}, data["respondents"],
                   data["invited"], data["suspect"], data["left_out"])


SECTIONS = (rules.WORKGROUPS, rules.RATED_BY_OTHERS, rules.DIMENSIONS, rules.WITHIN_GROUP)
