"""Who may open which page: every view that needs a role says so with one of these decorators."""

from functools import wraps

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from .models import RoleName
from .rules import may
from .service import unit_by_key


def can(role: str, unit) -> bool:
    """Whether the signed-in account may act as `role` in `unit` (administrators may everywhere)."""
    if not current_user.is_authenticated:
        return False
    return may(current_user.is_admin, current_user.role_set(), unit.id if unit else None, role)


def unit_role(*roles: RoleName):
    """The view takes `unit_key` from its URL and gets `unit`, for accounts holding one of `roles` there."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(unit_key, **kwargs):
            unit = unit_by_key(unit_key)
            if unit is None:
                abort(404)
            if not any(can(role, unit) for role in roles):
                abort(403, _("Your account has no role in %(unit)s that allows this.", unit=unit.name))
            return view(unit=unit, **kwargs)

        return wrapper

    return decorate


def admin_only(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403, _("Only administrators may open this page."))
        return view(*args, **kwargs)

    return wrapper


def unit_owned(model, object_id: int, unit):
    """The `model` row with this id if it belongs to `unit`; otherwise the page is not found."""
    found = db.session.get(model, object_id)
    if found is None or found.unit_id != unit.id:
        abort(404)
    return found
