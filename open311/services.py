"""State changes of the open311 app: API tokens and Open311 submissions.

A submission becomes an ordinary work order through ``hotline.services.create_order``
with the channel "open311", acting as the token's service account — so the hotline's
own rules (roles, scope, SLA, timeline, notifications) apply unchanged.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Role, User
from accounts.permissions import require_role
from linli.lib import pii
from linli.lib.errors import NotAllowed, NotFound, ServiceError
from open311 import tokens
from open311.definitions import MULTI, NUMBER, SINGLE, Definition, definition_for
from open311.models import ApiToken, Scope, Submission

MAX_DESCRIPTION = 4000
TOKEN_ROLES = (Role.OPERATOR, Role.GRID_WORKER, Role.LEADER, Role.COMMITTEE, Role.VOLUNTEER)


# --- API tokens -------------------------------------------------------------------


@transaction.atomic
def create_api_token(
    *,
    acting_user,
    name: str,
    community,
    scopes: list[str],
    role: str = Role.OPERATOR,
    grid=None,
    compound=None,
    rate_limit_per_minute: int = 60,
    expires_at=None,
    channel: str = audit.Channel.WEB,
) -> tuple[ApiToken, str]:
    """Make a key for one integration. Returns the token and the key, shown only now.

    The key acts through a new service account holding ``role`` over the community
    (or over one grid or compound of it), so it sees and may do exactly what a staff
    member with that grant could — narrowed further by ``scopes``.
    """
    from accounts.services import grant_role
    from places.models import Community

    require_role(acting_user, Role.ADMIN)
    if not Community.objects.visible_to(acting_user).filter(pk=community.pk).exists():
        raise NotFound(_("No such community."))
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Give the integration a name."), code="name_required")
    if role not in TOKEN_ROLES:
        raise ServiceError(_("An API key cannot hold this role."), code="invalid_role")
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown or not scopes:
        raise ServiceError(
            _("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown) or "—"},
            code="invalid_scope",
        )
    if grid is not None and grid.community_id != community.pk:
        raise ServiceError(_("The grid is not in this community."), code="invalid_place")
    if compound is not None and compound.grid.community_id != community.pk:
        raise ServiceError(_("The compound is not in this community."), code="invalid_place")
    if rate_limit_per_minute < 1:
        raise ServiceError(_("The rate limit must be at least 1."), code="invalid_rate_limit")
    key, prefix = tokens.new_key()
    user = User(username=f"api-{prefix}", display_name=name[:50])
    user.set_unusable_password()
    user.save()
    place = {"compound": compound} if compound else {"grid": grid} if grid else {}
    grant_role(
        acting_user=acting_user,
        user=user,
        role=role,
        community=None if place else community,
        channel=channel,
        **place,
    )
    token = ApiToken.objects.create(
        name=name,
        user=user,
        community=community,
        scopes=sorted(set(scopes)),
        rate_limit_per_minute=rate_limit_per_minute,
        key_prefix=prefix,
        key_hash=tokens.hash_key(key),
        created_by=acting_user,
        expires_at=expires_at,
    )
    audit.record(
        acting_user, "api_token.create", token, after=audit.snapshot(token), channel=channel
    )
    return token, key


@transaction.atomic
def revoke_api_token(*, acting_user, token: ApiToken, channel: str = audit.Channel.WEB) -> None:
    """Stop a key working at once; its service account stays for the history."""
    from places.models import Community

    require_role(acting_user, Role.ADMIN)
    if not Community.objects.visible_to(acting_user).filter(pk=token.community_id).exists():
        raise NotFound(_("No such API key."))
    before = audit.snapshot(token)
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(is_active=False, revoked_at=now)
    token.is_active, token.revoked_at = False, now
    audit.record(
        acting_user,
        "api_token.revoke",
        token,
        before=before,
        after=audit.snapshot(token),
        channel=channel,
    )


# --- Open311 submissions -----------------------------------------------------------


@dataclass
class Location:
    lat: Decimal | None = None
    long: Decimal | None = None
    address_string: str = ""
    household: object = None

    @property
    def text(self) -> str:
        if self.address_string:
            return self.address_string
        if self.lat is not None:
            return f"{self.lat},{self.long}"
        return ""


def clean_attributes(definition: Definition | None, raw: dict[str, list[str]]) -> dict:
    """Check the answers to a service's questions; raise ServiceError on the first bad one.

    Answers to questions the service does not ask are ignored, as the standard lets a
    client send a superset.
    """
    if definition is None:
        return {}
    cleaned: dict = {}
    for attribute in definition.attributes:
        values = [v for v in raw.get(attribute.code, []) if v != ""]
        if not values:
            if attribute.required and attribute.variable:
                raise ServiceError(
                    _("The question “%(q)s” (%(code)s) must be answered.")
                    % {"q": attribute.description, "code": attribute.code},
                    code="attribute_required",
                )
            continue
        if attribute.datatype != MULTI and len(values) > 1:
            raise ServiceError(
                _("%(code)s takes one value.") % {"code": attribute.code}, code="attribute_invalid"
            )
        keys = {key for key, _name in attribute.values}
        if attribute.datatype in (SINGLE, MULTI) and not set(values) <= keys:
            raise ServiceError(
                _("%(code)s must be one of: %(keys)s.")
                % {"code": attribute.code, "keys": ", ".join(sorted(keys))},
                code="attribute_invalid",
            )
        if attribute.datatype == NUMBER:
            try:
                Decimal(values[0])
            except ArithmeticError:
                raise ServiceError(
                    _("%(code)s must be a number.") % {"code": attribute.code},
                    code="attribute_invalid",
                ) from None
            if not Decimal(values[0]).is_finite():
                raise ServiceError(
                    _("%(code)s must be a number.") % {"code": attribute.code},
                    code="attribute_invalid",
                )
        if attribute.datatype == "datetime" and parse_datetime(values[0]) is None:
            raise ServiceError(
                _("%(code)s must be a date and time (ISO 8601).") % {"code": attribute.code},
                code="attribute_invalid",
            )
        cleaned[attribute.code] = values if attribute.datatype == MULTI else values[0]
    return cleaned


def _describe(description: str, definition: Definition | None, answers: dict) -> str:
    """The order's text: what the person wrote, then their answers to the questions."""
    lines = [description.strip()] if description.strip() else []
    if definition is not None:
        for attribute in definition.attributes:
            if attribute.code not in answers:
                continue
            value = answers[attribute.code]
            values = value if isinstance(value, list) else [value]
            shown = "、".join(attribute.value_name(v) for v in values)
            lines.append(f"{attribute.description} {shown}")
    return "\n".join(lines)[:MAX_DESCRIPTION]


