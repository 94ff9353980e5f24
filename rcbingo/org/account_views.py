"""Signing in and out, passwords, and the administrators' accounts page."""

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from .. import budgets
from ..audit.service import ACTIONS, recent
from ..extensions import db
from ..i18n import translated
from ..web import safe_next
from . import accounts, devices, passwords
from .access import admin_only
from .forms import AccountForm, PasswordForm, SignInForm
from .models import Account, RoleName, Unit
from .rules import PASSWORD_MIN, ROLES, password_problem
from .service import active_units

bp = Blueprint("accounts", __name__)
log = logging.getLogger(__name__)


def _attempt_refused(email: str) -> str | None:
    """Count this attempt, before its password is hashed, and say why it must wait (None: it may go on).

    Counted first, checked in the same step (budgets.spend), so guesses sent at once are counted before any is
    checked; a right password counts too. Per device address and account (SIGN_IN_LIMIT): tablets sharing one address
    cannot lock each other out. A device that signed in to the account before counts against its own allowance
    (org/devices.py): others' failures, from its address or any other, do not lock it out. Every other attempt also
    counts per address whatever the email (SIGN_INS_PER_ADDRESS, config.py "Budgets of public edges"), so random
    emails cannot make one address a stream of hashes. Addresses count as the card budget counts them (IPv6: a /64).
    """
    email = email.strip().lower()
    limit = current_app.config["SIGN_IN_LIMIT"]
    if nonce := devices.trusted_nonce(email):
        return None if budgets.spend(limit, "sign-in", f"device|{nonce}") else _ACCOUNT_WAITS
    network = budgets.client_network()
    if not budgets.spend(current_app.config["SIGN_INS_PER_ADDRESS"], "sign-in-address", network):
        return _ADDRESS_WAITS
    return None if budgets.spend(limit, "sign-in", f"{network}|{email}") else _ACCOUNT_WAITS


def _come_back(template: str, form, field, message: str, **context):
    """The form again, as typed, with why it must wait a few seconds (503 with Retry-After): every turn to hash a
    password was taken (passwords.Busy), or the sign-in counts' storage did not answer."""
    field.errors = [message]
    retry = str(max(1, round(current_app.config["RETRY_AFTER_SECONDS"])))
    return render_template(template, form=form, **context), 503, {"Retry-After": retry}


