"""RC survey waves: the organization's wording, the waves a unit runs, and anonymous answers."""

from datetime import datetime

from sqlalchemy import ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..org.models import Unit, Workgroup
from ..rc import DIMENSION_KEYS, N_

# What staff see as the survey's title when the administrator gave none (the wave's name is for coordinators).
DEFAULT_STAFF_TITLE = N_("How we work together")


class SurveyItem(db.Model):
    """The organization's wording of one dimension's item and its five answer labels (1 = worst … 5 = best)."""

    __tablename__ = "survey_item"

    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    wording: Mapped[str] = mapped_column(Text)
    labels: Mapped[str] = mapped_column(Text)  # the five labels, one per line


class Wave(db.Model):
    """One round of the survey in a unit (for example "Baseline 2026"), answered through one anonymous link."""

    __tablename__ = "wave"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))  # for coordinators ("Baseline 2026"); staff see `title_for_staff`
    staff_title: Mapped[str | None] = mapped_column(String(120))
    # "staff" rate workgroups from inside; "family" is the patient-and-family variant, rating from outside.
    kind: Mapped[str] = mapped_column(String(20), default="staff")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # True: only one-time answer codes are taken and the open link refuses answers. New waves take codes unless
    # the administrator chose the open link when opening them; waves from before that choice keep their link.
    codes_only: Mapped[bool] = mapped_column(default=True)
    # How many respondents answered through the open link (code answers are the wave's used codes).
    link_answers: Mapped[int] = mapped_column(default=0)
    # The figures released when the wave closed (JSON, see service.release): computed once, never again.
    released: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[Unit] = relationship()
    workgroups: Mapped[list["WaveWorkgroup"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def title_for_staff(self) -> str:
        """The title on the answer pages and slips: the administrator's, or the default (shown with `tr`)."""
        return self.staff_title or DEFAULT_STAFF_TITLE


class WaveWorkgroup(db.Model):
    """A workgroup rated in a wave, and how many of its staff were invited (for response rates)."""

    __tablename__ = "wave_workgroup"

    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id", ondelete="CASCADE"), primary_key=True)
    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroup.id"), primary_key=True)
    invited: Mapped[int] = mapped_column(default=0)

    workgroup: Mapped[Workgroup] = relationship(lazy="joined")


class WaveCode(db.Model):
    """A one-time answer code of a wave, for one invited person. Only its hash and whether it was used are
    kept: nothing says when it was used or which answers it brought, so a code never leads to its answers."""

    __tablename__ = "wave_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used: Mapped[bool] = mapped_column(default=False)


class WaveAnswer(db.Model):
    """One respondent's rating of one workgroup. Nothing identifies the respondent: `respondent` is a random
    id made when the answers are sent, and no time, address or cookie is kept."""

    __tablename__ = "wave_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id", ondelete="CASCADE"), index=True)
    respondent: Mapped[str] = mapped_column(String(36))
    rater: Mapped[str] = mapped_column(String(40))  # a workgroup key, or "family" in the patient-and-family variant
    target: Mapped[str] = mapped_column(String(40))
    # One answer per dimension, 1-5, or None for "not applicable" / not answered.
    shared_goals: Mapped[int | None] = mapped_column(SmallInteger)
    shared_knowledge: Mapped[int | None] = mapped_column(SmallInteger)
    mutual_respect: Mapped[int | None] = mapped_column(SmallInteger)
    frequent: Mapped[int | None] = mapped_column(SmallInteger)
    timely: Mapped[int | None] = mapped_column(SmallInteger)
    accurate: Mapped[int | None] = mapped_column(SmallInteger)
    problem_solving: Mapped[int | None] = mapped_column(SmallInteger)

    @property
    def answers(self) -> dict[str, int | None]:
        return {key: getattr(self, key) for key in DIMENSION_KEYS}
