"""State changes for staff accounts. Every change writes an audit row."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit, twofactor
from accounts.models import Role, RoleGrant, User
from accounts.permissions import require_role
from linli.lib.errors import NotAllowed, ServiceError


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


def _code_accepted(device: TOTPDevice, token: str) -> bool:
    # Its own transaction, committed either way: a wrong code must count towards the
    # throttle even though the caller then raises and rolls its own work back.
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        return device.verify_token(token.strip())


def start_totp_enrolment(*, acting_user) -> TOTPDevice:
    """Give the user an unconfirmed TOTP device to scan (or the one already waiting).

    Nothing changes for the user until the first code confirms it.
    """
    require_role(acting_user, *twofactor.eligible_roles())
    device = (
        TOTPDevice.objects.devices_for_user(acting_user, confirmed=False).order_by("id").first()
    )
    if device is None:
        device = TOTPDevice.objects.create(
            user=acting_user, name="authenticator app", confirmed=False
        )
    return device


def confirm_totp_device(*, acting_user, token: str, channel: str = audit.Channel.WEB) -> TOTPDevice:
    """Turn on the second factor: the first right code confirms the waiting device.

    One confirmed device per person: confirming a new phone replaces the old one.
    """
    require_role(acting_user, *twofactor.eligible_roles())
    device = (
        TOTPDevice.objects.devices_for_user(acting_user, confirmed=False).order_by("id").first()
    )
    if device is None:
        raise ServiceError(_("Start again: there is no app waiting to be confirmed."))
    if not _code_accepted(device, token):
        raise ServiceError(_("The code is not right. Check the time on the phone and try again."))
    with transaction.atomic():
        TOTPDevice.objects.devices_for_user(acting_user, confirmed=True).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        audit.record(
            acting_user,
            "account.second_factor_on",
            acting_user,
            channel=channel,
            note="TOTP authenticator app confirmed",
        )
    device.refresh_from_db()
    return device


def remove_totp_device(*, acting_user, token: str, channel: str = audit.Channel.WEB) -> None:
    """Turn off one's own second factor. Needs a current code; refused when the
    role requires a second factor (LINLI_REQUIRE_2FA_ROLES)."""
    require_role(acting_user, *twofactor.eligible_roles())
    if twofactor.required_for(acting_user):
        raise NotAllowed(_("Your role requires the second factor; it cannot be turned off."))
    device = twofactor.confirmed_device(acting_user)
    if device is None:
        raise ServiceError(_("The second factor is not on."))
    if not _code_accepted(device, token):
        raise ServiceError(_("The code is not right. Check the time on the phone and try again."))
    with transaction.atomic():
        TOTPDevice.objects.devices_for_user(acting_user, confirmed=None).delete()
        audit.record(
            acting_user,
            "account.second_factor_off",
            acting_user,
            channel=channel,
            note="TOTP authenticator app removed",
        )
