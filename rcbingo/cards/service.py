"""Storing, screening, reviewing and publishing cards: the rules decide, this module reads and writes."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Select, String, bindparam, func, insert, select, true, union_all, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from ..audit.service import record
from ..database import utcnow, write_transaction
from ..extensions import db
from ..org.events import workgroups_merged
from ..org.models import Unit
from ..org.service import card_lookups, folded, staff_names
from ..privacy.language import unreadable_language
from ..privacy.screen import Finding, screen, screen_name
from ..rc import N_
from . import rules
from .events import Completed, card_edited, card_published, card_unpublished
from .models import Card, CardDimension, CardRevision, CardStatus, Nominee


class CardRefused(ValueError):
    """The rules' problems by field; `resubmit`: the card must be sent again under a new submission id."""

    def __init__(self, problems: dict[str, rules.Problem], resubmit: bool = False):
        super().__init__(", ".join(sorted(problems)))
        self.problems, self.resubmit = problems, resubmit


class HeldForWriter(Exception):
    """The screen marked patient information in a card whose writer is still at the tablet: nothing was stored, so
    that they can take it out, edit the card, or send it as it is for review. `screened`: what was found."""

    def __init__(self, screened: "Screened"):
        super().__init__("held for the writer")
        self.screened = screened


class OverBudget(Exception):
    """The sender's budget of cards (`within_budget`) refused this one: nothing was stored."""


def published_cards() -> Select:
    """The cards that count: on boards, walls and newsletters. Every later feature starts here."""
    return select(Card).where(Card.status == CardStatus.PUBLISHED)


def card_by_submission(submission_id: str) -> Card | None:
    return db.session.scalar(select(Card).where(Card.submission_id == submission_id))


@dataclass(frozen=True)
class Screened:
    """What the patient-information screen finds in every field of a card that is shown, by field ("nominator",
    "nominees.0"…, "practice", "story"), and the language of a story or practice line it cannot read."""

    found: dict[str, list[Finding]]
    language: str | None = None

    @property
    def held(self) -> bool:
        return self.language is not None or any(self.found.values())

    @property
    def nominees_marked(self) -> bool:
        return any(marks for field, marks in self.found.items() if field.startswith("nominees."))

    @property
    def held_beyond_the_text(self) -> bool:
        """Held for what a coordinator cannot redact on the review page: a name, or the language."""
        return self.language is not None or any(
            marks for field, marks in self.found.items() if field not in ("practice", "story"))


def screened(nominator: str, nominees, practice: str, story: str, staff) -> Screened:
    """Screen the texts of a card, each exactly as stored and shown."""
    found = {"nominator": screen_name(nominator, staff)}
    found |= {f"nominees.{at}": screen_name(name, staff) for at, name in enumerate(nominees)}
    found |= {"practice": screen(practice, staff), "story": screen(story, staff)}
    return Screened(found, _unreadable(practice, story))


def draft_findings(draft: rules.Draft, staff=None) -> Screened:
    """What the screen finds in a card not stored yet, its fields as they would be stored."""
    return screened(draft.nominator.name.strip(), [entry.name.strip() for entry in draft.named],
                    draft.practice.strip(), draft.story.strip(), card_lookups().staff if staff is None else staff)


def without_marks(draft: rules.Draft, say) -> rules.Draft:
    """The card with what the screen marks in it taken out (`rules.without_marks`; `say` words the placeholders)."""
    staff = card_lookups().staff
    return rules.without_marks(draft, draft_findings(draft, staff).found, say, lambda name: screen_name(name, staff))


def _unreadable(practice: str, story: str) -> str | None:
    return unreadable_language(story) or unreadable_language(practice)


def held_languages(cards) -> dict[int, str]:
    """For each of these cards written in a language the screen cannot read, that language."""
    return {card.id: language for card in cards if card.flagged
            and (language := _unreadable(card.practice, card.story)) is not None}


def findings(card: Card) -> Screened:
    """What the patient-information screen finds in a card's fields now."""
    return screened(card.nominator_name, [n.name for n in card.nominees], card.practice, card.story, staff_names())


def searchable(practice: str, story: str, nominees: list[str]) -> str:
    """A card's text as the stories search matches it (Card.search_text): the practice line, the story and the names
    of the people it recognises (never the writer's, which an editor may not see)."""
    return folded("\n".join([practice, story, *nominees]))


