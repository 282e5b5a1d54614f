"""The grid worker's phone (and a volunteer's): my open orders by due time, and one
order at a time with big buttons — accept, return with a reason, a note, resolve.

Light pages for a narrow screen and a slow connection: no lists of filters, no
timeline beyond the last few entries, a few small queries each.
"""

from __future__ import annotations

from django.db.models import F, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hotline.models import Order
from hotline.views import photos
from hotline.views.common import (
    MOBILE_ROLES,
    assigned_q,
    get_order,
    is_assignee,
    is_desk,
    roles_required,
)

LAST_EVENTS = 5


# An order's place is nearly always a household; its building and compound are then
# copied onto it but not shown. Joining them anyway made every list query pay for
# planning joins it does not use.
PLACE_RELATED = ("category", "household__building__compound")


def with_places(orders: list[Order]) -> list[Order]:
    """Load the building or compound of the orders that have no household (their place
    label reads it), in one query each for the lot rather than one per order."""
    prefetch_related_objects(
        [o for o in orders if not o.household_id], "building__compound", "compound"
    )
    return orders


def my_orders(user):
    """Open orders in the user's hands, the one due soonest first."""
    return (
        Order.objects.filter(assigned_q(user))
        .filter(state__in=Order.IN_HAND)
        .select_related(*PLACE_RELATED)
        .annotate(due=Coalesce("resolution_due", "response_due"))
        .order_by(F("due").asc(nulls_last=True), "created_at")
    )


@roles_required(*MOBILE_ROLES)
@require_GET
def mine(request):
    orders = with_places(list(my_orders(request.user)[:100]))
    return render(request, "hotline/mine.html", {"orders": orders})


def mobile_order_context(request, order: Order) -> dict:
    user = request.user
    worker = is_assignee(user, order) or is_desk(user)
    events = list(order.events.select_related("actor").order_by("-at", "-id")[:LAST_EVENTS])
    State = Order.State
    return {
        "order": order,
        "events": events,
        "contacts": list(order.contacts.all()),
        "can": {
            "accept": worker and order.state == State.DISPATCHED,
            "start": worker and order.state == State.ACCEPTED,
            "resolve": worker and order.state in (State.ACCEPTED, State.IN_PROGRESS),
            "return": worker and order.state in Order.IN_HAND,
        },
        "photos_enabled": photos.ENABLED,
    }


@roles_required(*MOBILE_ROLES)
@require_GET
def mine_order(request, pk: int):
    order = get_order(request, pk, *PLACE_RELATED)
    return render(request, "hotline/mine_order.html", mobile_order_context(request, order))


__all__ = ["mine", "mine_order", "mobile_order_context", "my_orders"]
