"""Paper the hotline still runs on: the work slip (派工单) handed to a provider, and
the shift hand-over sheet (交接班). Both are A4 pages meant to be printed."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from hotline.models import Order
from hotline.views.common import DESK_ROLES, LIST_ROLES, get_order, roles_required
from hotline.views.orders import ROW_RELATED

HANDOVER_LIMIT = 300


@roles_required(*LIST_ROLES)
@require_GET
def slip(request, pk: int):
    order = get_order(request, pk, *ROW_RELATED, "community", "grid")
    contacts = list(order.contacts.select_related("resident"))
    return render(request, "hotline/slip.html", {"order": order, "contacts": contacts})


def default_since(now: dt.datetime) -> dt.datetime:
    """The start of the shift being handed over.

    In the morning the night shift hands over: everything since 18:00 yesterday.
    Later in the day: the last twelve hours.
    """
    local = timezone.localtime(now)
    if local.hour < 12:
        yesterday = local.date() - dt.timedelta(days=1)
        return dt.datetime.combine(yesterday, dt.time(18), tzinfo=local.tzinfo)
    return local - dt.timedelta(hours=12)


@roles_required(*DESK_ROLES)
@require_GET
def handover(request):
    now = timezone.now()
    since = None
    raw = request.GET.get("since", "")
    if raw:
        since = parse_datetime(raw)
        if since is not None and timezone.is_naive(since):
            since = timezone.make_aware(since)
    bad_since = bool(raw) and since is None
    if since is None:
        since = default_since(now)
    scoped = Order.objects.visible_to(request.user).select_related(*ROW_RELATED)
    came_in = list(
        scoped.filter(created_at__gte=since).order_by("created_at", "id")[:HANDOVER_LIMIT]
    )
    still_open = list(
        scoped.open()
        .exclude(state=Order.State.CALLED_BACK)
        .filter(resolved_at__isnull=True)
        .order_by("resolution_due", "created_at")[:HANDOVER_LIMIT]
    )
    overdue = [o for o in still_open if o.is_overdue(now)]
    return render(
        request,
        "hotline/handover.html",
        {
            "since": timezone.localtime(since),
            "bad_since": bad_since,
            "came_in": came_in,
            "still_open": still_open,
            "overdue_count": len(overdue),
            "solved_on_call": sum(1 for o in came_in if o.solved_on_call),
            "limit": HANDOVER_LIMIT,
        },
    )
