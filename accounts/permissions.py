"""Role checks used by service functions before they change anything."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import Role
from linli.lib.errors import NotAllowed

STAFF_ROLES = (Role.OPERATOR, Role.LEADER, Role.ADMIN)


def require_role(user, *roles: str) -> None:
    """Raise NotAllowed unless ``user`` holds one of ``roles`` (superusers always pass)."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise NotAllowed(_("Please log in first."))
    if user.is_superuser or user.has_role(*roles):
        return
    raise NotAllowed(_("Your role does not allow this action."))


def can_view_audit(user) -> bool:
    return user.is_superuser or user.has_role(Role.LEADER, Role.ADMIN)