def text_findings(practice: str, story: str) -> Screened:
    """What the screen finds in this practice line and story, as a card would store them."""
    practice, story = practice.strip(), story.strip()
    names = staff_names()
    return Screened({"practice": screen(practice, names), "story": screen(story, names)}, _unreadable(practice, story))


def screen_flags(practice: str, story: str) -> bool:
    """Whether the screen holds this practice line and story, as a card would store them: patient information, or a
    language it cannot read."""
    return text_findings(practice, story).held


def _stored_and_reviewed(submission_id: str, unit_id: int) -> tuple[Card | None, bool]:
    """The card stored under this submission id if any, and whether the unit reviews cards before publishing them
    (as set now): one round trip."""
    existing, review_first = db.session.execute(
        select(Card, Unit.review_first).select_from(Unit).outerjoin(Card, Card.submission_id == submission_id)
        .where(Unit.id == unit_id)).one()
    return existing, review_first


def submit(draft: rules.Draft, unit, submission_id: str, *, transcribed_by=None,
           written_at: datetime | None = None, request_hash: str | None = None,
           within_budget: Callable[[], bool] | None = None, writer_checks: bool = False) -> tuple[Card, bool]:
    """Store a card written on `unit`'s kiosk (its row, or anything with its `id`) once, however often it is sent,
    and publish it when allowed.

    Returns the card and whether this call stored it (False for a repeat of a stored card).
    Raises CardRefused when the rules refuse the draft; HeldForWriter, with `writer_checks`, when the screen marks
    patient information in it (the writer decides: a language the screen cannot read is not theirs to fix, and goes
    to review); OverBudget when `within_budget` (called once the card is accepted and about to be stored, so
    refusals, holds and repeats cost nothing) says no.
    """
    existing, review_first = _stored_and_reviewed(submission_id, unit.id)
    if existing is not None:
        return _sent_again(existing, unit.id)
    lookups = card_lookups()
    if rules.problems(draft, set(lookups.workgroups), set(lookups.units)):
        lookups = card_lookups(fresh=True)  # refused only against the roster as it is now
    workgroups, units = lookups.workgroups, lookups.units
    if found := rules.problems(draft, set(workgroups), set(units)):
        raise CardRefused(found)
    found = draft_findings(draft, lookups.staff)
    if writer_checks and any(found.found.values()):
        raise HeldForWriter(found)
    if within_budget is not None and not within_budget():
        raise OverBudget
    practice, story, flagged = draft.practice.strip(), draft.story.strip(), found.held
    # A coordinator transcribing a paper card is its review.
    status = CardStatus(rules.initial_status(review_first and transcribed_by is None, flagged))
    nominator_person, *nominee_people = (lookups.person(entry.name, entry.workgroup, entry.unit)
                                         for entry in (draft.nominator, *draft.named))
    now = utcnow()
    try:
        with write_transaction() as session:
            card = Card(
                submission_id=submission_id,
                unit_id=unit.id,
                nominator_name=draft.nominator.name.strip(),
                nominator_workgroup_id=workgroups[draft.nominator.workgroup],
                nominator_unit_id=units[draft.nominator.unit],
                nominator_person_id=nominator_person,
                practice=practice,
                story=story,
                search_text=searchable(practice, story, [entry.name.strip() for entry in draft.named]),
                consent_publish=draft.consent_publish,
                show_nominator_name=draft.show_nominator_name,
                nominees=[
                    Nominee(position=position, name=entry.name.strip(),
                            workgroup_id=workgroups[entry.workgroup], unit_id=units[entry.unit],
                            person_id=person)
                    for position, (entry, person) in enumerate(zip(draft.named, nominee_people, strict=True))],
                dimensions=[CardDimension(dimension=key) for key in sorted(draft.dimensions)],
                flagged=flagged,
                status=status,
                created_at=written_at or now,
                published_at=now if status is CardStatus.PUBLISHED else None,
                transcribed_by_id=getattr(transcribed_by, "id", None),
                request_hash=request_hash,
            )
            _store(session, card)
            if transcribed_by is not None:
                record("card_transcribed", actor=transcribed_by, unit_id=unit.id, subject=f"card {card.id}")
            if status is CardStatus.PUBLISHED:
                # What publishing did elsewhere that the writer should hear of (a board it completed), as the
                # receivers answer it: read by the thank-you.
                card.completed = [answer for _receiver, answer in card_published.send(card, session=session)
                                  if isinstance(answer, Completed)]
    except IntegrityError:
        # The same submission id sent twice at the same instant: the other request stored it.
        existing = card_by_submission(submission_id)
        if existing is None:
            raise
        return _sent_again(existing, unit.id)
    return card, True