def _is_urgent(definition: Definition | None, answers: dict) -> bool:
    if definition is None:
        return False
    for attribute in definition.attributes:
        value = answers.get(attribute.code)
        values = value if isinstance(value, list) else [value]
        if attribute.urgent_if and attribute.urgent_if in values:
            return True
    return False


@transaction.atomic
def submit_request(
    *,
    acting_user,
    api_token: ApiToken,
    community,
    category,
    location: Location,
    description: str = "",
    attributes: dict | None = None,
    phone: str = "",
    contact_name: str = "",
    media_url: str = "",
    account_id: str = "",
    device_id: str = "",
) -> Submission:
    """File one Open311 service request (POST requests) as a work order.

    ``phone`` is an already validated, normalised number: it finds the caller in the
    registry through the blind index and goes onto the order encrypted; only its masked
    form is kept here. For a batch service the order is filed by the worker and the
    answer carries a token instead of the order number.
    """
    if not api_token.has_scope(Scope.ORDERS_WRITE) or api_token.user_id != acting_user.pk:
        raise NotAllowed(_("This API key may not file work orders."))
    if len(description) > MAX_DESCRIPTION:
        raise ServiceError(
            _("The description is longer than %(n)s characters.") % {"n": MAX_DESCRIPTION},
            code="description_too_long",
        )
    definition = definition_for(category.code)
    answers = clean_attributes(definition, attributes or {})
    submission = Submission.objects.create(
        token=secrets.token_urlsafe(12),
        api_token=api_token,
        community=community,
        service_code=category.code,
        lat=location.lat,
        long=location.long,
        address_string=location.address_string[:200],
        address_id=str(location.household.pk) if location.household is not None else "",
        attributes=answers,
        media_url=media_url,
        account_id=account_id[:60],
        device_id=device_id[:60],
        contact_name=contact_name[:30],
        phone_masked=pii.mask_phone(phone) if phone else "",
        phone_encrypted=pii.encrypt(phone) if phone else "",
        description=description,
        service_notice=str(definition.service_notice) if definition else "",
    )
    if definition is not None and definition.type == "batch":
        from open311 import tasks

        submission_id = submission.pk
        transaction.on_commit(lambda: tasks.file_submission.enqueue(submission_id))
        return submission
    _file(submission, acting_user=acting_user, category=category, household=location.household)
    return submission


def _file(submission: Submission, *, acting_user, category, household) -> None:
    from hotline.models import Order, Urgency
    from hotline.services import create_order
    from people.models import Resident
    from people.services import find_by_phone

    phone = pii.decrypt(submission.phone_encrypted) if submission.phone_encrypted else ""
    caller = None
    if phone:
        # A shared landline can belong to several residents: then the caller stays
        # unknown (the number is still kept on the order for the call-back).
        matches = {r.pk for r in find_by_phone(phone, community=submission.community)}
        visible = Resident.objects.visible_to(acting_user).filter(pk__in=matches)
        if len(matches) == 1 and visible.exists():
            caller = visible.get()
    definition = definition_for(category.code)
    location_text = submission.address_string or (
        f"{submission.lat},{submission.long}" if submission.lat is not None else ""
    )
    order = create_order(
        acting_user=acting_user,
        category=category,
        description=_describe(submission.description, definition, submission.attributes)
        or category.name,
        caller=caller,
        household=household,
        location_text="" if household is not None else location_text,
        urgency=Urgency.URGENT if _is_urgent(definition, submission.attributes) else None,
        channel=Order.Channel.OPEN311,
        contact_name=submission.contact_name,
        contact_phone=phone,
        community=submission.community,
    )
    Submission.objects.filter(pk=submission.pk).update(order=order, phone_encrypted="")
    submission.order, submission.phone_encrypted = order, ""


def file_submission(submission_id: int) -> Submission:
    """File a queued (batch) submission. Runs in the worker; errors are kept on the row."""
    from hotline.models import Category

    submission = Submission.objects.select_related("api_token__user", "community").get(
        pk=submission_id
    )
    if submission.order_id is not None:
        return submission
    category = Category.objects.get(code=submission.service_code)
    household = None
    if submission.address_id:
        from places.models import Household

        household = Household.objects.filter(pk=submission.address_id).first()
    try:
        with transaction.atomic():
            _file(
                submission,
                acting_user=submission.api_token.user,
                category=category,
                household=household,
            )
    except ServiceError as exc:
        Submission.objects.filter(pk=submission.pk).update(error=str(exc)[:300])
        submission.error = str(exc)[:300]
    return submission
