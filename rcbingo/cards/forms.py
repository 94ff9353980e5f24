"""The nomination card as a form: it parses and renders; the rules decide what is acceptable."""

import re
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import Optional

from ..rc import DIMENSION_KEYS
from .rules import Draft, Entry, Problem

SUBMISSION_ID = re.compile(r"^[0-9a-f]{32}$")
YES, NO = "yes", "no"


class NominatorForm(Form):
    name = StringField(_l("Your name"))
    workgroup = SelectField(_l("Your workgroup"), validate_choice=False)
    unit = SelectField(_l("Your unit"), validate_choice=False)


class WriterForm(Form):
    """The writer's row of a paper card, as the coordinator typing it in reads it."""

    name = StringField(_l("Writer's name"))
    workgroup = SelectField(_l("Writer's workgroup"), validate_choice=False)
    unit = SelectField(_l("Writer's unit"), validate_choice=False)


class NomineeForm(Form):
    name = StringField(_l("Name"))
    workgroup = SelectField(_l("Workgroup"), validate_choice=False)
    unit = SelectField(_l("Unit"), validate_choice=False)


class CardForm(FlaskForm):
    """The card; `problems` holds the rules' messages by field path ("nominees.0.name")."""

    submission_id = HiddenField()
    nominator = FormField(NominatorForm)
    # (rows past the hundredth, which the card cannot make, are not read: a post of thousands would stall a worker)
    nominees = FieldList(FormField(NomineeForm), min_entries=1, max_entries=100)
    dimensions = SelectMultipleField(choices=[SelectChoice(k) for k in DIMENSION_KEYS], validate_choice=False)
    practice = StringField(_l("Which practice impressed you most"))
    story = TextAreaField(_l("Your story"))
    # Sharing is the writer's explicit choice: nothing is chosen for them (the rules say when it is missing).
    # Any other value reads as no choice, never as a stale form.
    consent_publish = RadioField(
        _l("May we share your story on the board and in the newsletter?"), validate_choice=False,
        choices=[SelectChoice(YES, _l("Yes, share it")), SelectChoice(NO, _l("No, only count the recognition"))])
    show_nominator_name = RadioField(
        _l("Show your name with it?"), default=YES, validate_choice=False,
        choices=[SelectChoice(YES, _l("Show my name")), SelectChoice(NO, _l("Say “a colleague”"))])

    problems: dict[str, Problem]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.problems = {}

    def set_choices(self, workgroups, units, default_unit: str) -> None:
        """Fill every person's lists from the organization's workgroups and units."""
        for person in [self.nominator.form, *(entry.form for entry in self.nominees)]:
            _fill_choices(person, workgroups, units, default_unit)

    @property
    def submission_ok(self) -> bool:
        return bool(SUBMISSION_ID.match(self.submission_id.data or ""))

    def carried(self) -> list[tuple[str, str]]:
        """Everything typed and chosen on the card, as (name, value) pairs for hidden fields: a screen that shows
        the card (the screen's check before sending) sends it all back as it was."""
        pairs = [(self.submission_id.name, self.submission_id.data or "")]
        for person in [self.nominator.form, *(entry.form for entry in self.nominees)]:
            pairs += [(field.name, field.data or "") for field in person]
        pairs += [(self.dimensions.name, key) for key in self.dimensions.data or ()]
        pairs += [(field.name, field.data or "") for field in (self.practice, self.story)]
        return pairs + [(field.name, field.data) for field in (self.consent_publish, self.show_nominator_name)
                        if field.data]

    def take(self, draft: Draft) -> None:
        """Show the people's names and the texts of this draft (the card with what the screen marked taken out)."""
        for person, entry in zip([self.nominator.form, *(e.form for e in self.nominees)],
                                 [draft.nominator, *draft.nominees], strict=True):
            person.name.data = entry.name
        self.practice.data, self.story.data = draft.practice, draft.story

    def draft(self) -> Draft:
        return Draft(
            nominator=_entry(self.nominator.form),
            nominees=tuple(_entry(entry.form) for entry in self.nominees),
            dimensions=frozenset(self.dimensions.data or ()),
            practice=self.practice.data or "",
            story=self.story.data or "",
            consent_publish={YES: True, NO: False}.get(self.consent_publish.data),
            show_nominator_name=self.show_nominator_name.data != NO,
        )


def person_form(slot: str, picked, workgroups, units, default_unit: str, paper: bool = False) -> Form:
    """One person's row on its own, named like the card's (`slot` is "nominator" or "nominees-3").

    `picked` is a roster person whose name, workgroup and unit fill the row, or None for a blank row;
    `paper`: the row is on a paper card being typed in, where the nominator is "the writer".
    """
    form_class = (WriterForm if paper else NominatorForm) if slot == "nominator" else NomineeForm
    data = {"name": picked.name, "workgroup": picked.workgroup.key, "unit": picked.unit.key} if picked else {}
    form = form_class(prefix=slot, data=data)
    _fill_choices(form, workgroups, units, default_unit)
    return form


def _fill_choices(person: Form, workgroups, units, default_unit: str) -> None:
    """A person's unit defaults to the kiosk's unit: most colleagues work beside the writer."""
    person.workgroup.choices = [SelectChoice("", _l("Choose…")), *(SelectChoice(w.key, w.name) for w in workgroups)]
    person.unit.choices = [SelectChoice(u.key, u.name) for u in units]
    if not person.unit.data:
        person.unit.data = default_unit


def _entry(form: Form) -> Entry:
    return Entry(name=form.name.data or "", workgroup=form.workgroup.data or "", unit=form.unit.data or "")


class ReviewForm(FlaskForm):
    """A coordinator's decision on a card, with the text as it may be redacted."""

    practice = StringField(_l("Which practice impressed you most"))
    story = TextAreaField(_l("Story"))
    reason = StringField(_l("Reason (seen by coordinators only)"))
    checked = BooleanField(_l("I checked the marked words: they are not about a patient"))


class PaperCardForm(CardForm):
    """A paper card typed in by a coordinator on its writer's behalf: it speaks of "the writer", not "you"."""

    nominator = FormField(WriterForm)
    written_on = DateField(_l("Date on the paper card"), validators=[Optional()])

    def validate_written_on(self, field) -> None:
        # (a day's grace after today: the unit's today may be UTC's tomorrow)
        if field.data and not date(2000, 1, 1) <= field.data <= date.today() + timedelta(days=1):
            raise ValidationError("date out of range")  # (the view says it to the coordinator)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice.label.text = _l("Which practice impressed the writer most")
        self.story.label.text = _l("The writer's story")
        self.consent_publish.label.text = _l("May the story be shared on the board and in the newsletter?")
        self.show_nominator_name.label.text = _l("Show the writer's name with it?")
