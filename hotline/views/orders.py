"""Work orders: the list with its filters, one order with its timeline, and the forms
that move it along (each one a call to ``hotline.services``)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role, User
from hotline import services
from hotline.forms import (
    CallbackForm,
    DispatchForm,
    MergeForm,
    NoteForm,
    OrderFilterForm,
    ReasonForm,
    ResolveForm,
    SuperviseForm,
)
from hotline.models import Order, OrderContact, OrderEvent, OrderPhoto, ServiceProvider
from hotline.views import photos
from hotline.views.common import (
    LIST_ROLES,
    form_errors_text,
    get_order,
    is_assignee,
    is_desk,
    redirect_after_post,
    report_error,
    roles_required,
    safe_next,
    visible_orders,
)
from linli.lib.errors import ServiceError

PAGE_SIZE = 50
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

ROW_RELATED = (
    "category",
    "caller",
    "compound",
    "building__compound",
    "household__building__compound",
    "assignee_user",
    "assignee_volunteer",
    "assignee_provider",
    "assignee_unit",
)


# --- the list ---------------------------------------------------------------------------


def encode_cursor(order: Order) -> str:
    micros = (order.created_at - _EPOCH) // dt.timedelta(microseconds=1)
    return f"{micros}_{order.pk}"


def decode_cursor(value: str):
    micros, _sep, pk = (value or "").partition("_")
    if not (micros.lstrip("-").isdigit() and pk.isdigit()):
        return None
    return _EPOCH + dt.timedelta(microseconds=int(micros)), int(pk)


def keyset_page(queryset, cursor: str, size: int = PAGE_SIZE):
    """One page of newest-first orders after ``cursor``, and the cursor of the next.

    Keyset pagination: the database seeks to (created_at, id) through the index and
    reads one page; no OFFSET, no COUNT(*) over a table of millions.
    """
    after = decode_cursor(cursor)
    if after is not None:
        at, pk = after
        queryset = queryset.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk))
    rows = list(queryset.order_by("-created_at", "-id")[: size + 1])
    next_cursor = encode_cursor(rows[size - 1]) if len(rows) > size else ""
    return rows[:size], next_cursor


@roles_required(*LIST_ROLES)
@require_GET
def order_list(request):
    """Orders of the user's area, newest first, filtered by what the URL says."""
    form = OrderFilterForm(request.GET or None, user=request.user)
    orders = Order.objects.visible_to(request.user).select_related(*ROW_RELATED)
    if form.is_bound and form.is_valid():
        orders = form.apply(orders)
    rows, next_cursor = keyset_page(orders, request.GET.get("cursor", ""))
    params = request.GET.copy()
    params.pop("cursor", None)
    next_url = ""
    if next_cursor:
        params["cursor"] = next_cursor
        next_url = f"?{params.urlencode()}"
    return render(
        request,
        "hotline/order_list.html",
        {
            "form": form,
            "orders": rows,
            "next_url": next_url,
            "is_later_page": bool(request.GET.get("cursor")),
            "desk": is_desk(request.user),
            "first_url": "?" + urlencode({k: v for k, v in request.GET.items() if k != "cursor"}),
        },
    )


# --- one order --------------------------------------------------------------------------

# What the order page shows on (nearly) every order. The rest (a building or compound
# without a household, the call, a volunteer, provider or unit assignee, the order it
# was merged into) is usually empty, and an empty foreign key costs no query when
# read; joining all of them made a 17-table query that PostgreSQL took ~10 ms to
# plan, on every page and every action.
DETAIL_RELATED = (
    "category",
    "grid",
    "household__building__compound",
    "assignee_user",
    "created_by",
)
# An action needs the category (deadlines, the notification) and the assignee (the
# message that answers it); it shows no page unless refused.
ACTION_RELATED = ("category", "assignee_user")


def _detail_order(request, pk: int) -> Order:
    return get_order(request, pk, *DETAIL_RELATED)


