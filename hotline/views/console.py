"""The intake console (受理台): the one page an operator keeps open all shift.

Left: the caller — found by the search box or popped up by the phone system — with
their home, household, care tags and orders. Right: the order being taken, in three
keyboard steps (category → what happened → urgency and place), with possible
duplicates offered on the way. Everything degrades to plain forms without script.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.middleware import does_not_renew_session
from accounts.scopes import scope_of
from hotline import services, telephony
from hotline.forms import INTAKE_STEPS, IntakeForm, NewResidentForm, match_categories, match_places
from hotline.models import Call, Category, Order, OrderContact
from hotline.views.common import (
    DESK_ROLES,
    redirect_after_post,
    report_error,
    roles_required,
    visible_orders,
)
from linli.lib.errors import ServiceError
from people import policy
from people.models import Membership, Resident
from places.models import Community

RECENT_ORDERS = 10
OPEN_ORDERS = 20


# --- the caller's card ------------------------------------------------------------------


def _card_resident(user, pk) -> Resident | None:
    return (
        Resident.objects.visible_to(user)
        .select_related("household__building__compound__grid")
        .prefetch_related("phones", "care_tags")
        .filter(pk=pk)
        .first()
    )


def caller_context(user, *, resident: Resident | None = None, call: Call | None = None) -> dict:
    """What the card shows about a caller (and the call, when the phone system sent one)."""
    if call is not None and resident is None and call.resident_id:
        resident = _card_resident(user, call.resident_id)
    context: dict = {"caller": resident, **(call_status(call) if call else {"call": None})}
    if resident is None:
        return context
    context["may_see_care"] = policy.can_see_care_tags(user, resident)
    if resident.household_id:
        context["housemates"] = list(
            Membership.objects.filter(household_id=resident.household_id, end_date__isnull=True)
            .exclude(resident=resident)
            .select_related("resident")
            .order_by("relation", "resident__name")[:12]
        )
    # Two index look-ups joined in Python rather than an OR across a join, which a
    # table of a million orders would make the database scan.
    called_about = list(
        OrderContact.objects.filter(resident=resident)
        .order_by("-order_id")
        .values_list("order_id", flat=True)[:500]
    )
    theirs = (
        visible_orders(user)
        .filter(Q(caller=resident) | Q(pk__in=called_about))
        .select_related("category")
    )
    recent = list(theirs.order_by("-created_at", "-id")[:RECENT_ORDERS])
    if len(recent) < RECENT_ORDERS:
        # Fewer than ten orders in all (most callers): the open ones are among them.
        open_orders = [order for order in recent if order.is_open]
    else:
        open_orders = list(theirs.open().order_by("-created_at", "-id")[:OPEN_ORDERS])
    context["open_orders"] = open_orders
    context["recent_orders"] = recent
    return context


def clock_text(seconds: int) -> str:
    """mm:ss (minutes go past 59 on a long call)."""
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def call_status(call: Call, now=None) -> dict:
    """What the card says about the call itself: ringing, on the call for mm:ss, ended."""
    seconds = None
    if call.state == Call.State.ANSWERED and call.answered_at:
        seconds = max(0, int(((now or timezone.now()) - call.answered_at).total_seconds()))
    elif call.state == Call.State.ENDED:
        seconds = call.duration_seconds
    return {
        "call": call,
        "call_seconds": seconds,
        "call_clock": clock_text(seconds) if seconds is not None else "",
    }


def _call_for(user, pk) -> Call | None:
    if not str(pk or "").isdigit():
        return None
    return Call.objects.visible_to(user).filter(pk=pk).first()


# --- the page ---------------------------------------------------------------------------


def _home_community(user) -> Community | None:
    ids = scope_of(user).all_community_ids()
    return Community.objects.filter(pk=next(iter(ids))).first() if len(ids) == 1 else None


def _intake_context(user, form: IntakeForm, *, step: int, caller=None, call=None) -> dict:
    """The order form at ``step`` with the category list and possible duplicates."""
    categories = list(Category.objects.filter(is_active=True))
    category = form.category_obj if form.is_bound else None
    duplicates = []
    if step >= 2 and category is not None:
        duplicates = _duplicates(user, form, category, caller)
    urgency = form.data.get("urgency") if form.is_bound else ""
    if not urgency and category is not None:
        urgency = category.default_urgency
    return {
        "form": form,
        "step": step,
        "steps": range(1, INTAKE_STEPS + 1),
        "categories": categories,
        "category": category,
        "urgency": urgency,
        "duplicates": duplicates,
        "intake_caller": caller,
        "intake_call": call,
    }


def _duplicates(user, form: IntakeForm, category, caller) -> list[Order]:
    household, building, compound = form.place_parts
    if household is None and building is None and compound is None and caller is not None:
        household = caller.household
    if building is not None:
        compound = building.compound
    community = None
    if household is not None:
        community = household.building.compound.grid.community
    elif compound is not None:
        community = compound.grid.community
    if community is None:
        return []
    found = services.find_duplicates(
        community=community,
        category=category,
        household=household,
        compound=compound,
        text=form.data.get("description", ""),
    )
    visible = set(
        visible_orders(user).filter(pk__in=[o.pk for o in found]).values_list("pk", flat=True)
    )
    return [order for order in found if order.pk in visible]


@roles_required(*DESK_ROLES)
@require_GET
def console(request):
    """The whole console; ``?caller=`` or ``?call=`` opens a caller's card."""
    return _console_page(request, query="")


