"""The second factor (TOTP codes from an authenticator app) for leaders and admins.

Who is asked: a user whose role may use a second factor (leader, admin, superuser,
or a role listed in LINLI_REQUIRE_2FA_ROLES) and who has a confirmed device must
enter a code after the password before any page works. A user whose role is listed
in LINLI_REQUIRE_2FA_ROLES and who has no device yet is sent to enrol one.

The decision is taken once per session (on its first request) and kept in the
session, so ordinary pages cost no extra query.
"""

from __future__ import annotations

import base64

import django_otp
import segno
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role

SESSION_STATE = "linli_second_factor"
VERIFY = "verify"  # has a confirmed device: must enter a code
ENROL = "enrol"  # role requires a device and there is none yet
NONE = "none"

OPTIONAL_ROLES = (Role.LEADER, Role.ADMIN)


def eligible_roles() -> tuple[str, ...]:
    return tuple(dict.fromkeys([*OPTIONAL_ROLES, *settings.LINLI_REQUIRE_2FA_ROLES]))


def may_use_second_factor(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_role(*eligible_roles()))


def required_for(user) -> bool:
    roles = settings.LINLI_REQUIRE_2FA_ROLES
    return bool(roles) and user.is_authenticated and user.has_role(*roles)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("id").first()


def state_for(user) -> str:
    if not may_use_second_factor(user):
        return NONE
    if confirmed_device(user) is not None:
        return VERIFY
    return ENROL if required_for(user) else NONE


def manual_key(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// link as an inline SVG QR code, drawn on the server (no script)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", border=4
    )


def check_code(user, token: str):
    """Check a code against the user's confirmed device.

    Returns ``(device, None)`` when the code is right, ``(None, locked_until)`` while
    wrong codes have throttled the device, and ``(None, None)`` for a wrong code.
    """
    device = confirmed_device(user)
    if device is None:
        return None, None
    allowed, info = device.verify_is_allowed()
    if not allowed:
        return None, (info or {}).get("locked_until")
    verified = django_otp.verify_token(user, device.persistent_id, token.strip())
    return verified, None
