"""State changes for staff accounts. Every change writes an audit row."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Role, RoleGrant, User
from accounts.permissions import require_role
from linli.lib.errors import ServiceError


@transaction.atomic
def create_staff_account(
    *,
    acting_user,
    username: str,
    password: str,
    display_name: str = "",
    phone_extension: str = "",
    channel: str = audit.Channel.WEB,
) -> User:
    """Open a staff account. Only administrators may do this."""
    require_role(acting_user, Role.ADMIN)
    username = username.strip()
    if not username:
        raise ServiceError(_("A user name is required."))
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError(_("The user name %(name)s is taken.") % {"name": username})
    user = User(username=username, display_name=display_name, phone_extension=phone_extension)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages), code="weak_password") from None
    user.set_password(password)
    user.save()
    audit.record(acting_user, "account.create", user, after=audit.snapshot(user), channel=channel)
    return user


@transaction.atomic
def grant_role(
    *,
    acting_user,
    user: User,
    role: str,
    region=None,
    community=None,
    grid=None,
    compound=None,
    channel: str = audit.Channel.WEB,
) -> RoleGrant:
    """Give ``user`` a role over exactly one place."""
    require_role(acting_user, Role.ADMIN)
    if role not in Role.values:
        raise ServiceError(_("Unknown role."))
    places = [p for p in (region, community, grid, compound) if p is not None]
    if len(places) != 1:
        raise ServiceError(_("A role is granted over exactly one place."))
    grant = RoleGrant.objects.create(
        user=user, role=role, region=region, community=community, grid=grid, compound=compound
    )
    audit.record(
        acting_user,
        "account.grant",
        grant,
        after=audit.snapshot(grant),
        channel=channel,
        community_id=community.pk if community else None,
    )
    return grant
