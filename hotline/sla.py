"""Time limits (时限) and the deadline sweep: warnings, escalation, supervision (督办).

An order's response deadline (accept by) and resolution deadline (resolve by) come
from its category and urgency: a ``SlaLimit`` row for the category wins over the
default row for the urgency, which wins over the built-in defaults below. Limits in
minutes and hours run on the wall clock (the hotline is 24-hour); limits in working
days follow the official holiday calendar (``linli.lib.workdays``).

``sweep_deadlines`` runs every minute (``hotline.tasks.sweep_deadlines``). It is
idempotent — running it twice changes nothing the second time — because each step is
a conditional UPDATE on a flag it sets (``warned_at``, ``escalated_at``,
``is_supervised``).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import audit
from hotline import clock
from hotline.models import Level, LimitUnit, Order, OrderEvent, SlaLimit, Urgency
from linli.lib.workdays import add_working_days

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    response_amount: int
    response_unit: str
    resolution_amount: int
    resolution_unit: str
    warn_before_minutes: int


# The defaults; the data migration seeds the same values as editable rows.
DEFAULT_LIMITS = {
    Urgency.URGENT: Limits(30, LimitUnit.MINUTES, 24, LimitUnit.HOURS, 10),
    Urgency.PRESSING: Limits(2, LimitUnit.HOURS, 3, LimitUnit.WORKING_DAYS, 30),
    Urgency.NORMAL: Limits(1, LimitUnit.WORKING_DAYS, 7, LimitUnit.WORKING_DAYS, 120),
}


def _from_row(row: SlaLimit) -> Limits:
    return Limits(
        row.response_amount,
        row.response_unit,
        row.resolution_amount,
        row.resolution_unit,
        row.warn_before_minutes,
    )


# The time-limit table is a handful of rows. Normally it is read when needed (one
# small query), so an administrator's change applies at once everywhere; a bulk job
# such as the demo loader reads it once inside ``cached_limits()``.
_cached: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "hotline_sla_rows", default=None
)


def _rows() -> dict[tuple[int | None, str], Limits]:
    rows = _cached.get()
    if rows is None:
        rows = {(r.category_id, r.urgency): _from_row(r) for r in SlaLimit.objects.all()}
    return rows


@contextmanager
def cached_limits():
    """Read the time limits once for the whole block (for bulk replays, not requests)."""
    token = _cached.set(None)
    _cached.set(_rows())
    try:
        yield
    finally:
        _cached.reset(token)


def limits_for(category, urgency: str) -> Limits:
    """The limits that apply to an order of ``category`` with ``urgency``."""
    rows = _rows()
    category_id = getattr(category, "pk", category)
    found = rows.get((category_id, urgency)) or rows.get((None, urgency))
    return found or DEFAULT_LIMITS[Urgency(urgency)]


def add_limit(start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    if unit == LimitUnit.MINUTES:
        return start + dt.timedelta(minutes=amount)
    if unit == LimitUnit.HOURS:
        return start + dt.timedelta(hours=amount)
    if unit == LimitUnit.WORKING_DAYS:
        return add_working_days(start, amount)
    raise ValueError(f"unknown limit unit {unit!r}")


def deadlines(category, urgency: str, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(accept by, resolve by) for an order received at ``start``."""
    limits = limits_for(category, urgency)
    response = add_limit(start, limits.response_amount, limits.response_unit)
    resolution = add_limit(start, limits.resolution_amount, limits.resolution_unit)
    return response, max(response, resolution)


# --- the sweep ---------------------------------------------------------------------


def _warn_window(order: Order, cache: dict) -> dt.timedelta:
    key = (order.category_id, order.urgency)
    if key not in cache:
        cache[key] = dt.timedelta(
            minutes=limits_for(order.category, order.urgency).warn_before_minutes
        )
    return cache[key]


def _system_event(order: Order, kind: str, note: str, *, at: dt.datetime, data=None) -> None:
    OrderEvent.objects.create(
        order=order,
        kind=kind,
        at=at,
        actor=None,
        channel="task",
        from_state=order.state,
        to_state=order.state,
        note=note,
        data=data or {},
    )
    audit.record(None, f"order.{kind}", order, channel=audit.Channel.TASK, note=note)


