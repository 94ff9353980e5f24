"""Running survey waves: the wording, opening a wave, anonymous answers, imports, and the figures."""

import secrets
import uuid
from dataclasses import dataclass

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
MAX_CODES = 500  # per sheet: about two seconds of QR codes and 42 printed pages
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O or U to misread
CODE_LENGTH = 12  # 60 random bits


class CodeRefused(Exception):
    """The answer code was used already (or never belonged to this wave): nothing was stored."""


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


def open_wave(unit: Unit, *, name: str, kind: str, invited: dict[int, int], actor) -> tuple[Wave, str]:
    """A new wave for a unit, rating the given workgroups; returns it with the secret of its answer link."""
    token = secrets.token_urlsafe(18)
    with write_transaction() as session:
        wave = Wave(unit_id=unit.id, name=name.strip(), kind=kind if kind in ("staff", FAMILY) else "staff",
                    token_hash=token_hash(token))
        wave.workgroups = [WaveWorkgroup(workgroup_id=w, invited=max(n, 0)) for w, n in sorted(invited.items())]
        session.add(wave)
        session.flush()
        record("survey_changed", actor=actor, unit_id=unit.id, subject=f"wave {wave.id}", detail="opened")
    return wave, token


def reissue_link(wave: Wave, actor) -> str:
    """A new answer link for a wave (the old one stops working): its secret is shown only once."""
    token = secrets.token_urlsafe(18)
    with write_transaction() as session:
        session.merge(wave).token_hash = token_hash(token)
        record("survey_changed", actor=actor, unit_id=wave.unit_id, subject=f"wave {wave.id}", detail="new link")
    return token


def open_wave_for(token: str) -> Wave | None:
    wave = db.session.scalar(select(Wave).where(Wave.token_hash == token_hash(token)))
    return wave if wave is not None and wave.closed_at is None else None


def close_wave(wave: Wave, actor) -> None:
    with write_transaction() as session:
        session.merge(wave).closed_at = utcnow()
        record("survey_changed", actor=actor, unit_id=wave.unit_id, subject=f"wave {wave.id}", detail="closed")


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
    """
    respondent = uuid.uuid4().hex
    rows = [WaveAnswer(wave_id=wave.id, respondent=respondent, rater=rater, target=target,
                       **{k: v for k, v in answers.items() if k in DIMENSION_KEYS})
            for target, answers in ratings.items() if any(v is not None for v in answers.values())]
    with write_transaction() as session:
        # The wave's row first, on both ways in: it queues the answers to one wave, so that they never
        # wait for each other's locks the other way round.
        session.execute(update(Wave).where(Wave.id == wave.id)
                        .values(link_answers=Wave.link_answers + (1 if code is None else 0)))
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
    """Add the responses of a CSV file to a wave (paper or another tool); nothing is stored if a row is wrong."""
    responses, problems = csvfile.read_responses(text)
    if problems:
        return problems
    with write_transaction() as session:
        prefix = uuid.uuid4().hex[:8]  # respondent ids of different files never collide
        session.add_all(WaveAnswer(wave_id=wave.id, respondent=f"{prefix}-{r.respondent}"[:36],
                                   rater=r.rater_workgroup, target=r.target_workgroup,
                                   **{k: r.answers.get(k) for k in DIMENSION_KEYS}) for r in responses)
        record("survey_changed", actor=actor, unit_id=wave.unit_id, subject=f"wave {wave.id}",
               detail=f"imported {len(responses)} ratings")
    return []


def responses(wave: Wave) -> list[rules.Response]:
    return [rules.Response(a.respondent, a.rater, a.target, a.answers)
            for a in db.session.scalars(select(WaveAnswer).where(WaveAnswer.wave_id == wave.id))]


def figures(wave: Wave, min_respondents: int) -> rules.Figures:
    return rules.score(responses(wave), min_respondents)


def response_rates(wave: Wave) -> list[tuple[Workgroup, int, int]]:
    """For each rated workgroup: its invited staff and how many of them answered (None shown as 0)."""
    counts = dict(db.session.execute(select(WaveAnswer.rater, func.count(func.distinct(WaveAnswer.respondent)))
                                     .where(WaveAnswer.wave_id == wave.id).group_by(WaveAnswer.rater)).all())
    return [(w.workgroup, w.invited, counts.get(w.workgroup.key, 0))
            for w in sorted(wave.workgroups, key=lambda w: w.workgroup.name)]


def previous_wave(wave: Wave) -> Wave | None:
    return db.session.scalar(select(Wave).where(Wave.unit_id == wave.unit_id, Wave.kind == wave.kind,
                                                Wave.id < wave.id).order_by(Wave.id.desc()).limit(1))


def weakest(result: rules.Figures, count: int = 2) -> list[str]:
    """The lowest-scoring shown dimensions: suggested focus squares."""
    shown = [(f.value, k) for k, f in result.dimensions.items() if not f.hidden]
    return [k for _value, k in sorted(shown)[:count]]


def latest_index(unit: Unit, min_respondents: int):
    """The overall RC Index of the unit's latest staff wave with answers (a Figure, possibly hidden), or None."""
    for wave in unit_waves(unit):
        if wave.kind == "staff" and responses(wave):
            return figures(wave, min_respondents).overall
    return None


def rating_map(wave: Wave, result: rules.Figures) -> dict[tuple[str, str], object]:
    """How each shown workgroup rates each other one: mean of its counting ratings, only where at least
    `min_respondents` of its people rated (a hidden workgroup's row stays empty)."""
    scores: dict[tuple[str, str], list] = {}
    raters: dict[tuple[str, str], set] = {}
    for response in responses(wave):
        value = rules.rating_score(response)
        if value is None or response.within_group or result.workgroups.get(response.rater_workgroup,
                                                                             rules.HIDDEN).hidden:
            continue
        pair = (response.rater_workgroup, response.target_workgroup)
        scores.setdefault(pair, []).append(value)
        raters.setdefault(pair, set()).add(response.respondent)
    return {pair: rules.Figure(rules.reported(sum(values) / len(values)), len(raters[pair]))
            for pair, values in scores.items() if len(raters[pair]) >= result.min_respondents}
