"""Forms of the newsletter pages."""

from babel.dates import get_month_names
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from .rules import parse_month

# The words of the coordinators' review page (cards.forms.ReviewForm), for text the screen flags.
CHECKED = _l("I checked the marked words: they are not about a patient")


def month_names() -> dict[str, int]:
    """The months' names people may type, in English and in the page's language: full and abbreviated, lower-case,
    without a trailing dot."""
    names: dict[str, int] = {}
    for locale in {"en", str(get_locale() or "en")}:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    names[name.casefold().rstrip(".")] = number
    return names


class MonthForm(FlaskForm):
    """A month as people write it: "11 2026", "11/2026", "2026-11", "Nov 2026", "November 2026"."""

    month = StringField(_l("Month"), validators=[InputRequired(_l("Write a month and its year."))])
    understood: tuple[int, int] | None = None

    def validate_month(self, field) -> None:
        self.understood = parse_month(field.data or "", month_names())
        if self.understood is None:
            raise ValidationError(_l("This is not a month we can read. Write a month and its year, for example "
                                     "November 2026, 11/2026 or 2026-11."))


class IssueForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(_l("Give the issue a title.")), Length(max=200)])
    intro = TextAreaField(_l("Introduction (Markdown: *emphasis*, **bold**, lists, links)"),
                          validators=[Length(max=5000)])
    grouping = RadioField(_l("Group the stories by"), default="dimension", choices=[
        SelectChoice("dimension", _l("Dimension")), SelectChoice("workgroup", _l("Workgroup recognised"))])
    checked = BooleanField(CHECKED)


class StoryForm(FlaskForm):
    practice = StringField(_l("Which practice impressed you most"), validators=[Length(max=200)])
    story = TextAreaField(_l("Story"), validators=[InputRequired(_l("A story cannot be empty: leave it out instead.")),
                                                   Length(max=1500)])
    checked = BooleanField(CHECKED)
