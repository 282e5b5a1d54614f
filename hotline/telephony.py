"""The phone system's side of the hotline: integration keys and call events (CTI).

A phone system (Asterisk, FreeSWITCH, a carrier's CTI box) posts one small JSON
event per step of a call — ringing, answered, ended — to ``POST /api/telephony/calls``.
Each integration has its own API key; only a SHA-256 digest of the key is stored,
found through the key's first characters (``key_prefix``). The call is matched to a
resident through the phone blind index and to the operator whose account carries
the extension that rang, whose console then shows the caller's card (screen-pop).

No staff member acts here, so there is no ``acting_user``: the ``Call`` row itself is
the record of what the phone system reported.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Role, User
from accounts.permissions import require_role
from hotline.models import Call, TelephonyIntegration
from linli.lib import pii
from linli.lib.errors import ServiceError

EVENTS = ("ringing", "answered", "ended")
# How long after it rang a call may still pop up on a console: a call that the
# console did not see within this window (the page was closed) is history.
SCREEN_POP_WINDOW = timedelta(minutes=10)
_PREFIX_LEN = 8
# Roles whose desk phone may pop a caller's card.
DESK_ROLES = (Role.OPERATOR, Role.LEADER, Role.ADMIN)


# --- keys -----------------------------------------------------------------------------


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """A fresh key and its lookup prefix. The key is shown once and never stored."""
    prefix = secrets.token_hex(_PREFIX_LEN // 2)
    return f"{prefix}.{secrets.token_urlsafe(32)}", prefix


def create_integration(*, acting_user, community, name: str, channel: str = audit.Channel.WEB):
    """Register a phone system for ``community``; returns (integration, key).

    The key is returned only here: the caller shows it once to whoever configures
    the phone system. From a management command (``channel="command"``) no account is
    needed: whoever runs commands on the server already holds every key.
    """
    if channel != audit.Channel.COMMAND or acting_user is not None:
        require_role(acting_user, Role.ADMIN)
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Give the phone system a name."))
    key, prefix = new_key()
    with transaction.atomic():
        integration = TelephonyIntegration.objects.create(
            community=community, name=name[:60], key_prefix=prefix, key_hash=_digest(key)
        )
        audit.record(
            acting_user,
            "telephony.create_integration",
            integration,
            after={"name": integration.name, "key_prefix": prefix},
            channel=channel,
            community_id=community.pk,
        )
    return integration, key


SIMULATOR_NAME = "simulator"


def simulator_key(community) -> str:
    """A fresh key for the community's built-in simulator integration (``simulate_call``).

    Each run replaces the simulator's key, so no simulator key lives longer than the
    command that uses it.
    """
    key, prefix = new_key()
    with transaction.atomic():
        integration, created = TelephonyIntegration.objects.get_or_create(
            community=community,
            name=SIMULATOR_NAME,
            defaults={"key_prefix": prefix, "key_hash": _digest(key)},
        )
        if not created:
            TelephonyIntegration.objects.filter(pk=integration.pk).update(
                key_prefix=prefix, key_hash=_digest(key), is_active=True
            )
        audit.record(
            None,
            "telephony.simulator_key",
            integration,
            after={"key_prefix": prefix},
            channel=audit.Channel.COMMAND,
            community_id=community.pk,
        )
    return key


def authenticate(key: str | None) -> TelephonyIntegration | None:
    """The active integration this key belongs to, or None."""
    if not key or "." not in key:
        return None
    prefix = key.split(".", 1)[0]
    if len(prefix) != _PREFIX_LEN:
        return None
    integration = (
        TelephonyIntegration.objects.select_related("community")
        .filter(key_prefix=prefix, is_active=True)
        .first()
    )
    if integration is None or not hmac.compare_digest(integration.key_hash, _digest(key)):
        return None
    return integration


# --- call events ------------------------------------------------------------------------


def operator_at(extension: str, community) -> User | None:
    """The staff member of ``community`` whose desk phone is ``extension``."""
    if not extension:
        return None
    region_id = community.street.region_id if community.street_id else None
    place = Q(grants__community=community)
    if region_id:
        place |= Q(grants__region_id=region_id)
    return (
        User.objects.filter(phone_extension=extension, is_active=True)
        .filter(place, grants__role__in=DESK_ROLES)
        .order_by("-last_login", "id")
        .first()
    )


def _resident_for(number: str, community):
    from people.services import find_by_phone

    if not number:
        return None
    found = find_by_phone(number, community=community)
    return found[0] if found else None


def _new_call(integration, call_id: str, caller: str, extension: str, at) -> Call:
    number = pii.normalise_phone(caller)
    community = integration.community
    call = Call(
        community=community,
        integration=integration,
        external_id=call_id,
        extension=extension,
        operator=operator_at(extension, community),
        resident=_resident_for(number, community),
        started_at=at,
    )
    call.set_number(number)
    if not number:
        # A withheld number (anonymous caller ID): nothing to mask or match.
        call.masked = ""
    try:
        # Two events of one call can race (ringing and answered within milliseconds);
        # the unique (integration, call id) decides, and the loser reads the winner.
        with transaction.atomic():
            call.save()
    except IntegrityError:
        call = Call.objects.get(integration=integration, external_id=call_id)
    return call


def handle_call_event(
    *,
    integration: TelephonyIntegration,
    call_id: str,
    event: str,
    caller: str = "",
    extension: str = "",
    called: str = "",
    at=None,
) -> Call:
    """Apply one event reported by the phone system and return the call.

    Events may arrive twice or out of order (a lost "ringing" before "answered"): the
    first event of an unknown call id opens it, times are set once, and an "answered"
    at another extension (a transferred call) moves the screen-pop to that desk.
    """
    if event not in EVENTS:
        raise ServiceError(_("Unknown call event %(event)s.") % {"event": event})
    call_id = (call_id or "").strip()
    if not call_id:
        raise ServiceError(_("A call id is required."))
    at = at or timezone.now()
    extension = (extension or called or "").strip()[:20]
    with transaction.atomic():
        call = (
            Call.objects.filter(integration=integration, external_id=call_id[:100])
            .select_related("community")
            .first()
        )
        if call is None:
            call = _new_call(integration, call_id[:100], caller, extension, at)
        if event == "answered":
            changes = {"state": Call.State.ANSWERED, "answered_at": at}
            if extension and extension != call.extension:
                changes["extension"] = extension
                changes["operator"] = operator_at(extension, call.community)
            Call.objects.filter(pk=call.pk, answered_at__isnull=True, ended_at__isnull=True).update(
                **changes
            )
        elif event == "ended":
            Call.objects.filter(pk=call.pk, ended_at__isnull=True).update(
                state=Call.State.ENDED, ended_at=at
            )
        call.refresh_from_db()
    return call


def latest_call_id_for(user, now=None) -> int | None:
    """The newest call that rang at ``user``'s desk phone lately (the screen-pop poll).

    One indexed query: this runs every second on every open console.
    """
    extension = user.phone_extension
    if not extension:
        return None
    since = (now or timezone.now()) - SCREEN_POP_WINDOW
    return (
        Call.objects.filter(extension=extension, operator=user, started_at__gte=since)
        .order_by("-started_at", "-id")
        .values_list("id", flat=True)
        .first()
    )
