"""Devices that signed in before (OWASP, "Slow Down Online Guessing Attacks with Device Cookies").

A right password leaves a signed cookie on the device, naming the account (as a keyed hash) and a random nonce. When
the device signs in to that account again, its failures count against its own allowance (the nonce's), not against
the address's: someone guessing from the same hospital network, or anywhere else, cannot lock a coordinator's own
devices out. Devices without such a cookie keep the throttle per address and account. The cookie lets nobody in by
itself: the password is checked as always.
"""

import hashlib
import hmac
import secrets

from flask import current_app, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "rcbingo_device"
COOKIE_DAYS = 365
ACCOUNTS_PER_DEVICE = 5  # a shared office computer may be several coordinators' device


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="rcbingo-sign-in-device")


def _account_mark(email: str) -> str:
    """The account as the cookie names it: no email readable in it."""
    key = hashlib.sha256(f"device cookie {current_app.secret_key}".encode()).digest()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()[:24]


def _entries() -> list[list[str]]:
    value = request.cookies.get(COOKIE)
    if not value:
        return []
    try:
        entries = _serializer().loads(value)
    except BadSignature:
        return []
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, list) and len(e) == 2 and all(isinstance(p, str) for p in e)]


def trusted_nonce(email: str) -> str | None:
    """This device's nonce for the account typed, when it signed in to that account before."""
    mark = _account_mark(email)
    return next((nonce for account, nonce in _entries() if hmac.compare_digest(account, mark)), None)


def remember(response, email: str) -> None:
    """After a right password: this device is one the account signed in from (a fresh nonce each time)."""
    mark = _account_mark(email)
    entries = [[mark, secrets.token_urlsafe(16)]] + [e for e in _entries() if e[0] != mark]
    response.set_cookie(COOKIE, _serializer().dumps(entries[:ACCOUNTS_PER_DEVICE]),
                        max_age=COOKIE_DAYS * 86400, path=url_for("accounts.sign_in"), httponly=True, samesite="Strict",
                        secure=request.is_secure)