def _console_page(request, *, query: str):
    # The search query comes only from a POST (see ``search``): a phone number in a
    # URL would stay in browser history and access logs.
    user = request.user
    call = _call_for(user, request.GET.get("call"))
    resident = None
    if str(request.GET.get("caller", "")).isdigit():
        resident = _card_resident(user, request.GET["caller"])
    card = caller_context(user, resident=resident, call=call)
    initial = {"step": 1}
    if card["caller"] is not None:
        initial["caller"] = card["caller"].pk
    if call is not None:
        initial["call"] = call.pk
    form = IntakeForm(user=user, initial=initial)
    results = _search(user, query) if query else None
    context = {
        **card,
        **_intake_context(user, form, step=1, caller=card["caller"], call=call),
        "query": query,
        "results": results,
        "seen_call": _seen_call(user, call),
        "new_resident_form": NewResidentForm(
            user=user, initial={"call": call.pk if call else None}
        ),
        "taken_today": _taken_today(user),
        "created": _created(user, request.GET.get("created")),
        "attached": _created(user, request.GET.get("attached")),
    }
    return render(request, "hotline/console.html", context)


def _seen_call(user, shown: Call | None) -> int:
    """The call the page already knows about, so that the poll pops only a newer one.

    A call still ringing or in progress when the page loads must pop (0); an ended one
    was dealt with already.
    """
    if shown is not None:
        return shown.pk
    latest = telephony.latest_call_id_for(user)
    if latest and Call.objects.filter(pk=latest, state=Call.State.ENDED).exists():
        return latest
    return 0


def _taken_today(user) -> list[Order]:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return list(
        Order.objects.filter(created_by=user, created_at__gte=start)
        .select_related("category")
        .order_by("-created_at", "-id")[:5]
    )


def _created(user, pk) -> Order | None:
    if not str(pk or "").isdigit():
        return None
    return visible_orders(user).filter(pk=pk).select_related("category").first()


# --- the screen-pop poll ------------------------------------------------------------------


@does_not_renew_session
@roles_required(*DESK_ROLES)
@require_GET
def ring(request):
    """Polled every second by the console: 204 while nothing new has rung, else the
    new caller's card (swapped in out of band) and a poller that knows the call."""
    user = request.user
    latest = telephony.latest_call_id_for(user)
    if latest is None or str(latest) == request.GET.get("seen", ""):
        return HttpResponse(status=204)
    call = Call.objects.select_related("community").get(pk=latest)
    context = {
        **caller_context(user, call=call),
        "seen_call": call.pk,
        "popped": True,
        "new_resident_form": NewResidentForm(user=user, initial={"call": call.pk}),
    }
    return render(request, "hotline/partials/ring.html", context)


@does_not_renew_session
@roles_required(*DESK_ROLES)
@require_GET
def call_state(request, pk: int):
    """Polled every second by the call's line on the caller's card: 204 while the call
    is still in the ``state`` the page shows, else the line for its new state (which
    stops polling once the call has ended)."""
    call = get_object_or_404(Call.objects.visible_to(request.user), pk=pk)
    if call.state == request.GET.get("state"):
        return HttpResponse(status=204)
    return render(request, "hotline/partials/call_state.html", call_status(call))