def order_context(request, order: Order, **extra) -> dict:
    """Everything the detail page shows: the timeline with its photos, the callers and
    the forms the user may use in the order's state."""
    user = request.user
    events = list(
        order.events.select_related("actor").prefetch_related(
            Prefetch("orderphoto_set", queryset=OrderPhoto.objects.order_by("id"), to_attr="pics")
        )
    )
    state_labels = dict(Order.State.choices)
    satisfaction_labels = dict(Order.Satisfaction.choices)
    channel_labels = _channel_labels()
    for event in events:
        event.to_state_label = state_labels.get(event.to_state, event.to_state)
        # "Dispatched → dispatched" says nothing; "Called back → closed" does.
        event.show_to_state = bool(
            event.from_state
            and event.to_state != event.from_state
            and str(event.to_state_label) != str(event.get_kind_display())
        )
        event.channel_label = str(channel_labels.get(event.channel, event.channel))
        # A call-back entry says what the resident answered (the order's overall
        # result on the entry that marks it called back).
        event.result_label = ""
        if event.kind == OrderEvent.Kind.CALLBACK and event.data.get("result"):
            event.result_label = satisfaction_labels.get(event.data["result"], "")
        for photo in event.pics:
            photo.url = photos.url_for(order, photo)
    contacts = list(order.contacts.select_related("resident"))
    desk = is_desk(user)
    assignee = is_assignee(user, order)
    worker = desk or assignee
    state = order.state
    State = Order.State
    pending_contacts = [c for c in contacts if not c.callback_result]
    can = {
        "dispatch": desk and state in (State.RECEIVED, State.RETURNED, State.DISPATCHED),
        "accept": worker and state == State.DISPATCHED,
        "start": worker and state == State.ACCEPTED,
        "resolve": worker and state in (State.ACCEPTED, State.IN_PROGRESS),
        "return": worker and state in Order.IN_HAND,
        "note": True,
        "callback": desk and state == State.RESOLVED and bool(pending_contacts),
        "close": desk
        and (state == State.CALLED_BACK or (state == State.RESOLVED and not contacts)),
        "withdraw": desk and state in (*Order.IN_HAND, State.RECEIVED, State.RETURNED),
        "merge": desk and order.is_open and state != State.CALLED_BACK,
        "supervise": (user.is_superuser or user.has_role(Role.LEADER)) and order.is_open,
    }
    # Staff record the work of providers and units, who rarely have accounts.
    on_behalf = desk and not assignee and bool(order.assignee_label)
    context = {
        "order": order,
        "events": events,
        "contacts": contacts,
        "pending_contacts": pending_contacts,
        "can": can,
        "on_behalf": on_behalf,
        "suggestions": services.suggest_assignees(order) if can["dispatch"] else [],
        "others": _other_targets(order) if can["dispatch"] else {},
        "photos_enabled": photos.ENABLED,
        "result_choices": Order.Satisfaction.choices,
        "now": timezone.now(),
    }
    context.update(extra)
    return context


def _channel_labels() -> dict:
    """The words for the channels an event comes through (web page, phone page, API …),
    built once per page rather than once per timeline entry."""
    from accounts.models import AuditLog

    return {
        **dict(AuditLog.Channel.choices),
        **dict(Order.Channel.choices),
        "mobile": _("Phone page"),
    }


def _other_targets(order: Order) -> dict:
    """Everyone an order could go to besides the ranked suggestions."""
    from cobuild.models import Unit
    from people.models import Volunteer

    staff = (
        User.objects.filter(is_active=True, grants__role__in=(Role.GRID_WORKER, Role.OPERATOR))
        .filter(
            Q(grants__community=order.community_id) | Q(grants__grid__community=order.community_id)
        )
        .distinct()
        .order_by("display_name", "username")
    )
    return {
        "users": list(staff),
        "volunteers": list(Volunteer.objects.filter(community=order.community_id, is_active=True)),
        "providers": list(
            ServiceProvider.objects.filter(community=order.community_id, is_active=True)
        ),
        "units": list(Unit.objects.serving(order.community_id)),
    }


@require_GET
def order_detail(request, pk: int):
    order = _detail_order(request, pk)
    return render(request, "hotline/order_detail.html", order_context(request, order))


# --- actions ----------------------------------------------------------------------------


class FormInvalid(ServiceError):
    """A form on the page was filled in wrongly; its message says what to fix."""


def _valid(form):
    if not form.is_valid():
        raise FormInvalid(form_errors_text(form), code="invalid_form")
    return form.cleaned_data


def _target(order: Order, value: str):
    from cobuild.models import Unit
    from people.models import Volunteer

    kind, _sep, pk = (value or "").partition(":")
    found = None
    if pk.isdigit():
        if kind == "user":
            found = User.objects.filter(pk=pk, is_active=True).first()
        elif kind == "volunteer":
            found = Volunteer.objects.filter(pk=pk, community=order.community_id).first()
        elif kind == "provider":
            found = ServiceProvider.objects.filter(pk=pk, community=order.community_id).first()
        elif kind == "unit":
            found = Unit.objects.filter(pk=pk, communities=order.community_id).first()
    if found is None:
        raise FormInvalid(_("Choose whom to dispatch the order to."))
    return {kind: found}


def _do_dispatch(request, order):
    data = _valid(DispatchForm(request.POST))
    services.dispatch_order(
        acting_user=request.user,
        order=order,
        note=data["note"],
        reassign=data["reassign"],
        **_target(order, data["target_other"] or data["target"]),
    )
    return _("Order %(number)s dispatched to %(name)s.") % {
        "number": order.number,
        "name": order.assignee_label,
    }


def _do_accept(request, order):
    data = _valid(NoteForm(request.POST))
    services.accept_order(
        acting_user=request.user,
        channel=request.hotline_channel,
        order=order,
        on_behalf_of=data["on_behalf_of"],
    )
    return _("Order %(number)s accepted.") % {"number": order.number}


def _do_start(request, order):
    data = _valid(NoteForm(request.POST))
    services.start_work(
        acting_user=request.user,
        channel=request.hotline_channel,
        order=order,
        on_behalf_of=data["on_behalf_of"],
        note=data["note"],
    )
    return _("Work on order %(number)s has started.") % {"number": order.number}


