"""Forms of the newsletter pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Regexp

# The words of the coordinators' review page (cards.forms.ReviewForm), for text the screen flags.
CHECKED = _l("I checked the marked words: they are not about a patient")


class MonthForm(FlaskForm):
    month = StringField(_l("Month"), validators=[
        InputRequired(_l("Choose a month.")),
        Regexp(r"^20\d\d-(0[1-9]|1[0-2])$", message=_l("Write the month as YYYY-MM, for example 2026-11."))])


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