@roles_required(*DESK_ROLES)
@require_GET
def caller_card(request, pk: int):
    """One caller's card (chosen from the search results)."""
    resident = _card_resident(request.user, pk)
    if resident is None:
        return render(request, "404.html", status=404)
    if not request.htmx:
        return HttpResponseRedirect(f"{reverse('hotline:console')}?caller={resident.pk}")
    context = {
        **caller_context(request.user, resident=resident),
        "new_resident_form": NewResidentForm(user=request.user),
    }
    return render(request, "hotline/partials/caller_card.html", context)


@roles_required(*DESK_ROLES)
@require_GET
def call_card(request, pk: int):
    call = get_object_or_404(Call.objects.visible_to(request.user), pk=pk)
    if not request.htmx:
        return HttpResponseRedirect(f"{reverse('hotline:console')}?call={call.pk}")
    context = {
        **caller_context(request.user, call=call),
        "new_resident_form": NewResidentForm(user=request.user, initial={"call": call.pk}),
    }
    return render(request, "hotline/partials/caller_card.html", context)


# --- search, categories, places --------------------------------------------------------


def _search(user, query: str):
    from people.services import search_residents

    return search_residents(acting_user=user, query=query, limit=12)


@roles_required(*DESK_ROLES)
@require_POST
def search(request):
    """The people search box (name, pinyin, initials, phone or its last four, address).

    POSTed, so that phone numbers never appear in URLs, history or access logs.
    """
    query = request.POST.get("q", "").strip()
    if not request.htmx:
        return _console_page(request, query=query)
    results = _search(request.user, query) if query else None
    return render(
        request,
        "hotline/partials/search_results.html",
        {
            "results": results,
            "query": query,
            "may_see_care": policy.can_see_care_tags(request.user),
        },
    )


@roles_required(*DESK_ROLES)
@require_GET
def categories(request):
    """Categories matching what is typed in the category box, for the list under it."""
    found = match_categories(request.GET.get("category", ""), limit=8)
    return render(request, "hotline/partials/category_options.html", {"found": found})


@roles_required(*DESK_ROLES)
@require_GET
def places(request):
    """Places matching what is typed in a place box: 供销巷, 供销巷 3号楼, 供销巷 3-2-401."""
    target = request.GET.get("for", "intake")
    text = request.GET.get("place_text", "")
    found = match_places(request.user, text)
    return render(
        request,
        "hotline/partials/place_options.html",
        {"found": found, "target": target if target in ("intake", "resident") else "intake"},
    )


# --- taking the order -------------------------------------------------------------------


def _render_intake(request, form, *, step: int, status: int = 200):
    caller = form.cleaned_data.get("caller") if hasattr(form, "cleaned_data") else None
    call = form.cleaned_data.get("call") if hasattr(form, "cleaned_data") else None
    context = _intake_context(request.user, form, step=step, caller=caller, call=call)
    if request.htmx:
        return render(request, "hotline/partials/intake_form.html", context, status=status)
    card = caller_context(request.user, resident=caller, call=call)
    context.update(card)
    context.update(
        {
            "seen_call": call.pk if call else 0,
            "new_resident_form": NewResidentForm(user=request.user),
            "taken_today": _taken_today(request.user),
        }
    )
    return render(request, "hotline/console.html", context, status=status)


def _console_url(**params) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return reverse("hotline:console") + (f"?{query}" if query else "")