def _warn(now: dt.datetime) -> int:
    from hotline import notify

    longest = max(
        dt.timedelta(minutes=limits.warn_before_minutes)
        for limits in [*DEFAULT_LIMITS.values(), *_rows().values()]
    )
    horizon = now + longest
    candidates = (
        Order.objects.in_hand()
        .filter(warned_at__isnull=True)
        .filter(
            Q(state=Order.State.DISPATCHED, response_due__gt=now, response_due__lte=horizon)
            | Q(
                state__in=(Order.State.ACCEPTED, Order.State.IN_PROGRESS),
                resolution_due__gt=now,
                resolution_due__lte=horizon,
            )
        )
        .select_related("category", "assignee_user", "assignee_volunteer__user")
    )
    cache: dict = {}
    count = 0
    for order in candidates:
        awaiting = order.state == Order.State.DISPATCHED
        due = order.response_due if awaiting else order.resolution_due
        if due - _warn_window(order, cache) > now:
            continue
        with transaction.atomic():
            won = Order.objects.filter(
                pk=order.pk, state=order.state, warned_at__isnull=True
            ).update(warned_at=now)
            if not won:
                continue
            local_due = f"{clock_local(due):%m-%d %H:%M}"
            if awaiting:
                note = _("Accept by %(due)s.") % {"due": local_due}
            else:
                note = _("Resolve by %(due)s.") % {"due": local_due}
            _system_event(order, OrderEvent.Kind.WARNED, note, at=now)
            for recipient in responsible_users(order):
                notify.notify(
                    recipient,
                    kind="deadline_warning",
                    subject=_("Order %(number)s is nearly due") % {"number": order.number},
                    body=note,
                    order=order,
                )
        count += 1
    return count


def clock_local(moment: dt.datetime) -> dt.datetime:
    from django.utils import timezone

    return timezone.localtime(moment)


def _escalate(now: dt.datetime) -> int:
    from hotline import notify

    count = 0
    candidates = Order.objects.awaiting_acceptance().filter(
        level=Level.GRID, escalated_at__isnull=True, response_due__lt=now
    )
    for order in candidates.select_related("community"):
        with transaction.atomic():
            won = Order.objects.filter(
                pk=order.pk,
                state__in=Order.AWAITING_ACCEPTANCE,
                level=Level.GRID,
                escalated_at__isnull=True,
            ).update(level=Level.COMMUNITY, escalated_at=now)
            if not won:
                continue
            order.level = Level.COMMUNITY
            note = _("Not accepted in time; the community now handles it.")
            _system_event(order, OrderEvent.Kind.ESCALATED, note, at=now)
            for recipient in community_staff(order.community_id, roles=("operator", "leader")):
                notify.notify(
                    recipient,
                    kind="escalated",
                    subject=_("Order %(number)s escalated to the community")
                    % {"number": order.number},
                    body=note,
                    order=order,
                )
        count += 1
    return count


def _supervise(now: dt.datetime) -> int:
    from hotline import notify

    count = 0
    for order in (
        Order.objects.overdue(now)
        .filter(is_supervised=False)
        .select_related("assignee_user", "assignee_volunteer__user")
    ):
        with transaction.atomic():
            won = (
                Order.objects.overdue(now)
                .filter(pk=order.pk, is_supervised=False)
                .update(is_supervised=True)
            )
            if not won:
                continue
            order.is_supervised = True
            if order.state in Order.AWAITING_ACCEPTANCE:
                note = _("Overdue: not accepted by the deadline.")
            else:
                note = _("Overdue: not resolved by the deadline.")
            _system_event(order, OrderEvent.Kind.SUPERVISED, note, at=now, data={"automatic": True})
            recipients = list(community_staff(order.community_id, roles=("leader",)))
            recipients += [u for u in responsible_users(order) if u not in recipients]
            for recipient in recipients:
                notify.notify(
                    recipient,
                    kind="supervised",
                    subject=_("Order %(number)s is overdue and under supervision")
                    % {"number": order.number},
                    body=note,
                    order=order,
                )
        count += 1
    return count


def sweep_deadlines(now: dt.datetime | None = None) -> dict[str, int]:
    """Warn before deadlines, escalate orders not accepted in time, supervise overdue ones."""
    now = now or clock.now()
    result = {"warned": _warn(now), "escalated": _escalate(now), "supervised": _supervise(now)}
    if any(result.values()):
        logger.info("deadline sweep: %s", result)
    return result


# --- who hears about an order -------------------------------------------------------


def community_staff(community_id: int, *, roles: tuple[str, ...]):
    """Active staff holding one of ``roles`` over the whole community."""
    from accounts.models import User

    return (
        User.objects.filter(
            is_active=True, grants__role__in=roles, grants__community_id=community_id
        )
        .distinct()
        .order_by("id")
    )


def responsible_users(order: Order) -> list:
    """The accounts answerable for an order right now: the assignee when they have an
    account, otherwise the staff member who dispatched it (they act for providers and
    units, which rarely have accounts)."""
    if order.assignee_user_id and order.assignee_user.is_active:
        return [order.assignee_user]
    volunteer = order.assignee_volunteer if order.assignee_volunteer_id else None
    if volunteer is not None and volunteer.user_id and volunteer.user.is_active:
        return [volunteer.user]
    if order.state in Order.IN_HAND or order.state == Order.State.DISPATCHED:
        event = (
            order.events.filter(kind=OrderEvent.Kind.DISPATCHED, actor__isnull=False)
            .select_related("actor")
            .order_by("-at", "-id")
            .first()
        )
        if event and event.actor.is_active:
            return [event.actor]
    return []
