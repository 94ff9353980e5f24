"""Forms of the coordinators' and administrators' pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import InputRequired, Length, Regexp

from .rules import NAME_MAX

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Type your email address."))])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Type your password."))])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[InputRequired(_l("Type your current password."))])
    new = PasswordField(_l("New password"), validators=[InputRequired(_l("Choose a new password."))])
    confirm = PasswordField(_l("New password again"), validators=[InputRequired(_l("Type the new password again."))])


class AccountForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[
        InputRequired(_l("Type an email address.")), Length(max=254),
        Regexp(EMAIL, message=_l("That does not look like an email address."))])
    name = StringField(_l("Name"), validators=[InputRequired(_l("Type a name.")), Length(max=NAME_MAX)])
    password = PasswordField(_l("First password"), validators=[InputRequired(_l("Choose a first password."))])
    is_admin = BooleanField(_l("Administrator of the whole organization"))


class UnitSettingsForm(FlaskForm):
    review_first = RadioField(_l("When a card is sent"), choices=[
        SelectChoice("review", _l("Review first: a coordinator approves each card before it counts")),
        SelectChoice("publish", _l("Publish at once: cards count as soon as they are sent"))])
    require_enrolled_tablets = BooleanField(_l("Only enrolled tablets may send cards"))
    confirm_wins = BooleanField(_l("A coordinator confirms each bingo before it is announced"))


class PersonForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Type the person's name.")), Length(max=NAME_MAX)])
    # "Choose…" is an offered choice with an empty value: a person needs a workgroup.
    workgroup = SelectField(_l("Workgroup"), validate_choice=True,
                            validators=[InputRequired(_l("Choose the person's workgroup."))])
    unit = SelectField(_l("Unit"), validate_choice=True)


class WorkgroupForm(FlaskForm):
    name = StringField(_l("Workgroup name"), validators=[
        InputRequired(_l("Type the workgroup's name.")), Length(max=NAME_MAX)])


class UnitForm(FlaskForm):
    name = StringField(_l("Unit name"), validators=[InputRequired(_l("Type the unit's name.")), Length(max=NAME_MAX)])


class MergeForm(FlaskForm):
    into = SelectField(_l("Merge into"), validate_choice=True)


class RosterImportForm(FlaskForm):
    file = FileField(_l("Roster file (CSV)"))
    csv_text = HiddenField()


class TabletForm(FlaskForm):
    name = StringField(_l("Tablet name"), validators=[
        InputRequired(_l("Name the tablet, for example “Nursing station”.")), Length(max=NAME_MAX)])