@roles_required(*DESK_ROLES)
@require_POST
def intake(request):
    """One step of taking an order. Steps 1 and 2 answer with the next step; step 3
    creates the order (or says plainly why not, keeping everything typed)."""
    form = IntakeForm(request.POST, user=request.user)
    if not form.is_valid():
        return _render_intake(request, form, step=form.first_error_step(), status=422)
    data = form.cleaned_data
    if data["step"] < INTAKE_STEPS:
        return _render_intake(request, form, step=data["step"] + 1)
    caller, call = data["caller"], data["call"]
    contact_phone = data["contact_phone"]
    if caller is None and call is not None and not contact_phone:
        # An unknown number: the number the call came from is the one to call back.
        contact_phone = call.reveal()
    location_text = ""
    if not any(form.place_parts):
        location_text = data["place_text"]
    try:
        order = services.create_order(
            acting_user=request.user,
            category=form.category_obj,
            description=data["description"],
            caller=caller,
            household=form.household,
            building=form.building,
            compound=form.compound,
            location_text=location_text,
            urgency=data["urgency"] or None,
            channel=data["channel"] or Order.Channel.PHONE,
            call=call,
            contact_name=data["contact_name"],
            contact_phone=contact_phone,
            solved_on_call=data["solved_on_call"],
            resolution=data["resolution"],
            community=call.community if call is not None else None,
        )
    except ServiceError as exc:
        form.add_error(None, str(exc))
        # A fragment answers 422 whatever the refusal was, so that htmx swaps it in
        # with the message on the form; a whole page keeps the service's status.
        status = 422 if request.htmx else getattr(exc, "status", 400)
        return _render_intake(request, form, step=INTAKE_STEPS, status=status)
    # The console confirms the order itself, next to the form, with a link to it (see
    # ``created`` in ``console``): a flash message as well would say it twice.
    url = _console_url(
        caller=caller.pk if caller else "", call=call.pk if call else "", created=order.pk
    )
    return redirect_after_post(request, url)


@roles_required(*DESK_ROLES)
@require_POST
def attach(request, pk: int):
    """The caller is about an order already open: attach them to it instead."""
    order = get_object_or_404(visible_orders(request.user), pk=pk)
    form = IntakeForm(request.POST, user=request.user)
    form.is_valid()  # only the caller, the call and the words are needed here
    data = getattr(form, "cleaned_data", {})
    caller, call = data.get("caller"), data.get("call")
    phone = data.get("contact_phone", "")
    if caller is None and call is not None and not phone:
        phone = call.reveal()
    back = {"caller": caller.pk if caller else "", "call": call.pk if call else ""}
    try:
        services.attach_caller(
            acting_user=request.user,
            order=order,
            caller=caller,
            name=data.get("contact_name", ""),
            phone=phone,
            call=call,
            note=(data.get("description") or "")[:500],
        )
    except ServiceError as exc:
        report_error(request, exc)
        return redirect_after_post(request, _console_url(**back))
    return redirect_after_post(request, _console_url(**back, attached=order.pk))


@roles_required(*DESK_ROLES)
@require_POST
def new_resident(request):
    """Register an unknown caller as a resident in the middle of the call."""
    from people.services import create_resident

    form = NewResidentForm(request.POST, user=request.user)
    call = None
    if form.is_valid():
        data = form.cleaned_data
        call = data["call"]
        number = data["phone"] or (call.reveal() if call is not None else "")
        household = form.household
        community = (
            household.building.compound.grid.community
            if household is not None
            else (call.community if call is not None else _home_community(request.user))
        )
        if community is None:
            form.add_error(None, _("Choose the caller's household."))
        else:
            try:
                resident = create_resident(
                    acting_user=request.user,
                    community=community,
                    name=data["name"],
                    household=household,
                    relation=data["relation"] or None,
                    phones=[(number, "本人")] if number else [],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    target = {"phones": "phone", "household": "place_text"}.get(field, field)
                    form.add_error(target if target in form.fields else None, errors)
            except ServiceError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("%(name)s was added to the registry.") % {"name": resident.name}
                )
                if not request.htmx:
                    return HttpResponseRedirect(
                        _console_url(caller=resident.pk, call=call.pk if call else "")
                    )
                # Swap only the card, so an order half typed on the right survives.
                resident = _card_resident(request.user, resident.pk)
                context = {
                    **caller_context(request.user, resident=resident, call=call),
                    "new_resident_form": NewResidentForm(user=request.user),
                }
                return render(request, "hotline/partials/caller_card.html", context)
    context = {
        **caller_context(request.user, call=call),
        "new_resident_form": form,
        "open_new_resident": True,
    }
    if not request.htmx:
        intake_form = IntakeForm(user=request.user, initial={"step": 1})
        context.update(_intake_context(request.user, intake_form, step=1, call=call))
        context.update(
            {"seen_call": call.pk if call else 0, "taken_today": _taken_today(request.user)}
        )
        return render(request, "hotline/console.html", context, status=422)
    return render(request, "hotline/partials/caller_card.html", context, status=422)