def _do_note(request, order):
    data = _valid(NoteForm(request.POST))
    paths = photos.store_photos(request, order)
    with photos.kept_only_if_done(paths):
        services.add_note(
            acting_user=request.user,
            channel=request.hotline_channel,
            order=order,
            note=data["note"],
            photo_paths=paths,
            on_behalf_of=data["on_behalf_of"],
        )
    return _("Added to the timeline.")


def _do_return(request, order):
    data = _valid(ReasonForm(request.POST))
    services.return_order(
        acting_user=request.user,
        channel=request.hotline_channel,
        order=order,
        reason=data["reason"],
        on_behalf_of=data["on_behalf_of"],
    )
    return _("Order %(number)s returned to the desk.") % {"number": order.number}


def _do_resolve(request, order):
    data = _valid(ResolveForm(request.POST))
    paths = photos.store_photos(request, order)
    with photos.kept_only_if_done(paths):
        services.resolve_order(
            acting_user=request.user,
            channel=request.hotline_channel,
            order=order,
            resolution=data["resolution"],
            on_behalf_of=data["on_behalf_of"],
            photo_paths=paths,
        )
    return _("Order %(number)s resolved; it now waits for the call-back.") % {
        "number": order.number
    }


def _do_callback(request, order):
    data = _valid(CallbackForm(request.POST))
    contact = None
    if data["contact"]:
        contact = OrderContact.objects.filter(order=order, pk=data["contact"]).first()
        if contact is None:
            raise FormInvalid(_("That caller is not on this order."))
    services.record_callback(
        acting_user=request.user,
        order=order,
        result=data["result"],
        words=data["words"],
        contact=contact,
        keep_closed_reason=data["keep_closed_reason"],
    )
    order.refresh_from_db(fields=["state"])
    if order.state == Order.State.DISPATCHED or order.state == Order.State.RECEIVED:
        return _("Order %(number)s was reopened (重办).") % {"number": order.number}
    return _("Call-back recorded for order %(number)s.") % {"number": order.number}


def _do_close(request, order):
    services.close_order(acting_user=request.user, order=order)
    return _("Order %(number)s closed.") % {"number": order.number}


def _do_withdraw(request, order):
    data = _valid(ReasonForm(request.POST))
    services.withdraw_order(acting_user=request.user, order=order, reason=data["reason"])
    return _("Order %(number)s withdrawn.") % {"number": order.number}


def _do_merge(request, order):
    data = _valid(MergeForm(request.POST))
    into = visible_orders(request.user).filter(number=data["into"].strip().upper()).first()
    if into is None:
        raise FormInvalid(
            _("No order numbered %(number)s in your area.") % {"number": data["into"]}
        )
    services.merge_orders(acting_user=request.user, duplicate=order, into=into)
    return _("Order %(number)s merged into %(into)s.") % {
        "number": order.number,
        "into": into.number,
    }


def _do_supervise(request, order):
    data = _valid(SuperviseForm(request.POST))
    services.supervise_order(acting_user=request.user, order=order, note=data["note"])
    return _("Order %(number)s is under supervision.") % {"number": order.number}


ACTIONS = {
    "dispatch": _do_dispatch,
    "accept": _do_accept,
    "start": _do_start,
    "note": _do_note,
    "return": _do_return,
    "resolve": _do_resolve,
    "callback": _do_callback,
    "close": _do_close,
    "withdraw": _do_withdraw,
    "merge": _do_merge,
    "supervise": _do_supervise,
}


@require_POST
def order_action(request, pk: int, action: str):
    """One step of the order's life, from whichever page the form was on (the order,
    the phone page, the call-back list). A refusal is shown on that page with the
    service's message and status; nothing was written."""
    handler = ACTIONS.get(action)
    order = get_order(request, pk, *ACTION_RELATED)
    if handler is None:
        return render(request, "404.html", status=404)
    request.hotline_channel = "mobile" if request.POST.get("page") == "mobile" else "web"
    try:
        message = handler(request, order)
    except ServiceError as exc:
        status = report_error(request, exc)
        return _render_origin(request, order, status=status)
    messages.success(request, message)
    return redirect_after_post(request, safe_next(request, reverse("hotline:order", args=[pk])))


def _render_origin(request, order: Order, *, status: int):
    """Show the page the form came from again, with the error message on it."""
    page = request.POST.get("page", "detail")
    if page == "mobile":
        from hotline.views.mobile import mobile_order_context

        order = _detail_order(request, order.pk)
        return render(
            request, "hotline/mine_order.html", mobile_order_context(request, order), status=status
        )
    if page == "callbacks":
        from hotline.views.callbacks import callbacks_context

        return render(request, "hotline/callbacks.html", callbacks_context(request), status=status)
    order = _detail_order(request, order.pk)
    return render(
        request, "hotline/order_detail.html", order_context(request, order), status=status
    )