_BUSY = _l("Many people are signing in right now. Try again in a few seconds.")
_ACCOUNT_WAITS = _l("Too many failed sign-ins for this account from this device. Wait a minute and try again.")
_ADDRESS_WAITS = _l("Many sign-ins were tried from this network in the last minute. Wait a minute and try again.")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """The sign-in page; a right password opens a fresh session."""
    form = SignInForm()
    if form.validate_on_submit():
        try:
            refused = _attempt_refused(form.email.data)
        except Exception:  # the counts' storage (Redis) is away: no attempt goes uncounted, so none goes on
            log.warning("Sign-in attempts could not be counted: sign-in waits", exc_info=True)
            return _come_back("org/sign_in.html", form, form.password,
                              _("Signing in is paused for a moment. Try again in a minute."))
        if refused:
            form.password.errors = [str(refused)]
            return render_template("org/sign_in.html", form=form), 429, {"Retry-After": "60"}
        try:
            account = accounts.authenticate(form.email.data, form.password.data)
        except passwords.Busy:
            return _come_back("org/sign_in.html", form, form.password, str(_BUSY))
        if account is not None:
            target = safe_next(session.get("next") or request.args.get("next"))
            session.clear()  # a fresh session: nothing from before sign-in carries over
            login_user(accounts.start_sign_in(account))
            response = redirect(target)
            devices.remember(response, form.email.data)
            return response
        form.password.errors = [_("That email and password do not match an active account.")]
        return render_template("org/sign_in.html", form=form), 401
    return render_template("org/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out():
    """End this session on the server and in the browser."""
    accounts.sign_out(current_user)
    logout_user()
    session.clear()
    flash(_("You are signed out."))
    return redirect(url_for("accounts.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; other sessions of the account end."""
    form = PasswordForm()
    if form.validate_on_submit():
        problem = password_problem(form.new.data, current_user.email)
        try:
            if not accounts.check_password(current_user, form.current.data):
                form.current.errors = [_("That is not your current password.")]
            elif problem:
                form.new.errors = [translated(problem, min=PASSWORD_MIN)]
            elif form.new.data != form.confirm.data:
                form.confirm.errors = [_("The two new passwords are not the same.")]
            else:
                accounts.change_password(current_user, form.new.data)
                flash(_("Your password is changed. Other sessions of your account have ended."))
                return redirect(url_for("desk.manage"))
        except passwords.Busy:
            return _come_back("org/password.html", form, form.current, str(_BUSY), min=PASSWORD_MIN)
    return render_template("org/password.html", form=form, min=PASSWORD_MIN)


@bp.route("/admin/accounts", methods=["GET", "POST"])
@admin_only
def list_accounts():
    """Every account, and a form to add one."""
    form = AccountForm()
    if form.validate_on_submit():
        problem = password_problem(form.password.data, form.email.data)
        taken = [_("An account with this email already exists.")]
        if accounts.account_by_email(form.email.data):
            form.email.errors = taken
        elif problem:
            form.password.errors = [translated(problem, min=PASSWORD_MIN)]
        else:
            try:
                account = accounts.create_account(form.email.data, form.name.data, form.password.data,
                                                  is_admin=form.is_admin.data, actor=current_user)
                flash(_("Account created for %(email)s. Now give it roles.", email=account.email))
                return redirect(url_for("accounts.edit_account", account_id=account.id))
            except passwords.Busy:
                return _come_back("org/accounts.html", form, form.password, str(_BUSY),
                                  accounts=accounts.all_accounts())
            except accounts.EmailTaken:  # another administrator added it meanwhile
                form.email.errors = taken
    status = 422 if form.errors else 200
    return render_template("org/accounts.html", form=form, accounts=accounts.all_accounts()), status


@bp.route("/admin/accounts/<int:account_id>", methods=["GET", "POST"])
@admin_only
def edit_account(account_id):
    """An account's roles per unit, and disabling or re-enabling it."""
    account = db.session.get(Account, account_id) or abort(404)
    units = active_units()
    if request.method == "POST":
        unit_ids = {u.id for u in units}
        pairs = (value.partition(":") for value in request.form.getlist("roles"))
        chosen = {(int(unit_id), role) for unit_id, _colon, role in pairs
                  if unit_id.isascii() and unit_id.isdigit() and int(unit_id) in unit_ids and role in ROLES}
        is_admin = request.form.get("is_admin") == "yes"
        if account.id == current_user.id and not is_admin:
            flash(_("You cannot remove your own administrator role."), "problem")
        else:
            accounts.set_roles(account, chosen, is_admin, actor=current_user)
            flash(_("Roles saved for %(email)s.", email=account.email))
        return redirect(url_for("accounts.edit_account", account_id=account.id))
    return render_template("org/account.html", account=account, units=units, roles=RoleName)


@bp.post("/admin/accounts/<int:account_id>/disable")
@admin_only
def disable_account(account_id):
    """Disable an account: its sessions end at once."""
    account = db.session.get(Account, account_id) or abort(404)
    if account.id == current_user.id:
        flash(_("You cannot disable your own account."), "problem")
    else:
        accounts.set_disabled(account, True, actor=current_user)
        flash(_("%(email)s is disabled and signed out everywhere.", email=account.email))
    return redirect(url_for("accounts.edit_account", account_id=account.id))


@bp.post("/admin/accounts/<int:account_id>/enable")
@admin_only
def enable_account(account_id):
    """Let a disabled account sign in again."""
    account = db.session.get(Account, account_id) or abort(404)
    accounts.set_disabled(account, False, actor=current_user)
    flash(_("%(email)s can sign in again.", email=account.email))
    return redirect(url_for("accounts.edit_account", account_id=account.id))


@bp.get("/admin/audit")
@admin_only
def audit_log():
    """The audit trail, newest first."""
    action = request.args.get("action") if request.args.get("action") in ACTIONS else None
    events = recent(action=action)
    # Each event's time on its unit's clocks (retired units too); the organization's zone for the rest.
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_({e.unit_id for e in events})))}
    return render_template("audit/log.html", events=events, actions=ACTIONS, action=action, units=units)
