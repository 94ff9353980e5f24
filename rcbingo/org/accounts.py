"""Accounts, roles and signed-in sessions."""

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..audit.service import record
from ..database import utcnow, write_transaction
from ..extensions import db
from ..tokens import token_hash
from . import passwords
from .models import Account, Role, RoleName, SignIn
from .rules import sign_in_expired

# A session's "last seen" is written at most this often, not on every request.
_SEEN_EVERY = timedelta(seconds=60)


def account_by_email(email: str) -> Account | None:
    return db.session.scalar(select(Account).where(func.lower(Account.email) == email.strip().lower()))


def all_accounts() -> list[Account]:
    return list(db.session.scalars(select(Account).order_by(Account.disabled_at.is_not(None), Account.email)))


class EmailTaken(Exception):
    """Another account took this email first (two administrators adding it at once)."""


def _hashed(password: str) -> str:
    """A new password's hash, made with no transaction open: a hash waiting for its turn holds no connection, and on
    SQLite no write lock (which every card and sign-in of the server would wait for). Raises passwords.Busy."""
    db.session.commit()
    return passwords.make(password)


def create_account(email: str, name: str, password: str, *, is_admin: bool = False, actor=None) -> Account:
    password_hash = _hashed(password)
    try:
        with write_transaction() as session:
            account = Account(email=email.strip().lower(), name=name.strip(), is_admin=is_admin,
                              password_hash=password_hash)
            session.add(account)
            session.flush()
            record("account_created", actor=actor, subject=f"account {account.id}",
                   detail="administrator" if is_admin else "")
    except IntegrityError as taken:
        raise EmailTaken from taken
    return account


def authenticate(email: str, password: str) -> Account | None:
    """The active account with this email and password, or None (and the failure is audited). An unknown email
    costs a hash too. Raises passwords.Busy when no turn to hash comes within the wait."""
    account = account_by_email(email)
    stored = account.password_hash if account else None
    # The connection goes back to the pool while the hash waits for its turn and runs: a burst of sign-ins must not
    # hold every connection the worker's other requests need (a kiosk card waited seconds for one).
    db.session.commit()
    ok = passwords.check(stored or passwords.dummy(), password)
    if account is not None and ok and account.is_active:
        return account
    with write_transaction():
        # The typed email is not stored: it may be anything, even a mistyped password.
        record("sign_in_failed", subject=f"account {account.id}" if account else "",
               detail="" if account else "unknown email")
    return None


def start_sign_in(account: Account) -> Account:
    """Open a server-side session for `account`; its token goes in the session cookie."""
    token = secrets.token_urlsafe(32)
    with write_transaction() as session:
        sign_in = SignIn(token_hash=token_hash(token), account_id=account.id)
        session.add(sign_in)
        record("sign_in", actor=account, subject=f"account {account.id}")
    sign_in.token = token
    account.sign_in = sign_in
    return account


def load_account(token: str) -> Account | None:
    """The account behind a session token, if that session is still alive (Flask-Login's user loader)."""
    sign_in = db.session.scalar(select(SignIn).where(SignIn.token_hash == token_hash(token)))
    if sign_in is None or sign_in.ended_at is not None or not sign_in.account.is_active:
        return None
    now = utcnow()
    config = current_app.config
    if sign_in_expired(sign_in.started_at, sign_in.seen_at, now,
                       idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                       longest=timedelta(hours=config["SESSION_MAX_HOURS"])):
        end_sign_ins(sign_in_id=sign_in.id)
        return None
    if now - sign_in.seen_at > _SEEN_EVERY:
        with write_transaction() as session:
            session.execute(update(SignIn).where(SignIn.id == sign_in.id).values(seen_at=now))
    sign_in.token = token
    account = sign_in.account
    account.sign_in = sign_in
    return account


def end_sign_ins(*, sign_in_id: int | None = None, account_id: int | None = None) -> None:
    """End one session (sign-out, expiry) or every session of an account (disabled, new password)."""
    query = update(SignIn).where(SignIn.ended_at.is_(None)).values(ended_at=utcnow())
    query = query.where(SignIn.id == sign_in_id) if sign_in_id is not None else query.where(
        SignIn.account_id == account_id)
    with write_transaction() as session:
        session.execute(query)


def sign_out(account: Account) -> None:
    if account.sign_in is not None:
        end_sign_ins(sign_in_id=account.sign_in.id)
        with write_transaction():
            record("sign_out", actor=account, subject=f"account {account.id}")


def change_password(account: Account, new_password: str) -> None:
    """Set a new password and end the account's other sessions."""
    password_hash = _hashed(new_password)
    with write_transaction() as session:
        session.execute(update(Account).where(Account.id == account.id).values(password_hash=password_hash))
        session.execute(update(SignIn).where(
            SignIn.account_id == account.id, SignIn.ended_at.is_(None),
            SignIn.id != (account.sign_in.id if account.sign_in else -1)).values(ended_at=utcnow()))
        record("password_changed", actor=account, subject=f"account {account.id}")


def set_disabled(account: Account, disabled: bool, actor: Account) -> None:
    """Disable an account (ending its sessions at once) or enable it again."""
    with write_transaction() as session:
        account = session.merge(account)
        account.disabled_at = utcnow() if disabled else None
        if disabled:
            session.execute(update(SignIn).where(SignIn.account_id == account.id, SignIn.ended_at.is_(None))
                            .values(ended_at=utcnow()))
        record("account_disabled" if disabled else "account_enabled", actor=actor, subject=f"account {account.id}")


def set_roles(account: Account, roles: set[tuple[int, str]], is_admin: bool, actor: Account) -> None:
    """Replace an account's roles: (unit id, "coordinator" | "editor") pairs, and whether it administers."""
    with write_transaction() as session:
        account = session.merge(account)
        before = account.role_set()
        session.execute(delete(Role).where(Role.account_id == account.id))
        session.add_all(Role(account_id=account.id, unit_id=unit_id, role=RoleName(role))
                        for unit_id, role in sorted(roles))
        session.expire(account, ["roles"])
        changed_admin = account.is_admin != is_admin
        account.is_admin = is_admin
        if before != roles or changed_admin:
            detail = ", ".join(f"{role} of unit {unit_id}" for unit_id, role in sorted(roles)) or "no unit roles"
            record("roles_changed", actor=actor, subject=f"account {account.id}",
                   detail=detail + ("; administrator" if is_admin else ""))


def check_password(account: Account, password: str) -> bool:
    stored = account.password_hash
    db.session.commit()  # (as authenticate: no connection held while the hash waits for its turn)
    return passwords.check(stored, password)
