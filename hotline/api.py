"""Work orders in the JSON API: categories, filing, lists, the timeline, and every step
of the lifecycle as ``POST /api/hotline/orders/{number}/{step}``.

Each step calls the same ``hotline.services`` function as the pages, with the channel
"api", so roles, scope, conflicts and the timeline behave exactly alike. Lists are
paged by a keyset cursor on (received at, id), newest first, and never count rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema, Status

from hotline.models import Category, Order, OrderEvent
from open311.apikit import ID_MAX, aware, decode_cursor, encode_cursor, require_scope, responses

router = Router(tags=["hotline"])

READ, WRITE = "orders:read", "orders:write"
NumberPath = Path(..., min_length=1, max_length=20, pattern=r"^[A-Za-z0-9-]+$")


# --- schemas ---------------------------------------------------------------------------


class CategoryOut(Schema):
    code: str
    name: str
    group: str
    description: str
    default_urgency: str
    default_level: str


class CategoryRef(Schema):
    code: str
    name: str


class OrderOut(Schema):
    number: str
    state: str
    display_state: str = Field(..., description="'overdue' wins over the stored state")
    category: CategoryRef
    urgency: str
    level: str
    channel: str
    community_id: int
    grid_id: int | None
    compound_id: int | None
    household_id: int | None
    location: str
    assignee: str
    created_at: dt.datetime
    updated_at: dt.datetime
    response_due: dt.datetime | None
    resolution_due: dt.datetime | None
    is_supervised: bool


class OrderPage(Schema):
    items: list[OrderOut]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page")


class ContactOut(Schema):
    id: int
    name: str
    phone_masked: str
    callback_result: str


class EventOut(Schema):
    kind: str
    at: dt.datetime
    actor: str
    on_behalf_of: str
    channel: str
    from_state: str
    to_state: str
    note: str


class OrderDetail(OrderOut):
    description: str
    resolution: str
    satisfaction: str
    merged_into: str | None
    contacts: list[ContactOut]
    timeline: list[EventOut]


class OrderIn(Schema):
    category: str = Field(..., min_length=1, max_length=40, description="A category code")
    description: str = Field(..., min_length=1, max_length=4000)
    community_id: int | None = Field(None, ge=1, le=ID_MAX)
    household_id: int | None = Field(None, ge=1, le=ID_MAX)
    building_id: int | None = Field(None, ge=1, le=ID_MAX)
    compound_id: int | None = Field(None, ge=1, le=ID_MAX)
    location_text: str = Field("", max_length=200)
    urgency: Literal["urgent", "pressing", "normal"] | None = None
    caller_id: int | None = Field(None, ge=1, le=ID_MAX, description="A resident id")
    contact_name: str = Field("", max_length=30)
    contact_phone: str = Field("", max_length=40, description="Stored encrypted, shown masked")
    solved_on_call: bool = False
    resolution: str = Field("", max_length=4000)


class DispatchIn(Schema):
    user_id: int | None = Field(None, ge=1, le=ID_MAX)
    volunteer_id: int | None = Field(None, ge=1, le=ID_MAX)
    provider_id: int | None = Field(None, ge=1, le=ID_MAX)
    unit_id: int | None = Field(None, ge=1, le=ID_MAX)
    note: str = Field("", max_length=1000)
    reassign: bool = False


class OnBehalfIn(Schema):
    on_behalf_of: str = Field("", max_length=60)


class StartIn(OnBehalfIn):
    note: str = Field("", max_length=2000)


class NoteIn(OnBehalfIn):
    note: str = Field(..., min_length=1, max_length=2000)


class ReasonIn(OnBehalfIn):
    reason: str = Field(..., min_length=1, max_length=1000)


class ResolveIn(OnBehalfIn):
    resolution: str = Field(..., min_length=1, max_length=4000)


class CallbackIn(Schema):
    result: Literal["satisfied", "basic", "unsatisfied", "unreachable"]
    words: str = Field("", max_length=1000)
    contact_id: int | None = Field(None, ge=1, le=ID_MAX)
    keep_closed_reason: str = Field("", max_length=1000)


class CloseIn(Schema):
    note: str = Field("", max_length=1000)


class WithdrawIn(Schema):
    reason: str = Field(..., min_length=1, max_length=1000)


class MergeIn(Schema):
    into: str = Field(..., min_length=1, max_length=20, description="The order kept")


class SuperviseIn(Schema):
    note: str = Field(..., min_length=1, max_length=1000)


class AttachCallerIn(Schema):
    caller_id: int | None = Field(None, ge=1, le=ID_MAX)
    name: str = Field("", max_length=30)
    phone: str = Field("", max_length=40)
    note: str = Field("", max_length=500)


class OrderFilters(Schema):
    state: list[str] | None = Field(None, description="One or more states")
    category: str | None = Field(None, max_length=40)
    grid_id: int | None = Field(None, ge=1, le=ID_MAX)
    compound_id: int | None = Field(None, ge=1, le=ID_MAX)
    channel: str | None = Field(None, max_length=10)
    overdue: bool | None = None
    open: bool | None = None
    assigned_to_me: bool | None = None
    received_after: dt.datetime | None = None
    received_before: dt.datetime | None = None
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(50, ge=1, le=100)


# --- helpers ------------------------------------------------------------------------------


def orders_for(user):
    """Orders ``user`` may see, by the pages' own rule: their area's through a role
    that reads orders, plus anything assigned to them (a liaison or a committee
    member reads no orders; a volunteer only theirs)."""
    from hotline.views.common import visible_orders

    return visible_orders(user).select_related(
        "category",
        "household__building__compound",
        "building__compound",
        "compound",
        "assignee_user",
        "assignee_volunteer",
        "assignee_provider",
        "assignee_unit",
    )


def _order(request, number: str) -> Order:
    return get_object_or_404(orders_for(request.auth), number=number)


def _summary(order: Order) -> dict:
    return {
        "number": order.number,
        "state": order.state,
        "display_state": order.display_state,
        "category": {"code": order.category.code, "name": order.category.name},
        "urgency": order.urgency,
        "level": order.level,
        "channel": order.channel,
        "community_id": order.community_id,
        "grid_id": order.grid_id,
        "compound_id": order.compound_id,
        "household_id": order.household_id,
        "location": order.location_label,
        "assignee": order.assignee_label,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "response_due": order.response_due,
        "resolution_due": order.resolution_due,
        "is_supervised": order.is_supervised,
    }


def _detail(order: Order, *, reread: bool = True) -> dict:
    """The order with its contacts and timeline. ``reread=False`` answers with the
    order as the caller holds it (just created, its place and category in hand)
    instead of reading it again with every related row."""
    if reread:
        order = orders_for_any(order.pk)
    events = OrderEvent.objects.filter(order=order).select_related("actor")
    return {
        **_summary(order),
        "description": order.description,
        "resolution": order.resolution,
        "satisfaction": order.satisfaction,
        "merged_into": order.merged_into.number if order.merged_into_id else None,
        "contacts": [
            {
                "id": c.pk,
                "name": c.name,
                "phone_masked": c.phone_masked,
                "callback_result": c.callback_result,
            }
            for c in order.contacts.all()
        ],
        "timeline": [
            {
                "kind": e.kind,
                "at": e.at,
                "actor": str(e.actor) if e.actor_id else "",
                "on_behalf_of": e.on_behalf_of,
                "channel": e.channel,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": e.note,
            }
            for e in events
        ],
    }


def orders_for_any(pk: int) -> Order:
    """Re-read an order after a step changed it (the step already checked the scope)."""
    return Order.objects.select_related(
        "category",
        "household__building__compound",
        "building__compound",
        "compound",
        "assignee_user",
        "assignee_volunteer",
        "assignee_provider",
        "assignee_unit",
        "merged_into",
    ).get(pk=pk)


def _get(model, pk):
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


# --- categories and lists ---------------------------------------------------------------


@router.get("/categories", response=responses({200: list[CategoryOut]}), summary="Categories")
def categories(request):
    require_scope(request, READ)
    return list(Category.objects.filter(is_active=True))


@router.get("/orders", response=responses({200: OrderPage}), summary="List work orders")
def list_orders(request, filters: Query[OrderFilters]):
    """Newest first, ``limit`` at a time; follow ``next_cursor`` for more."""
    require_scope(request, READ)
    orders = orders_for(request.auth)
    if filters.state:
        orders = orders.filter(state__in=filters.state)
    if filters.category:
        orders = orders.filter(category__code=filters.category)
    if filters.grid_id:
        orders = orders.filter(grid_id=filters.grid_id)
    if filters.compound_id:
        orders = orders.filter(compound_id=filters.compound_id)
    if filters.channel:
        orders = orders.filter(channel=filters.channel)
    if filters.open is not None:
        open_orders = Q(state__in=Order.FINISHED_STATES)
        orders = orders.exclude(open_orders) if filters.open else orders.filter(open_orders)
    if filters.overdue:
        orders = orders.overdue()
    if filters.assigned_to_me:
        orders = orders.filter(
            Q(assignee_user=request.auth) | Q(assignee_volunteer__user=request.auth)
        )
    if filters.received_after:
        orders = orders.filter(created_at__gte=aware(filters.received_after, "received_after"))
    if filters.received_before:
        orders = orders.filter(created_at__lt=aware(filters.received_before, "received_before"))
    if filters.cursor:
        moment, pk = decode_cursor(filters.cursor)
        orders = orders.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))
    rows = list(orders.order_by("-created_at", "-pk")[: filters.limit + 1])
    next_cursor = None
    if len(rows) > filters.limit:
        rows = rows[: filters.limit]
        next_cursor = encode_cursor(rows[-1].created_at, rows[-1].pk)
    return {"items": [_summary(o) for o in rows], "next_cursor": next_cursor}


@router.get(
    "/orders/{number}", response=responses({200: OrderDetail}), summary="One order, with timeline"
)
def order_detail(request, number: str = NumberPath):
    require_scope(request, READ)
    return _detail(_order(request, number))


# --- filing and the lifecycle --------------------------------------------------------------


@router.post("/orders", response=responses({201: OrderDetail}), summary="File a work order")
def create(request, data: OrderIn):
    from hotline.services import create_order
    from people.models import Resident
    from places.models import Building, Community, Compound, Household

    require_scope(request, WRITE)
    category = Category.objects.filter(code=data.category, is_active=True).first()
    if category is None:
        raise Http404
    caller = None
    if data.caller_id is not None:
        # The caller with the place the order defaults to, in one query.
        callers = Resident.objects.visible_to(request.auth).select_related(
            "household__building__compound__grid__community"
        )
        caller = get_object_or_404(callers, pk=data.caller_id)
    order = create_order(
        acting_user=request.auth,
        category=category,
        description=data.description,
        caller=caller,
        household=_get(Household, data.household_id),
        building=_get(Building, data.building_id),
        compound=_get(Compound, data.compound_id),
        location_text=data.location_text,
        urgency=data.urgency,
        channel=Order.Channel.API,
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
        solved_on_call=data.solved_on_call,
        resolution=data.resolution,
        community=_get(Community, data.community_id),
    )
    return Status(201, _detail(order, reread=False))


def _step(path: str, summary: str, body: type[Schema]):
    """``POST /orders/{number}/<path>``: one step of an order's life.

    Every step checks the write scope, finds the order by its number in the caller's
    area (404 outside it) and answers with the order's detail afterwards; the decorated
    function only calls the service, as ``act(request, order, data)``.
    """

    def register(act):
        def endpoint(request, data, number: str = NumberPath):
            require_scope(request, WRITE)
            order = _order(request, number)
            act(request, order, data)
            return _detail(order)

        # django-ninja reads the request body's schema and the path from the signature.
        endpoint.__annotations__ = {"data": body, "number": str}
        endpoint.__name__ = endpoint.__qualname__ = act.__name__
        endpoint.__doc__ = act.__doc__
        router.post(
            f"/orders/{{number}}/{path}", response=responses({200: OrderDetail}), summary=summary
        )(endpoint)
        return act

    return register


@_step("dispatch", "派单 Dispatch (or re-dispatch) to one assignee", DispatchIn)
def dispatch(request, order: Order, data: DispatchIn) -> None:
    from accounts.models import User
    from cobuild.models import Unit
    from hotline.models import ServiceProvider
    from hotline.services import dispatch_order
    from people.models import Volunteer

    dispatch_order(
        acting_user=request.auth,
        order=order,
        user=_get(User, data.user_id),
        volunteer=_get(Volunteer, data.volunteer_id),
        provider=_get(ServiceProvider, data.provider_id),
        unit=_get(Unit, data.unit_id),
        note=data.note,
        reassign=data.reassign,
        channel="api",
    )


@_step("accept", "签收 Accept", OnBehalfIn)
def accept(request, order: Order, data: OnBehalfIn) -> None:
    from hotline.services import accept_order

    accept_order(
        acting_user=request.auth, order=order, on_behalf_of=data.on_behalf_of, channel="api"
    )


@_step("start", "办理 Start work", StartIn)
def start(request, order: Order, data: StartIn) -> None:
    from hotline.services import start_work

    start_work(
        acting_user=request.auth,
        order=order,
        on_behalf_of=data.on_behalf_of,
        note=data.note,
        channel="api",
    )


@_step("notes", "Add a note to the timeline", NoteIn)
def note(request, order: Order, data: NoteIn) -> None:
    from hotline.services import add_note

    add_note(
        acting_user=request.auth,
        order=order,
        note=data.note,
        on_behalf_of=data.on_behalf_of,
        channel="api",
    )


@_step("return", "退单 Return, with the reason", ReasonIn)
def return_(request, order: Order, data: ReasonIn) -> None:
    from hotline.services import return_order

    return_order(
        acting_user=request.auth,
        order=order,
        reason=data.reason,
        on_behalf_of=data.on_behalf_of,
        channel="api",
    )


@_step("resolve", "办结 Resolve, saying what was done", ResolveIn)
def resolve(request, order: Order, data: ResolveIn) -> None:
    from hotline.services import resolve_order

    resolve_order(
        acting_user=request.auth,
        order=order,
        resolution=data.resolution,
        on_behalf_of=data.on_behalf_of,
        channel="api",
    )


@_step("callback", "回访 Record the call-back", CallbackIn)
def callback(request, order: Order, data: CallbackIn) -> None:
    from hotline.models import OrderContact
    from hotline.services import record_callback

    contact = None
    if data.contact_id is not None:
        contact = get_object_or_404(OrderContact, pk=data.contact_id, order=order)
    record_callback(
        acting_user=request.auth,
        order=order,
        result=data.result,
        words=data.words,
        contact=contact,
        keep_closed_reason=data.keep_closed_reason,
        channel="api",
    )


@_step("close", "Close", CloseIn)
def close(request, order: Order, data: CloseIn) -> None:
    from hotline.services import close_order

    close_order(acting_user=request.auth, order=order, note=data.note, channel="api")


@_step("withdraw", "撤单 Withdrawn by the caller", WithdrawIn)
def withdraw(request, order: Order, data: WithdrawIn) -> None:
    from hotline.services import withdraw_order

    withdraw_order(acting_user=request.auth, order=order, reason=data.reason, channel="api")


@_step("merge", "并单 Merge this duplicate into another order", MergeIn)
def merge(request, order: Order, data: MergeIn) -> None:
    from hotline.services import merge_orders

    into = _order(request, data.into)
    merge_orders(acting_user=request.auth, duplicate=order, into=into, channel="api")


@_step("supervise", "督办 Put under supervision", SuperviseIn)
def supervise(request, order: Order, data: SuperviseIn) -> None:
    from hotline.services import supervise_order

    supervise_order(acting_user=request.auth, order=order, note=data.note, channel="api")


@_step("callers", "重复诉求 Attach another caller about the same matter", AttachCallerIn)
def attach(request, order: Order, data: AttachCallerIn) -> None:
    from hotline.services import attach_caller
    from people.models import Resident

    caller = None
    if data.caller_id is not None:
        # The caller with the place the order defaults to, in one query.
        callers = Resident.objects.visible_to(request.auth).select_related(
            "household__building__compound__grid__community"
        )
        caller = get_object_or_404(callers, pk=data.caller_id)
    attach_caller(
        acting_user=request.auth,
        order=order,
        caller=caller,
        name=data.name,
        phone=data.phone,
        note=data.note,
        channel="api",
    )