def _store(session, card: Card) -> None:
    """Write a new card with its nominees and dimensions, as the session's own: on PostgreSQL in one statement (the
    ORM's flush would make three round trips and spend more time than the statement's own work)."""
    if session.get_bind().dialect.name != "postgresql":
        session.add(card)
        session.flush()
        return
    values = {}
    for column in _CARD_COLUMNS:  # as a flush would write them, defaults included
        value = getattr(card, column.key)
        if value is None and column.default is not None and column.default.is_scalar:
            value = column.default.arg
        setattr(card, column.key, value)  # (each one set: none is read again from the database)
        values[column.key] = value
    params = values | {f"n{n}_{key}": getattr(nominee, key) for n, nominee in enumerate(card.nominees)
                       for key in _NOMINEE_COLUMNS} | {f"d{n}": row.dimension for n, row in enumerate(card.dimensions)}
    card.id, nominee_ids = session.connection().execute(
        _store_statement(len(card.nominees), len(card.dimensions)), params).one()
    for nominee, nominee_id in zip(card.nominees, nominee_ids, strict=True):
        nominee.id, nominee.card_id = nominee_id, card.id
    for row in card.dimensions:
        row.card_id = card.id
    for row in (card, *card.nominees, *card.dimensions):
        make_transient_to_detached(row)
    session.add(card)  # (as stored: nothing more is written)


_CARD_COLUMNS = [column for column in Card.__table__.columns if not column.primary_key]
_NOMINEE_COLUMNS = ("position", "name", "person_id", "workgroup_id", "unit_id")


@lru_cache(maxsize=64)
def _store_statement(nominees: int, dimensions: int):
    """_store's statement on PostgreSQL for a card with this many nominees and dimensions, made once."""
    stored = insert(Card).values({c.key: bindparam(c.key, type_=c.type) for c in _CARD_COLUMNS})
    stored = stored.returning(Card.id).cte("stored")
    named = union_all(*(select(*(bindparam(f"n{n}_{key}", type_=Nominee.__table__.c[key].type).label(key)
                                 for key in _NOMINEE_COLUMNS)) for n in range(nominees))).subquery()
    nominee_rows = insert(Nominee).from_select(["card_id", *_NOMINEE_COLUMNS], select(
        stored.c.id, *(named.c[key] for key in _NOMINEE_COLUMNS)).select_from(stored).join(named, true())).returning(
        Nominee.id, Nominee.position).cte("named")
    ticked = union_all(*(select(bindparam(f"d{n}", type_=String).label("dimension")) for n in range(dimensions)))
    ticked = ticked.subquery()
    dimension_rows = insert(CardDimension).from_select(["card_id", "dimension"], select(
        stored.c.id, ticked.c.dimension).select_from(stored).join(ticked, true())).cte("ticked")
    return select(stored.c.id, select(func.array_agg(aggregate_order_by(nominee_rows.c.id, nominee_rows.c.position)))
                  .scalar_subquery()).add_cte(nominee_rows, dimension_rows)


def _sent_again(existing: Card, unit_id: int) -> tuple[Card, bool]:
    """The card already stored under a submission id that a unit sends again: its own card, not stored twice; another
    unit's is never thanked for (or its names shown) here, and this card must be sent under a new id."""
    if existing.unit_id != unit_id:
        raise CardRefused({"form": rules.Problem(N_("This card could not be sent as it was. Tap Send again."))},
                          resubmit=True)
    return existing, False


def review_queue(unit: Unit) -> list[Card]:
    """Cards waiting for a coordinator, flagged ones first, oldest first."""
    return list(db.session.scalars(select(Card).where(
        Card.unit_id == unit.id, Card.status == CardStatus.SUBMITTED).order_by(Card.flagged.desc(), Card.id)))


@dataclass(frozen=True)
class Waiting:
    """A unit's cards waiting for review: those the patient-information screen held, and the others."""

    held: int = 0
    oldest_held: datetime | None = None
    others: int = 0
    oldest_other: datetime | None = None
    newest: datetime | None = None


