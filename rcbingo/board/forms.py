"""Forms of the games pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class GameForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(_l("Give the game a title.")), Length(max=120)])
    prize = StringField(_l("Prize"), validators=[Length(max=200)])
    workgroups = SelectMultipleField(_l("Workgroups playing"), coerce=int,
                                     widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    ends_at = DateTimeLocalField(_l("Ends (optional)"), validators=[Optional()])
    start_now = BooleanField(_l("Start now"), default=True)


class DisplayForm(FlaskForm):
    name = StringField(_l("Display name"), validators=[
        InputRequired(_l("Name the screen, for example “Break room”.")), Length(max=120)])
