"""Every change to a work order (工单), one function per step of its life.

received (受理) → dispatched (派单) → accepted (签收) → in progress (办理) → resolved
(办结) → called back (回访) → closed; side paths: returned (退单) → re-dispatched,
reopened (重办) after an unsatisfied call-back, merged (并单), withdrawn (撤单), and
supervision (督办) as a flag.

Each function takes ``acting_user`` keyword-only, checks the role and the scope, runs in
one transaction, appends an ``OrderEvent`` (who, when, channel, from/to state, note)
and an audit row, and sends notifications after the commit. State changes are
conditional UPDATEs on the state the caller saw, so when two people act on the same
order at the same moment exactly one succeeds and the other gets a ``Conflict``.

Decisions worth knowing:
- ``dispatch_order`` on an order that is already dispatched is a change of assignee
  only when the caller says so (``reassign=True``); otherwise it is the classic race of
  two operators and the second is told someone else already dispatched it.
- ``accepted_at`` keeps the first acceptance: the response rate measures how fast the
  community first responded, not how fast the last assignee did.
- Closing after the call-back is automatic when the residents are satisfied, basically
  satisfied or unreachable. An unsatisfied result kept closed (with the operator's
  reason instead of 重办) stays "called back" until someone closes it with
  ``close_order``, so the leader sees those cases before they drop out of sight.
- A resident who cannot be reached twice is recorded as unreachable; unreachable is
  never counted as satisfied.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Role
from accounts.permissions import require_role
from accounts.scopes import scope_of
from hotline import clock, sla
from hotline.models import (
    Category,
    Level,
    Order,
    OrderContact,
    OrderEvent,
    OrderNumberCounter,
    OrderPhoto,
    ServiceProvider,
    Urgency,
)
from hotline.notify import notify
from linli.lib import pii, rows
from linli.lib.errors import Conflict, NotAllowed, NotFound, ServiceError

logger = logging.getLogger(__name__)

State = Order.State
Kind = OrderEvent.Kind
Satisfaction = Order.Satisfaction

#: Who runs the hotline desk: takes calls, dispatches, calls back.
STAFF_ROLES = (Role.OPERATOR, Role.LEADER, Role.ADMIN)
#: Who may open an order (grid workers from their patrols, volunteers from visits).
INTAKE_ROLES = (*STAFF_ROLES, Role.GRID_WORKER, Role.VOLUNTEER)
#: Who may work on orders assigned to them.
WORKER_ROLES = (*STAFF_ROLES, Role.GRID_WORKER, Role.VOLUNTEER)

# The event channel names accepted by the services, mapped onto the audit log's.
_AUDIT_CHANNELS = {
    "web": audit.Channel.WEB,
    "api": audit.Channel.API,
    "admin": audit.Channel.ADMIN,
    "command": audit.Channel.COMMAND,
    "task": audit.Channel.TASK,
    "phone": audit.Channel.PHONE,
    "walk_in": audit.Channel.WEB,
    "visit": audit.Channel.WEB,
    "check_in": audit.Channel.WEB,
    "open311": audit.Channel.OPEN311,
    "mobile": audit.Channel.WEB,
}
CHANNELS = tuple(_AUDIT_CHANNELS)


# --- small helpers -------------------------------------------------------------------


def _now():
    return clock.now()


def _check_channel(channel: str) -> str:
    if channel not in _AUDIT_CHANNELS:
        raise ServiceError(_("Unknown channel: %(channel)s.") % {"channel": channel})
    return channel


def _state_label(state: str) -> str:
    try:
        return str(State(state).label)
    except ValueError:
        return state


def _is_assignee(user, order: Order) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if order.assignee_user_id and order.assignee_user_id == user.pk:
        return True
    if order.assignee_volunteer_id:
        return order.assignee_volunteer.user_id == user.pk
    return False


def _in_scope(user, *, community_id, grid_id=None, compound_id=None) -> bool:
    """The rule of ``visible_to`` (accounts.scopes) applied to ids already in hand, so a
    service checks scope without a query per call."""
    scope = scope_of(user)
    return (
        scope.everything
        or community_id in scope.community_ids
        or (grid_id is not None and grid_id in scope.grid_ids)
        or (compound_id is not None and compound_id in scope.compound_ids)
    )


def _order_in_scope(user, order: Order) -> bool:
    return _in_scope(
        user,
        community_id=order.community_id,
        grid_id=order.grid_id,
        compound_id=order.compound_id,
    )


def _compound_in_scope(user, compound) -> bool:
    return _in_scope(
        user,
        community_id=compound.grid.community_id,
        grid_id=compound.grid_id,
        compound_id=compound.pk,
    )


def _resident_in_scope(user, resident) -> bool:
    if _in_scope(user, community_id=resident.community_id):
        return True
    if resident.household_id is None:
        return False
    return _compound_in_scope(user, resident.household.building.compound)


def _require_visible(user, order: Order) -> None:
    """404 unless ``user`` may see ``order`` (its scope, or it is assigned to them)."""
    if _order_in_scope(user, order) or _is_assignee(user, order):
        return
    raise NotFound(_("This order does not exist or is outside your area."))


def _is_staff(user) -> bool:
    return user.is_superuser or user.has_role(*STAFF_ROLES)


def _require_worker(user, order: Order, on_behalf_of: str) -> str:
    """Check that ``user`` may act on the order as its assignee and return the
    ``on_behalf_of`` to record: empty when the assignee acts, the assignee's name when
    hotline staff record it for them (providers and units rarely have accounts)."""
    require_role(user, *WORKER_ROLES)
    _require_visible(user, order)
    if _is_assignee(user, order):
        return on_behalf_of
    if _is_staff(user):
        return (on_behalf_of or order.assignee_label)[:60]
    raise NotAllowed(
        _("This order is assigned to %(name)s; only they or the hotline staff can do this.")
        % {"name": order.assignee_label or _("nobody yet")}
    )


def _event(
    order: Order,
    kind: str,
    *,
    actor,
    at,
    channel: str,
    from_state: str,
    to_state: str,
    note: str = "",
    on_behalf_of: str = "",
    data: dict | None = None,
) -> OrderEvent:
    return rows.insert(
        OrderEvent(
            order=order,
            kind=kind,
            at=at,
            actor=actor if actor is not None and actor.is_authenticated else None,
            on_behalf_of=on_behalf_of[:60],
            channel=channel,
            from_state=from_state,
            to_state=to_state,
            note=note,
            data=data or {},
        )
    )


def _audit(actor, action: str, order: Order, *, channel: str, note: str = "", after=None):
    audit.record(
        actor,
        f"order.{action}",
        order,
        channel=_AUDIT_CHANNELS.get(channel, audit.Channel.WEB),
        note=note[:300],
        after=after,
    )


def _transition(
    order: Order,
    *,
    expected: str,
    to_state: str,
    conflict: str,
    match_assignee: bool = False,
    **fields,
) -> None:
    """Move ``order`` from ``expected`` to ``to_state`` with a conditional UPDATE.

    Zero rows means someone else changed the order since the caller read it: raise
    ``Conflict`` with the plain message given, adding the state it is in now.
    """
    now = fields.pop("now")
    filters: dict = {"pk": order.pk, "state": expected}
    if match_assignee:
        filters.update(
            assignee_user_id=order.assignee_user_id,
            assignee_volunteer_id=order.assignee_volunteer_id,
            assignee_provider_id=order.assignee_provider_id,
            assignee_unit_id=order.assignee_unit_id,
        )
    rows = Order.objects.filter(**filters).update(state=to_state, updated_at=now, **fields)
    if rows != 1:
        current = Order.objects.filter(pk=order.pk).values_list("state", flat=True).first()
        raise Conflict(
            _("%(message)s It is now: %(state)s. Reload the order to see what changed.")
            % {"message": conflict, "state": _state_label(current or "")}
        )
    order.state = to_state
    for name, value in fields.items():
        setattr(order, name, value)
    order.updated_at = now


def _advance(
    order: Order,
    kind: str,
    *,
    to_state: str,
    actor,
    channel: str,
    now,
    conflict: str | None = None,
    match_assignee: bool = False,
    note: str = "",
    on_behalf_of: str = "",
    data: dict | None = None,
    **fields,
) -> OrderEvent:
    """One step of the order's life: move it on from the state the caller saw (a
    conditional UPDATE, see ``_transition``) and append the timeline entry saying so."""
    from_state = order.state
    _transition(
        order,
        expected=from_state,
        to_state=to_state,
        conflict=conflict or _("Someone else changed this order first."),
        match_assignee=match_assignee,
        now=now,
        **fields,
    )
    return _event(
        order,
        kind,
        actor=actor,
        at=now,
        channel=channel,
        from_state=from_state,
        to_state=to_state,
        note=note,
        on_behalf_of=on_behalf_of,
        data=data,
    )


def _touch(order: Order, *, states, conflict: str, now) -> None:
    """Lock the order row for this transaction (PostgreSQL) and check its state.

    Steps that change an order's parts (contacts, call-backs) without changing its
    state still take the row first, so two of them on one order run one after the other.
    """
    rows = Order.objects.filter(pk=order.pk, state__in=states).update(updated_at=now)
    if rows != 1:
        current = Order.objects.filter(pk=order.pk).values_list("state", flat=True).first()
        raise Conflict(
            _("%(message)s It is now: %(state)s. Reload the order to see what changed.")
            % {"message": conflict, "state": _state_label(current or "")}
        )


def _number_prefix(community) -> str:
    tail = community.code.rsplit("-", 1)[-1]
    prefix = re.sub(r"[^A-Za-z0-9]", "", tail).upper()[:6]
    return prefix or "GD"


# One statement bumps and reads the day's counter (RETURNING: PostgreSQL, SQLite 3.35+).
_BUMP_COUNTER = (
    'UPDATE "hotline_ordernumbercounter" SET "last" = "last" + 1'
    ' WHERE "prefix" = %s AND "day" = %s RETURNING "last"'
)


def _next_number(community, now) -> str:
    """HLD + yyyymmdd + a four-digit daily sequence, safe under concurrency.

    The counter row is bumped by an UPDATE (which holds the row until commit on
    PostgreSQL; SQLite's IMMEDIATE transactions serialise writers anyway). The first
    order of the day creates the row; if two try at once, one insert fails on the
    unique constraint and that one retries the UPDATE.
    """
    prefix = _number_prefix(community)
    day = timezone.localdate(now)
    for _attempt in range(5):
        with connection.cursor() as cursor:
            cursor.execute(_BUMP_COUNTER, [prefix, connection.ops.adapt_datefield_value(day)])
            row = cursor.fetchone()
        if row is not None:
            seq = row[0]
            break
        try:
            with transaction.atomic():
                OrderNumberCounter.objects.create(prefix=prefix, day=day, last=1)
            seq = 1
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - five lost races in a row
        raise Conflict(_("Could not number the order; please try again."))
    return f"{prefix}{day:%Y%m%d}{seq:04d}"


def _assignee_fields(*, user=None, volunteer=None, provider=None, unit=None) -> dict:
    return {
        "assignee_user": user,
        "assignee_volunteer": volunteer,
        "assignee_provider": provider,
        "assignee_unit": unit,
    }


def _notify_assignee(order: Order, *, kind: str, subject: str, body: str = "") -> None:
    for recipient in sla.responsible_users(order):
        notify(recipient, kind=kind, subject=subject, body=body, order=order)


def _community_for(acting_user, *, place_community, caller, community):
    candidates = {c.pk: c for c in (place_community, community) if c is not None}
    if len(candidates) > 1:
        raise ServiceError(_("The place given lies in another community than the one chosen."))
    if candidates:
        chosen = next(iter(candidates.values()))
    elif caller is not None:
        chosen = caller.community
    else:
        from places.models import Community

        ids = scope_of(acting_user).all_community_ids()
        if len(ids) != 1:
            raise ServiceError(_("Choose the community this order belongs to."))
        chosen = Community.objects.get(pk=next(iter(ids)))
    scope = scope_of(acting_user)
    if not scope.everything and chosen.pk not in scope.all_community_ids():
        raise NotFound(_("That community is outside your area."))
    return chosen


def _clean_text(value: str, *, required_message: str | None = None, limit: int = 4000) -> str:
    value = (value or "").strip()
    if required_message and not value:
        raise ServiceError(required_message)
    if len(value) > limit:
        raise ServiceError(
            _("Please keep it under %(limit)d characters.") % {"limit": limit}, code="too_long"
        )
    return value


def _clean_phone(raw: str) -> str:
    if not raw:
        return ""
    try:
        return pii.validate_phone(raw)
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages), code="invalid_phone") from None


def _resident_phone_masked(resident) -> str:
    phone = resident.phones.order_by("-is_primary", "id").first()
    return phone.masked if phone else ""


def _add_contact(order, *, caller, name: str, number: str, call, at, note: str = ""):
    """One more person to call back about ``order``: a resident (their primary phone,
    masked) or a name and a number (kept encrypted, shown masked)."""
    return rows.insert(
        OrderContact(
            order=order,
            resident=caller,
            name=name or (caller.name if caller else ""),
            phone_masked=pii.mask_phone(number)
            if number
            else (_resident_phone_masked(caller) if caller else ""),
            phone_encrypted=pii.encrypt(number) if number else "",
            call=call,
            attached_at=at,
            note=note,
        )
    )


# --- intake --------------------------------------------------------------------------


@transaction.atomic
def create_order(
    *,
    acting_user,
    category,
    description,
    caller=None,
    household=None,
    building=None,
    compound=None,
    location_text="",
    urgency=None,
    channel=Order.Channel.PHONE,
    call=None,
    contact_name="",
    contact_phone="",
    solved_on_call=False,
    resolution="",
    community=None,
) -> Order:
    """受理: take a resident's matter down as a work order.

    The place defaults to the caller's household; grid and compound are copied from the
    place; the handling level and the urgency default from the category; the deadlines
    come from the time limits. The caller (or the name and number of an unknown caller)
    becomes the order's first contact, who gets the call-back. ``solved_on_call`` records
    a matter settled during the call itself (a chat with a lonely elder, a question
    answered) as received and resolved at once.
    """
    require_role(acting_user, *INTAKE_ROLES)
    if isinstance(category, str):
        category = Category.objects.filter(code=category).first()
    if category is None or not category.is_active:
        raise ServiceError(_("Choose a category."))
    description = _clean_text(description, required_message=_("Say what happened."))
    location_text = _clean_text(location_text, limit=200)
    urgency = urgency or category.default_urgency
    if urgency not in Urgency.values:
        raise ServiceError(_("Unknown urgency."))
    if channel not in Order.Channel.values:
        raise ServiceError(_("Unknown channel: %(channel)s.") % {"channel": channel})
    resolution = _clean_text(resolution)
    if solved_on_call and not resolution:
        raise ServiceError(_("Say how the matter was settled on the call."))
    contact_name = _clean_text(contact_name, limit=30)
    phone_number = _clean_phone(contact_phone)

    if caller is not None:
        if not _resident_in_scope(acting_user, caller):
            raise NotFound(_("That resident does not exist or is outside your area."))
        if household is None and building is None and compound is None and not location_text:
            household = caller.household
    if household is not None:
        building = household.building
        compound = building.compound
    elif building is not None:
        compound = building.compound
    if compound is not None and not _compound_in_scope(acting_user, compound):
        raise NotFound(_("That place is outside your area."))
    grid = compound.grid if compound is not None else None
    if grid is None:
        # A grid worker's order about "the lane behind the market" belongs to their grid.
        scope = scope_of(acting_user)
        if not scope.everything and not scope.community_ids and len(scope.grid_ids) == 1:
            from places.models import Grid

            grid = Grid.objects.get(pk=next(iter(scope.grid_ids)))
    community = _community_for(
        acting_user,
        place_community=grid.community if grid is not None else None,
        caller=caller,
        community=community,
    )
    if not (household or building or compound or location_text or grid):
        raise ServiceError(_("Say where: a household, building, compound or an address."))

    if call is not None and call.community_id != community.pk:
        raise ServiceError(_("That call belongs to another community."))

    now = _now()
    level = Level.UNIT if category.unit_id else category.default_level
    response_due, resolution_due = sla.deadlines(category, urgency, now)
    order = Order(
        number=_next_number(community, now),
        community=community,
        grid=grid,
        compound=compound,
        building=building,
        household=household,
        location_text=location_text,
        caller=caller,
        channel=channel,
        call=call,
        category=category,
        urgency=urgency,
        level=level,
        description=description,
        created_by=acting_user,
        created_at=now,
        response_due=response_due,
        resolution_due=resolution_due,
    )
    if solved_on_call:
        order.state, order.resolved_at = State.RESOLVED, now
        order.resolution, order.solved_on_call = resolution, True
    rows.insert(order)
    event_channel = channel if channel in _AUDIT_CHANNELS else "web"
    if caller is not None or contact_name or phone_number:
        _add_contact(
            order, caller=caller, name=contact_name, number=phone_number, call=call, at=now
        )
    _event(
        order,
        Kind.CREATED,
        actor=acting_user,
        at=now,
        channel=event_channel,
        from_state="",
        to_state=State.RECEIVED,
        note=description,
    )
    if solved_on_call:
        _event(
            order,
            Kind.SOLVED_ON_CALL,
            actor=acting_user,
            at=now,
            channel=event_channel,
            from_state=State.RECEIVED,
            to_state=State.RESOLVED,
            note=resolution,
        )
    _audit(acting_user, "create", order, channel=event_channel, after=audit.snapshot(order))
    return order


@transaction.atomic
def attach_caller(
    *,
    acting_user,
    order,
    caller=None,
    name="",
    phone="",
    call=None,
    note="",
    channel="phone",
) -> OrderContact:
    """重复诉求并单: another resident calls about the same matter; they join the order
    (and get the call-back) instead of opening a second one."""
    require_role(acting_user, *STAFF_ROLES, Role.GRID_WORKER)
    _require_visible(acting_user, order)
    _check_channel(channel)
    name = _clean_text(name, limit=30)
    note = _clean_text(note, limit=500)
    number = _clean_phone(phone)
    if caller is None and not name and not number:
        raise ServiceError(_("Say who called: a resident, or a name or phone number."))
    if caller is not None and not _resident_in_scope(acting_user, caller):
        raise NotFound(_("That resident does not exist or is outside your area."))
    if call is not None and call.community_id != order.community_id:
        raise ServiceError(_("That call belongs to another community."))
    now = _now()
    open_for_callers = (
        State.RECEIVED,
        State.DISPATCHED,
        State.ACCEPTED,
        State.IN_PROGRESS,
        State.RETURNED,
        State.RESOLVED,
    )
    if order.state not in open_for_callers:
        raise ServiceError(
            _("This order is %(state)s; open a new order instead.")
            % {"state": _state_label(order.state)}
        )
    _touch(order, states=open_for_callers, conflict=_("This order was closed meanwhile."), now=now)
    contact = None
    if caller is not None:
        contact = order.contacts.filter(resident=caller).first()
    if contact is None:
        contact = _add_contact(
            order, caller=caller, name=name, number=number, call=call, at=now, note=note
        )
        again = False
    else:
        again = True
    _event(
        order,
        Kind.CALLER_ATTACHED,
        actor=acting_user,
        at=now,
        channel=channel,
        from_state=order.state,
        to_state=order.state,
        note=note or (_("Called again.") if again else ""),
        data={"contact": contact.pk, "name": str(contact), "again": again},
    )
    _audit(acting_user, "attach_caller", order, channel=channel, note=str(contact))
    return contact


# --- dispatch and work -------------------------------------------------------------


def _check_target(order: Order, *, user, volunteer, provider, unit) -> tuple[str, object]:
    targets = [
        (k, v)
        for k, v in (
            ("user", user),
            ("volunteer", volunteer),
            ("provider", provider),
            ("unit", unit),
        )
        if v is not None
    ]
    if len(targets) != 1:
        raise ServiceError(
            _("Choose exactly one person, volunteer, service provider or unit to dispatch to.")
        )
    kind, target = targets[0]
    if kind == "user":
        if not target.is_active or not target.has_role(
            Role.GRID_WORKER, Role.OPERATOR, Role.LEADER, Role.VOLUNTEER
        ):
            raise ServiceError(_("%(name)s cannot take orders.") % {"name": target})
        if not _order_in_scope(target, order):
            raise ServiceError(_("%(name)s does not work where this order is.") % {"name": target})
    elif kind == "volunteer":
        if target.community_id != order.community_id or not target.is_active:
            raise ServiceError(
                _("%(name)s is not an active volunteer of this community.") % {"name": target}
            )
    elif kind == "provider":
        if target.community_id != order.community_id or not target.is_active:
            raise ServiceError(
                _("%(name)s is not an active provider of this community.") % {"name": target}
            )
    elif not target.is_active or not target.communities.filter(pk=order.community_id).exists():
        raise ServiceError(_("%(name)s does not serve this community.") % {"name": target})
    return kind, target


@transaction.atomic
def dispatch_order(
    *,
    acting_user,
    order,
    user=None,
    volunteer=None,
    provider=None,
    unit=None,
    note="",
    channel="web",
    reassign=False,
) -> Order:
    """派单: give the order to one grid worker or staff member, volunteer, service
    provider or unit.

    From received, or returned (re-dispatch). On an order already dispatched it changes
    the assignee (改派) only with ``reassign=True``; without it the caller is told that
    someone else already dispatched it — the usual case of two operators at once.
    """
    require_role(acting_user, *STAFF_ROLES)
    _require_visible(acting_user, order)
    _check_channel(channel)
    note = _clean_text(note, limit=1000)
    kind, target = _check_target(
        order, user=user, volunteer=volunteer, provider=provider, unit=unit
    )
    from_state = order.state
    if from_state == State.DISPATCHED:
        if not reassign:
            raise Conflict(
                _("Someone else already dispatched this order, to %(name)s.")
                % {"name": order.assignee_label}
            )
        current = {
            "user": order.assignee_user_id,
            "volunteer": order.assignee_volunteer_id,
            "provider": order.assignee_provider_id,
            "unit": order.assignee_unit_id,
        }
        if current[kind] == target.pk:
            raise ServiceError(_("The order is already with %(name)s.") % {"name": target})
    elif from_state in (State.ACCEPTED, State.IN_PROGRESS):
        raise Conflict(
            _("%(name)s has already accepted this order; ask them to return it first.")
            % {"name": order.assignee_label}
        )
    elif from_state not in (State.RECEIVED, State.RETURNED):
        raise ServiceError(
            _("This order is %(state)s; it cannot be dispatched.")
            % {"state": _state_label(from_state)}
        )
    now = _now()
    fields = _assignee_fields(**{kind: target})
    if kind == "unit":
        fields["level"] = Level.UNIT
    data = {"assignee_kind": kind, "assignee_id": target.pk, "assignee": str(target)}
    if from_state == State.DISPATCHED:
        data["previous"] = order.assignee_label
    _advance(
        order,
        Kind.DISPATCHED,
        to_state=State.DISPATCHED,
        actor=acting_user,
        channel=channel,
        now=now,
        conflict=_("Someone else already dispatched this order."),
        match_assignee=from_state == State.DISPATCHED,
        note=note,
        data=data,
        dispatched_at=now,
        warned_at=None,
        **fields,
    )
    _audit(acting_user, "dispatch", order, channel=channel, note=str(target), after=data)
    if kind in ("user", "volunteer"):
        _notify_assignee(
            order,
            kind="dispatched",
            subject=_("New order %(number)s: %(category)s")
            % {"number": order.number, "category": order.category},
            body=order.description[:200],
        )
    return order


@transaction.atomic
def accept_order(*, acting_user, order, on_behalf_of="", channel="web") -> Order:
    """签收: the assignee takes the order on (or staff record it for a provider or unit)."""
    on_behalf_of = _require_worker(acting_user, order, on_behalf_of)
    _check_channel(channel)
    if order.state in (State.ACCEPTED, State.IN_PROGRESS):
        raise Conflict(_("Someone else already accepted this order."))
    if order.state != State.DISPATCHED:
        raise ServiceError(
            _("This order is %(state)s; only a dispatched order can be accepted.")
            % {"state": _state_label(order.state)}
        )
    now = _now()
    _advance(
        order,
        Kind.ACCEPTED,
        to_state=State.ACCEPTED,
        actor=acting_user,
        channel=channel,
        now=now,
        conflict=_("Someone else already accepted this order."),
        match_assignee=True,
        on_behalf_of=on_behalf_of,
        accepted_at=order.accepted_at or now,
        warned_at=None,
    )
    _audit(acting_user, "accept", order, channel=channel, note=on_behalf_of)
    return order


@transaction.atomic
def start_work(*, acting_user, order, on_behalf_of="", channel="web", note="") -> Order:
    """办理: work on the order has begun (on site, on the phone, parts ordered)."""
    on_behalf_of = _require_worker(acting_user, order, on_behalf_of)
    _check_channel(channel)
    note = _clean_text(note, limit=1000)
    if order.state != State.ACCEPTED:
        raise ServiceError(
            _("This order is %(state)s; work can start only on an accepted order.")
            % {"state": _state_label(order.state)}
        )
    _advance(
        order,
        Kind.STARTED,
        to_state=State.IN_PROGRESS,
        actor=acting_user,
        channel=channel,
        now=_now(),
        note=note,
        on_behalf_of=on_behalf_of,
    )
    _audit(acting_user, "start", order, channel=channel, note=on_behalf_of)
    return order


def _record_photos(order, event, acting_user, photo_paths, now) -> list[OrderPhoto]:
    photos = [
        OrderPhoto(
            order=order, event=event, path=str(path)[:200], uploaded_by=acting_user, uploaded_at=now
        )
        for path in photo_paths
        if path
    ]
    return OrderPhoto.objects.bulk_create(photos) if photos else []


@transaction.atomic
def add_note(
    *, acting_user, order, note, photo_paths=(), on_behalf_of="", channel="web"
) -> OrderEvent:
    """Add a note and/or photos to the order's timeline (progress, a site visit, a call).

    Photos must already be stored (``linli.lib.uploads``); only their paths come here.
    """
    require_role(acting_user, *WORKER_ROLES, Role.COMMITTEE, Role.LIAISON)
    _require_visible(acting_user, order)
    _check_channel(channel)
    note = _clean_text(note, limit=2000)
    photo_paths = [p for p in photo_paths if p]
    if not note and not photo_paths:
        raise ServiceError(_("Write a note or add a photo."))
    now = _now()
    event = _event(
        order,
        Kind.NOTE if note else Kind.PHOTO,
        actor=acting_user,
        at=now,
        channel=channel,
        from_state=order.state,
        to_state=order.state,
        note=note,
        on_behalf_of=_clean_text(on_behalf_of, limit=60),
        data={"photos": len(photo_paths)} if photo_paths else {},
    )
    _record_photos(order, event, acting_user, photo_paths, now)
    _audit(acting_user, "note", order, channel=channel, note=note[:100])
    return event


@transaction.atomic
def return_order(*, acting_user, order, reason, on_behalf_of="", channel="web") -> Order:
    """退单: the assignee hands the order back, saying why (not theirs, cannot do it …);
    the hotline staff re-dispatch it."""
    on_behalf_of = _require_worker(acting_user, order, on_behalf_of)
    _check_channel(channel)
    reason = _clean_text(reason, required_message=_("Say why the order is returned."), limit=1000)
    if order.state not in Order.IN_HAND:
        raise ServiceError(
            _("This order is %(state)s; only an order in someone's hands can be returned.")
            % {"state": _state_label(order.state)}
        )
    _advance(
        order,
        Kind.RETURNED,
        to_state=State.RETURNED,
        actor=acting_user,
        channel=channel,
        now=_now(),
        match_assignee=True,
        note=reason,
        on_behalf_of=on_behalf_of,
        data={"previous": order.assignee_label},
        warned_at=None,
        **_assignee_fields(),
    )
    _audit(acting_user, "return", order, channel=channel, note=reason)
    for recipient in sla.community_staff(order.community_id, roles=(Role.OPERATOR,)):
        if recipient.pk != acting_user.pk:
            notify(
                recipient,
                kind="returned",
                subject=_("Order %(number)s was returned") % {"number": order.number},
                body=reason,
                order=order,
            )
    return order


@transaction.atomic
def resolve_order(
    *, acting_user, order, resolution, on_behalf_of="", channel="web", photo_paths=()
) -> Order:
    """办结: the matter is dealt with; say what was done. The order then waits for the
    call-back."""
    on_behalf_of = _require_worker(acting_user, order, on_behalf_of)
    _check_channel(channel)
    resolution = _clean_text(resolution, required_message=_("Say what was done."))
    if order.state not in (State.ACCEPTED, State.IN_PROGRESS):
        raise ServiceError(
            _("This order is %(state)s; only an accepted order can be resolved.")
            % {"state": _state_label(order.state)}
        )
    now = _now()
    event = _advance(
        order,
        Kind.RESOLVED,
        to_state=State.RESOLVED,
        actor=acting_user,
        channel=channel,
        now=now,
        note=resolution,
        on_behalf_of=on_behalf_of,
        resolved_at=now,
        resolution=resolution,
    )
    _record_photos(order, event, acting_user, photo_paths, now)
    _audit(acting_user, "resolve", order, channel=channel, note=resolution[:100])
    return order


# --- call-back and closing -----------------------------------------------------------


def _overall(results: list[str]) -> str:
    """One result for the order from its contacts': the least satisfied reached voice;
    unreachable only when nobody was reached."""
    reached = [r for r in results if r != Satisfaction.UNREACHABLE]
    for result in (Satisfaction.UNSATISFIED, Satisfaction.BASIC, Satisfaction.SATISFIED):
        if result in reached:
            return result
    return Satisfaction.UNREACHABLE


@transaction.atomic
def record_callback(
    *,
    acting_user,
    order,
    result,
    words="",
    contact=None,
    keep_closed_reason="",
    channel="phone",
) -> Order:
    """回访: the operator calls a resident back after the order was resolved.

    ``result`` is satisfied / basically satisfied / unsatisfied, or unreachable for a
    call nobody answered; the second failed attempt marks the contact unreachable.
    Unsatisfied reopens the order (重办: back to the same assignee) unless the operator
    records why not in ``keep_closed_reason``. When every contact has a result the order
    is called back, and closed unless it stays unsatisfied (see the module docstring).
    """
    require_role(acting_user, *STAFF_ROLES)
    _require_visible(acting_user, order)
    _check_channel(channel)
    if result not in Satisfaction.values:
        raise ServiceError(_("Choose the call-back result."))
    words = _clean_text(words, limit=2000)
    keep_closed_reason = _clean_text(keep_closed_reason, limit=500)
    if order.state != State.RESOLVED:
        raise ServiceError(
            _("This order is %(state)s; only a resolved order is called back.")
            % {"state": _state_label(order.state)}
        )
    now = _now()
    _touch(
        order,
        states=(State.RESOLVED,),
        conflict=_("Someone else changed this order first."),
        now=now,
    )
    contacts = list(order.contacts.order_by("attached_at", "id"))
    if contact is None:
        contact = next((c for c in contacts if not c.callback_result), None)
        if contact is None:
            if not contacts:
                raise ServiceError(
                    _("Nobody is attached to this order to call back; close it instead.")
                )
            raise ServiceError(_("Every caller on this order has been called back."))
    else:
        contact = next((c for c in contacts if c.pk == contact.pk), None)
        if contact is None:
            raise NotFound(_("That caller is not on this order."))
        if contact.callback_result:
            raise Conflict(_("%(name)s has already been called back.") % {"name": contact})

    attempts = contact.callback_attempts + 1
    # What the entry that marks the order called back says (see below).
    completing: dict = {"note": keep_closed_reason, "data": {}}
    if result == Satisfaction.UNREACHABLE:
        final = attempts >= 2
        OrderContact.objects.filter(pk=contact.pk).update(
            callback_attempts=attempts,
            callback_result=Satisfaction.UNREACHABLE if final else "",
            called_back_at=now if final else None,
        )
        contact.callback_attempts = attempts
        contact.callback_result = Satisfaction.UNREACHABLE if final else ""
        _event(
            order,
            Kind.CALLBACK_FAILED,
            actor=acting_user,
            at=now,
            channel=channel,
            from_state=State.RESOLVED,
            to_state=State.RESOLVED,
            note=words
            or (_("Not reached twice; marked unreachable.") if final else _("Not reached.")),
            data={"contact": contact.pk, "attempt": attempts, "unreachable": final},
        )
        _audit(acting_user, "callback", order, channel=channel, note="unreachable")
        if not final:
            return order
    else:
        OrderContact.objects.filter(pk=contact.pk).update(
            callback_attempts=attempts,
            callback_result=result,
            callback_words=words,
            called_back_at=now,
        )
        contact.callback_result = result
        reopen = result == Satisfaction.UNSATISFIED and not keep_closed_reason
        contact_data = {
            "contact": contact.pk,
            "keep_closed_reason": keep_closed_reason,
            "reopen": reopen,
        }
        completes = not reopen and all(c.callback_result for c in contacts)
        if completes:
            # The last call-back moves the order on: one timeline entry says both what
            # this resident said and that the order is called back (not 回访 twice).
            completing = {
                "note": "\n".join(part for part in (words, keep_closed_reason) if part),
                "data": {**contact_data, "contact_result": result},
            }
        else:
            _event(
                order,
                Kind.CALLBACK,
                actor=acting_user,
                at=now,
                channel=channel,
                from_state=State.RESOLVED,
                to_state=State.RESOLVED,
                note=words,
                data={**contact_data, "result": result},
            )
        _audit(acting_user, "callback", order, channel=channel, note=result)
        if reopen:
            _reopen(acting_user, order, now=now, channel=channel, words=words)
            return order

    results = [c.callback_result for c in contacts]
    if not all(results):
        return order
    overall = _overall(results)
    _advance(
        order,
        Kind.CALLBACK,
        to_state=State.CALLED_BACK,
        actor=acting_user,
        channel=channel,
        now=now,
        note=completing["note"],
        data={**completing["data"], "result": overall, "complete": True},
        satisfaction=overall,
        called_back_at=now,
    )
    if overall != Satisfaction.UNSATISFIED:
        _close(acting_user, order, now=now, channel=channel, note=_("Closed after the call-back."))
    return order


def _reopen(acting_user, order: Order, *, now, channel: str, words: str) -> None:
    """重办: back to the same assignee (or to the desk when there was none), with fresh
    deadlines; every contact will be called back again after the next resolution."""
    to_state = State.DISPATCHED if order.assignee_label else State.RECEIVED
    response_due, resolution_due = sla.deadlines(order.category, order.urgency, now)
    _advance(
        order,
        Kind.REOPENED,
        to_state=to_state,
        actor=acting_user,
        channel=channel,
        now=now,
        note=words,
        data={"reopen_count": order.reopen_count + 1},
        reopen_count=order.reopen_count + 1,
        resolved_at=None,
        satisfaction=Satisfaction.UNSATISFIED,
        dispatched_at=now if to_state == State.DISPATCHED else order.dispatched_at,
        response_due=response_due,
        resolution_due=resolution_due,
        warned_at=None,
        solved_on_call=False,
    )
    OrderContact.objects.filter(order=order).update(callback_result="", callback_attempts=0)
    _audit(acting_user, "reopen", order, channel=channel, note=words[:100])
    _notify_assignee(
        order,
        kind="reopened",
        subject=_("Order %(number)s reopened after an unsatisfied call-back")
        % {"number": order.number},
        body=words,
    )


def _close(acting_user, order: Order, *, now, channel: str, note: str) -> None:
    _advance(
        order,
        Kind.CLOSED,
        to_state=State.CLOSED,
        actor=acting_user,
        channel=channel,
        now=now,
        note=note,
        closed_at=now,
    )
    _audit(acting_user, "close", order, channel=channel, note=note)


@transaction.atomic
def close_order(*, acting_user, order, note="", channel="web") -> Order:
    """Close an order whose call-back is done (or that has nobody to call back)."""
    require_role(acting_user, *STAFF_ROLES)
    _require_visible(acting_user, order)
    _check_channel(channel)
    note = _clean_text(note, limit=500)
    if order.state == State.RESOLVED:
        # Only an order with nobody to call back (anonymous, a grid worker's own find)
        # skips the call-back.
        if order.contacts.exists():
            raise ServiceError(_("Call the residents back before closing this order."))
    elif order.state != State.CALLED_BACK:
        raise ServiceError(
            _("This order is %(state)s; only a called-back order can be closed.")
            % {"state": _state_label(order.state)}
        )
    _close(acting_user, order, now=_now(), channel=channel, note=note)
    return order


@transaction.atomic
def withdraw_order(*, acting_user, order, reason, channel="phone") -> Order:
    """撤单: the caller no longer needs it (fixed it themselves, a mistake …)."""
    require_role(acting_user, *STAFF_ROLES)
    _require_visible(acting_user, order)
    _check_channel(channel)
    reason = _clean_text(reason, required_message=_("Say why the order is withdrawn."), limit=500)
    allowed = (State.RECEIVED, State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS, State.RETURNED)
    if order.state not in allowed:
        raise ServiceError(
            _("This order is %(state)s; it can no longer be withdrawn.")
            % {"state": _state_label(order.state)}
        )
    now = _now()
    _advance(
        order,
        Kind.WITHDRAWN,
        to_state=State.WITHDRAWN,
        actor=acting_user,
        channel=channel,
        now=now,
        note=reason,
        closed_at=now,
    )
    _audit(acting_user, "withdraw", order, channel=channel, note=reason)
    _notify_assignee(
        order,
        kind="withdrawn",
        subject=_("Order %(number)s was withdrawn") % {"number": order.number},
        body=reason,
    )
    return order


@transaction.atomic
def merge_orders(*, acting_user, duplicate, into, channel="web") -> Order:
    """并单: ``duplicate`` is the same matter as ``into``. Its callers move to ``into``
    (so each gets the call-back); both timelines are kept and point at each other."""
    require_role(acting_user, *STAFF_ROLES)
    _require_visible(acting_user, duplicate)
    _require_visible(acting_user, into)
    _check_channel(channel)
    if duplicate.pk == into.pk:
        raise ServiceError(_("An order cannot be merged into itself."))
    if duplicate.community_id != into.community_id:
        raise ServiceError(_("Orders of different communities cannot be merged."))
    mergeable = (
        State.RECEIVED,
        State.DISPATCHED,
        State.ACCEPTED,
        State.IN_PROGRESS,
        State.RETURNED,
        State.RESOLVED,
    )
    for order in (duplicate, into):
        if order.state not in mergeable:
            raise ServiceError(
                _("Order %(number)s is %(state)s; it cannot be merged.")
                % {"number": order.number, "state": _state_label(order.state)}
            )
    now = _now()
    _touch(into, states=mergeable, conflict=_("Someone else changed this order first."), now=now)
    _advance(
        duplicate,
        Kind.MERGED,
        to_state=State.MERGED,
        actor=acting_user,
        channel=channel,
        now=now,
        note=_("Merged into %(number)s.") % {"number": into.number},
        data={"into": into.pk, "into_number": into.number},
        merged_into=into,
        closed_at=now,
    )
    # Callers already on ``into`` (the same resident twice) stay on the duplicate's
    # record; everyone else moves and gets the call-back of ``into``.
    known = set(into.contacts.exclude(resident=None).values_list("resident_id", flat=True))
    moving = duplicate.contacts.exclude(resident_id__in=known)
    moved = list(moving.values_list("id", flat=True))
    OrderContact.objects.filter(pk__in=moved).update(
        order=into, callback_result="", callback_attempts=0
    )
    Order.objects.filter(merged_into=duplicate).update(merged_into=into)
    _event(
        into,
        Kind.MERGED,
        actor=acting_user,
        at=now,
        channel=channel,
        from_state=into.state,
        to_state=into.state,
        note=_("%(number)s merged into this order.") % {"number": duplicate.number},
        data={"duplicate": duplicate.pk, "duplicate_number": duplicate.number, "contacts": moved},
    )
    _audit(acting_user, "merge", duplicate, channel=channel, note=into.number)
    _notify_assignee(
        duplicate,
        kind="merged",
        subject=_("Order %(number)s was merged into %(into)s")
        % {"number": duplicate.number, "into": into.number},
    )
    return into


@transaction.atomic
def supervise_order(*, acting_user, order, note, channel="web") -> Order:
    """督办: the community leader puts an order under supervision (or presses again)."""
    require_role(acting_user, Role.LEADER)
    _require_visible(acting_user, order)
    _check_channel(channel)
    note = _clean_text(note, required_message=_("Say what you expect."), limit=1000)
    if not order.is_open:
        raise ServiceError(
            _("This order is %(state)s; there is nothing left to supervise.")
            % {"state": _state_label(order.state)}
        )
    now = _now()
    rows = Order.objects.filter(pk=order.pk, state=order.state).update(
        is_supervised=True, updated_at=now
    )
    if rows != 1:
        raise Conflict(_("Someone else changed this order first. Reload the order."))
    order.is_supervised = True
    _event(
        order,
        Kind.SUPERVISED,
        actor=acting_user,
        at=now,
        channel=channel,
        from_state=order.state,
        to_state=order.state,
        note=note,
        data={"automatic": False},
    )
    _audit(acting_user, "supervise", order, channel=channel, note=note[:100])
    _notify_assignee(
        order,
        kind="supervised",
        subject=_("The leader is supervising order %(number)s") % {"number": order.number},
        body=note,
    )
    return order


# --- duplicates ----------------------------------------------------------------------

DUPLICATE_WINDOW_DAYS = 14
SIMILARITY_THRESHOLD = 0.25
_NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)


def bigrams(text: str) -> set[str]:
    """Character pairs of the text without spaces and punctuation (Chinese has no
    word breaks, so pairs of characters are the simplest honest unit)."""
    cleaned = _NOT_TEXT.sub("", text or "").lower()
    return {cleaned[i : i + 2] for i in range(len(cleaned) - 1)}


def similarity(a: str, b: str) -> float:
    """Dice coefficient of character bigrams: 2·shared / (pairs in a + pairs in b).

    "下水道堵了粪水倒灌" and "楼上下水道堵塞" share 下水, 水道, 道堵 → about 0.4.
    """
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def find_duplicates(
    *, community, category=None, household=None, compound=None, text="", now=None, limit=10
) -> list[Order]:
    """Orders the new call may be about: open orders of the same category at the same
    place (the same household or building, or the compound as a whole) in the last 14
    days, and open orders nearby (the same compound) whose text is similar
    (character-bigram Dice ≥ 0.25).

    Each order returned carries ``duplicate_reasons`` (translated sentences) and
    ``similarity`` (0–1). The caller filters by the acting user's scope if needed.
    """
    now = now or clock.now()
    since = now - dt.timedelta(days=DUPLICATE_WINDOW_DAYS)
    if household is not None and compound is None:
        compound = household.building.compound
    if household is None and compound is None:
        return []
    recent = (
        Order.objects.open()
        .filter(community=community, created_at__gte=since)
        .exclude(state__in=(State.CALLED_BACK,))
        .select_related("category", "compound", "household__building__compound")
    )
    if household is not None:
        # The same door, the same building (a shared drain or roof), or the compound
        # as a whole.
        place = (
            Q(household=household)
            | Q(building_id=household.building_id)
            | Q(compound=compound, building__isnull=True)
        )
    else:
        place = Q(compound=compound)
    found: dict[int, Order] = {}
    if category is not None:
        for order in recent.filter(place, category=category).order_by("-created_at")[:limit]:
            date = timezone.localtime(order.created_at).strftime("%m-%d")
            if household is not None and order.household_id == household.pk:
                reason = _("Same category at the same address, received %(date)s.")
            elif household is not None and order.building_id == household.building_id:
                reason = _("Same category in the same building, received %(date)s.")
            else:
                reason = _("Same category in the same compound, received %(date)s.")
            order.duplicate_reasons = [reason % {"date": date}]
            order.similarity = similarity(text, order.description) if text else 0.0
            found[order.pk] = order
    if text and compound is not None:
        for order in recent.filter(compound=compound).order_by("-created_at")[:200]:
            score = similarity(text, order.description)
            if score < SIMILARITY_THRESHOLD:
                continue
            reason = _("Similar description in %(compound)s (%(percent)d%% alike).") % {
                "compound": compound.name,
                "percent": round(score * 100),
            }
            if order.pk in found:
                found[order.pk].duplicate_reasons.append(reason)
                found[order.pk].similarity = score
            else:
                order.duplicate_reasons = [reason]
                order.similarity = score
                found[order.pk] = order
    ranked = sorted(
        found.values(),
        key=lambda o: (len(o.duplicate_reasons), o.similarity, o.created_at),
        reverse=True,
    )
    return ranked[:limit]


# --- dispatch suggestions ------------------------------------------------------------


@dataclass
class Suggestion:
    """One candidate for a dispatch, with a score and the reasons behind it."""

    kind: str  # "user", "volunteer", "provider" or "unit"
    object: object
    score: int
    reasons: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(self.object)

    @property
    def key(self) -> str:
        """A form value such as "provider:12"."""
        return f"{self.kind}:{self.object.pk}"


_SATISFACTION_POINTS = {
    Satisfaction.SATISFIED: 100,
    Satisfaction.BASIC: 70,
    Satisfaction.UNSATISFIED: 0,
}


def _load_reason(open_count: int) -> str:
    if open_count == 0:
        return _("No open orders now.")
    return _("%(count)d open orders now.") % {"count": open_count}


def suggest_assignees(order, *, limit: int = 8) -> list[Suggestion]:
    """Who could take this order, best fit first, each with the reasons why.

    Points: the category's responsible unit 80; the grid worker of the order's grid 60;
    a provider of the category's trade 50 (+10 when they serve the grid, up to +20 from
    past call-backs); a volunteer with the category's skill 45 (+15 in the same grid);
    minus 5 for every order already open with them (at most −30).
    """
    from accounts.models import User
    from cobuild.models import Unit
    from people.models import Volunteer

    category = order.category
    suggestions: list[Suggestion] = []

    def load_penalty(count: int) -> int:
        return min(30, 5 * count)

    if category.unit_id:
        unit = Unit.objects.filter(
            pk=category.unit_id, is_active=True, communities=order.community_id
        ).first()
        if unit is not None:
            suggestions.append(
                Suggestion(
                    "unit",
                    unit,
                    80,
                    [
                        _("%(category)s is handled by %(unit)s.")
                        % {"category": category, "unit": unit}
                    ],
                )
            )

    if order.grid_id:
        workers = (
            User.objects.filter(
                is_active=True, grants__role=Role.GRID_WORKER, grants__grid_id=order.grid_id
            )
            .distinct()
            .annotate(
                open_count=Count(
                    "assigned_orders",
                    filter=Q(assigned_orders__state__in=Order.IN_HAND),
                    distinct=True,
                )
            )
        )
        for worker in workers:
            suggestions.append(
                Suggestion(
                    "user",
                    worker,
                    60 - load_penalty(worker.open_count),
                    [
                        _("Grid worker of %(grid)s.") % {"grid": order.grid},
                        _load_reason(worker.open_count),
                    ],
                )
            )

    if category.provider_trade:
        providers = ServiceProvider.objects.filter(
            community_id=order.community_id, is_active=True, trade=category.provider_trade
        ).annotate(
            open_count=Count("orders", filter=Q(orders__state__in=Order.IN_HAND), distinct=True),
            rated=Count(
                "orders",
                filter=Q(orders__satisfaction__in=list(_SATISFACTION_POINTS)),
                distinct=True,
            ),
            satisfied=Count(
                "orders",
                filter=Q(orders__satisfaction__in=(Satisfaction.SATISFIED, Satisfaction.BASIC)),
                distinct=True,
            ),
            serves_grid=Count("grids", filter=Q(grids__id=order.grid_id), distinct=True),
        )
        for provider in providers:
            score = 50 - load_penalty(provider.open_count)
            reasons = [_("Trade: %(trade)s.") % {"trade": provider.trade_label}]
            if provider.serves_grid:
                score += 10
                reasons.append(_("Serves %(grid)s.") % {"grid": order.grid})
            if provider.rated:
                score += round(20 * provider.satisfied / provider.rated)
                reasons.append(
                    _("%(good)d of %(rated)d call-backs satisfied.")
                    % {"good": provider.satisfied, "rated": provider.rated}
                )
            else:
                reasons.append(_("No call-backs yet."))
            reasons.append(_load_reason(provider.open_count))
            suggestions.append(Suggestion("provider", provider, score, reasons))

    if category.volunteer_skill:
        volunteers = Volunteer.objects.filter(
            community_id=order.community_id, is_active=True
        ).annotate(open_count=Count("orders", filter=in_hand_q("orders"), distinct=True))
        skill_label = dict(Volunteer.Skill.choices).get(
            category.volunteer_skill, category.volunteer_skill
        )
        for volunteer in volunteers:
            if category.volunteer_skill not in (volunteer.skills or []):
                continue
            score = 45 - load_penalty(volunteer.open_count)
            reasons = [_("Skill: %(skill)s.") % {"skill": skill_label}]
            if order.grid_id and volunteer.grid_id == order.grid_id:
                score += 15
                reasons.append(_("Lives in %(grid)s.") % {"grid": order.grid})
            if volunteer.availability:
                reasons.append(_("Available: %(when)s.") % {"when": volunteer.availability})
            reasons.append(_load_reason(volunteer.open_count))
            suggestions.append(Suggestion("volunteer", volunteer, score, reasons))

    suggestions.sort(key=lambda s: (-s.score, s.kind, s.label))
    return suggestions[:limit]


def in_hand_q(prefix: str) -> Q:
    return Q(**{f"{prefix}__state__in": Order.IN_HAND})


__all__ = [
    "STAFF_ROLES",
    "Suggestion",
    "accept_order",
    "add_note",
    "attach_caller",
    "bigrams",
    "close_order",
    "create_order",
    "dispatch_order",
    "find_duplicates",
    "merge_orders",
    "record_callback",
    "resolve_order",
    "return_order",
    "similarity",
    "start_work",
    "suggest_assignees",
    "supervise_order",
    "withdraw_order",
]