def waiting_by_unit(unit_ids) -> dict[int, Waiting]:
    """For each unit with cards waiting for review: how many (held or not) and when the oldest were written."""
    held, other = Card.flagged.is_(True), Card.flagged.is_(False)
    rows = db.session.execute(select(
        Card.unit_id, func.count().filter(held), func.min(Card.created_at).filter(held), func.count().filter(other),
        func.min(Card.created_at).filter(other), func.max(Card.created_at))
        .where(Card.unit_id.in_(unit_ids), Card.status == CardStatus.SUBMITTED).group_by(Card.unit_id))
    return {unit_id: Waiting(*facts) for unit_id, *facts in rows}


def last_published_by_unit(unit_ids) -> dict[int, datetime]:
    """When each unit last published a card (units that never did are missing)."""
    return dict(db.session.execute(select(Card.unit_id, func.max(Card.published_at)).where(
        Card.unit_id.in_(unit_ids), Card.status == CardStatus.PUBLISHED).group_by(Card.unit_id)).all())


def recent_decisions(unit: Unit, limit: int = 30) -> list[Card]:
    """The cards a coordinator decided on last (approved, rejected, withdrawn): a card the unit published at once
    was no one's decision."""
    return list(db.session.scalars(select(Card).where(
        Card.unit_id == unit.id, Card.status != CardStatus.SUBMITTED, Card.reviewed_at.is_not(None))
        .order_by(Card.reviewed_at.desc(), Card.id.desc()).limit(limit)))


def unit_card(unit: Unit, card_id: int) -> Card | None:
    card = db.session.get(Card, card_id)
    return card if card is not None and card.unit_id == unit.id else None


def _locked(session, card: Card) -> Card:
    """The card as it is now, locked until the transaction ends: another coordinator's decision or edit made since
    this one's page was loaded is never undone by it."""
    return session.get(Card, card.id, with_for_update=True, populate_existing=True)


def edit(card: Card, *, practice: str, story: str, actor) -> bool:
    """Change a card's text (to redact it), keeping the original as a revision. Returns whether it changed."""
    practice, story = practice.strip(), story.strip()
    if (practice, story) == (card.practice, card.story):
        return False
    with write_transaction() as session:
        card = _locked(session, card)
        if (practice, story) == (card.practice, card.story):
            return False
        session.add(CardRevision(card_id=card.id, by_id=actor.id, practice=card.practice, story=card.story))
        card.practice, card.story = practice, story
        card.search_text = searchable(practice, story, [n.name for n in card.nominees])
        card.flagged = findings(card).held
        record("card_edited", actor=actor, unit_id=card.unit_id, subject=f"card {card.id}")
        if card.status is CardStatus.PUBLISHED:
            card_edited.send(card, session=session)
    return True


def approve(card: Card, actor) -> list[Completed]:
    """Publish a card: from now on it counts. Says which boards it completed (as the thank-you does)."""
    return _decide(card, CardStatus.PUBLISHED, "", actor, "card_approved")


def reject(card: Card, reason: str, actor) -> None:
    _decide(card, CardStatus.REJECTED, reason, actor, "card_rejected")


def withdraw(card: Card, reason: str, actor) -> None:
    """Take back a published card: it stops counting."""
    _decide(card, CardStatus.WITHDRAWN, reason, actor, "card_withdrawn")


def _decide(card: Card, status: CardStatus, reason: str, actor, action: str) -> list[Completed]:
    with write_transaction() as session:
        card = _locked(session, card)
        if card.status is status:  # decided so already (twice, or by two coordinators at once)
            return []
        was_counted = card.status is CardStatus.PUBLISHED
        now = utcnow()
        card.status, card.reviewed_at, card.reviewed_by_id = status, now, actor.id
        card.decision_reason = reason.strip()[:300]
        if status is CardStatus.PUBLISHED:
            card.published_at = now
        record(action, actor=actor, unit_id=card.unit_id, subject=f"card {card.id}")
        session.flush()
        if status is CardStatus.PUBLISHED and not was_counted:
            return [answer for _receiver, answer in card_published.send(card, session=session)
                    if isinstance(answer, Completed)]
        if was_counted and status is not CardStatus.PUBLISHED:
            card_unpublished.send(card, session=session)
    return []


@workgroups_merged.connect
def _credit_the_merged_workgroup(_sender=None, *, source_id: int, target_id: int, session, **_):
    """Cards that credited (or were written by) a merged workgroup now speak of the workgroup it joined."""
    session.execute(update(Nominee).where(Nominee.workgroup_id == source_id).values(workgroup_id=target_id))
    session.execute(update(Card).where(Card.nominator_workgroup_id == source_id).values(
        nominator_workgroup_id=target_id))
