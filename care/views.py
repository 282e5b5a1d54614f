"""Care pages: today's check-ins, the grid worker's day, the overview, plans, alerts,
home visits, volunteers, recurring problems and the seasonal look-ahead.

Views only parse input, call ``care.services`` and render; out-of-scope objects answer
404 through the ``visible_to`` querysets.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role, User
from accounts.scopes import scope_filter, scope_of
from care import forms, selectors, services
from care.models import (
    CARE_STAFF_ROLES,
    COMMUNITY_ROLES,
    CareAlert,
    CarePlan,
    CareSettings,
    CheckIn,
    HomeVisit,
    PlanItem,
    RecurringProblem,
    Season,
    ServiceHours,
    VisitFinding,
    VisitPhoto,
)
from linli.lib.errors import NotFound, ServiceError
from people.policy import can_see_care_tags

VISIT_ROLES = (Role.GRID_WORKER, *COMMUNITY_ROLES)


def _require(request, *roles) -> None:
    user = request.user
    if not (user.is_superuser or user.has_role(*roles)):
        raise PermissionDenied


def _is_staff(user) -> bool:
    return user.is_superuser or user.has_role(*CARE_STAFF_ROLES)


def _is_office(user) -> bool:
    return user.is_superuser or user.has_role(*COMMUNITY_ROLES)


def _back(request, fallback: str):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def _visible_grids(user):
    from places.models import Grid

    return Grid.objects.filter(
        scope_filter(user, community_path="community", grid_path="", roles=CARE_STAFF_ROLES)
    ).select_related("community")


def _visible_households(user):
    from places.models import Household

    return Household.objects.filter(
        scope_filter(
            user,
            community_path="building__compound__grid__community",
            grid_path="building__compound__grid",
            roles=CARE_STAFF_ROLES,
        )
    )


def _visible_orders(user):
    from hotline.models import Order

    return Order.objects.filter(
        scope_filter(
            user,
            community_path="community",
            grid_path="grid",
            compound_path="compound",
            roles=CARE_STAFF_ROLES,
        )
    )


def _settings_for(user) -> CareSettings | None:
    from places.models import Community

    ids = scope_of(user, CARE_STAFF_ROLES).all_community_ids()
    community = Community.objects.filter(id__in=ids).order_by("code").first()
    return CareSettings.for_community(community) if community else None


def _filtered(form, extra: dict) -> dict:
    """The context every filtered list shares: the form, its query string for the pager
    and the filters in words for the printed heading."""
    return {"filters": form, "filter_query": form.query(), "described": form.describe(), **extra}


# --- Today's check-ins ---------------------------------------------------------------------


@require_GET
def today(request):
    """The residents to call or visit today, with the two-tap outcome buttons."""
    _require(request, *CARE_STAFF_ROLES, Role.VOLUNTEER)
    day = timezone.localdate()
    user = request.user
    mine = list(selectors.check_ins_for(user, day))
    kept = list(selectors.check_ins_kept_by_staff(user, day)) if _is_office(user) else []
    return render(
        request,
        "care/today.html",
        {"day": day, "mine": mine, "kept": kept, "show_tags": _is_staff(user)},
    )


def _row_context(request, item, day, *, error: str = "", kept: bool = False):
    return {
        "item": item,
        "day": day,
        "show_tags": _is_staff(request.user),
        "error": error,
        "kept": kept,
        "next": request.POST.get("next", ""),
    }


@require_POST
@never_cache
def call(request, pk: int, phone_pk: int):
    """The full number of one of the resident's phones, for the person who holds the
    plan to make the check-in call: a tap-to-call link in place of the masked number
    (htmx), or a page of its own without script. The service logs the look."""
    from people.models import Phone

    _require(request, *CARE_STAFF_ROLES, Role.VOLUNTEER)
    plan = get_object_or_404(
        CarePlan.objects.visible_to(request.user).select_related("resident"), pk=pk
    )
    phone = get_object_or_404(Phone, pk=phone_pk, resident_id=plan.resident_id)
    number, error, status = "", "", 200
    try:
        number = services.phone_to_call(acting_user=request.user, plan=plan, phone=phone)
    except NotFound as exc:
        raise Http404 from exc
    except ServiceError as exc:
        error, status = exc.message, exc.status
    context = {"plan": plan, "resident": plan.resident, "phone": phone, "number": number}
    if request.htmx:
        return render(
            request, "care/partials/phone.html", {**context, "error": error}, status=status
        )
    if error:
        messages.error(request, error)
        return redirect("care:today")
    return render(request, "care/call.html", context)


@require_POST
def record(request, pk: int):
    """Record a check-in from a row of today's list (htmx swaps the row in place)."""
    _require(request, *CARE_STAFF_ROLES, Role.VOLUNTEER)
    item = get_object_or_404(
        PlanItem.objects.visible_to(request.user).select_related("plan__responsible_volunteer"),
        pk=pk,
    )
    form = forms.CheckInForm(request.POST)
    error = ""
    kept = bool(form.data.get("for_volunteer"))
    if not form.is_valid():
        error = _("Choose fine, needs help or no answer.")
    else:
        volunteer = item.plan.responsible_volunteer
        done_by = None
        if form.cleaned_data["for_volunteer"] and volunteer is not None and not volunteer.user_id:
            done_by = volunteer
        try:
            check_in = services.record_check_in(
                acting_user=request.user,
                plan=item.plan,
                kind=item.kind,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                done_by=done_by,
            )
        except ServiceError as exc:
            error = exc.message
        else:
            if not request.htmx:
                messages.success(request, _message_for(check_in))
    if request.htmx:
        day = timezone.localdate()
        fresh = selectors._with_rows(PlanItem.objects.filter(pk=item.pk), day).first()
        return render(
            request,
            "care/partials/check_in_row.html",
            _row_context(request, fresh, day, error=error, kept=kept),
        )
    if error:
        messages.error(request, error)
    return _back(request, reverse("care:today"))


def _message_for(check_in: CheckIn) -> str:
    name = check_in.plan.resident.name
    if check_in.outcome == CheckIn.Outcome.NEEDS_HELP and check_in.order_id:
        return _("Recorded: %(name)s needs help; order %(number)s was opened.") % {
            "name": name,
            "number": check_in.order.number,
        }
    return _("Recorded: %(name)s — %(outcome)s.") % {
        "name": name,
        "outcome": check_in.get_outcome_display(),
    }


@require_GET
def check_ins(request):
    """The check-ins made, newest first: who was called or visited, with what outcome,
    by whom. A volunteer sees those of the residents they look after."""
    _require(request, *CARE_STAFF_ROLES, Role.VOLUNTEER)
    user = request.user
    filters = forms.CheckInFilterForm(
        request.GET or None, user=user, show_tags=can_see_care_tags(user)
    )
    qs = (
        filters.apply(CheckIn.objects.visible_to(user))
        .select_related(
            "plan__resident__household__building__compound", "recorded_by", "done_by", "order"
        )
        .order_by("-at", "-id")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "care/check_ins.html",
        _filtered(filters, {"page": page, "staff": _is_staff(user)}),
    )


# --- The grid worker's day -----------------------------------------------------------------


@require_GET
def day(request):
    """One mobile page: today's check-ins, alerts, open orders by due time, planned visits."""
    _require(request, *CARE_STAFF_ROLES)
    from hotline.models import Order

    user = request.user
    today_ = timezone.localdate()
    check_ins = list(selectors.check_ins_for(user, today_))
    alerts = list(
        CareAlert.objects.visible_to(user)
        .open()
        .select_related("plan__resident__household__building__compound")
        .order_by("due_at")
    )
    orders = list(
        Order.objects.filter(
            assignee_user=user,
            state__in=(Order.State.DISPATCHED, Order.State.ACCEPTED, Order.State.IN_PROGRESS),
        )
        .select_related(
            "category", "household__building__compound", "building__compound", "compound"
        )
        .order_by(F("resolution_due").asc(nulls_last=True), "created_at")[:50]
    )
    visits = list(
        HomeVisit.objects.visible_to(user)
        .planned()
        .filter(visitor=user, planned_for__lte=today_)
        .select_related("household__building__compound")
        .order_by("planned_for", "id")
    )
    problems = list(
        RecurringProblem.objects.visible_to(user)
        .open()
        .filter(assignee=user)
        .select_related(
            "category", "compound", "building__compound", "household__building__compound"
        )
    )
    return render(
        request,
        "care/day.html",
        {
            "day": today_,
            "check_ins": check_ins,
            "alerts": alerts,
            "orders": orders,
            "visits": visits,
            "problems": problems,
            "seasons": selectors.seasons_shown(today_),
            "now": timezone.now(),
            "show_tags": True,
        },
    )


# --- Overview (leaders, operators) -----------------------------------------------------------


@require_GET
def overview(request):
    """Care in the leader's scope: coverage by grid, missed check-ins, alerts, cards."""
    _require(request, *COMMUNITY_ROLES)
    user = request.user
    today_ = timezone.localdate()
    plans = CarePlan.objects.visible_to(user)
    coverage = selectors.checkin_coverage(plans, today_)
    settings = _settings_for(user)
    months = settings.visit_coverage_months if settings else 6
    visited, households = selectors.visited_share(_visible_households(user), today_, months)
    missed = list(selectors.missed_check_ins(plans, today_)[:30])
    alerts = list(
        CareAlert.objects.visible_to(user)
        .open()
        .select_related("plan__resident", "grid")
        .order_by("due_at")[:30]
    )
    problems = list(
        RecurringProblem.objects.visible_to(user)
        .open()
        .select_related(
            "category",
            "compound",
            "building__compound",
            "household__building__compound",
            "assignee",
        )[:20]
    )
    return render(
        request,
        "care/overview.html",
        {
            "day": today_,
            "coverage": coverage,
            "by_grid": selectors.coverage_by_grid(plans, today_),
            "missed": missed,
            "alerts": alerts,
            "problems": problems,
            "visited": visited,
            "households": households,
            "visit_percent": round(100 * visited / households) if households else None,
            "months": months,
            "unassigned": plans.active()
            .filter(responsible_user__isnull=True, responsible_volunteer__isnull=True)
            .count(),
            "seasons": selectors.seasons_shown(today_),
        },
    )


# --- Plans ---------------------------------------------------------------------------------------


@require_GET
def plans(request):
    """Every care plan in scope, filtered by what the URL says (active plans by default)."""
    _require(request, *CARE_STAFF_ROLES)
    user = request.user
    today_ = timezone.localdate()
    filters = forms.PlanFilterForm(
        request.GET or None, user=user, show_tags=can_see_care_tags(user), today=today_
    )
    qs = (
        filters.apply(CarePlan.objects.visible_to(user))
        .select_related(
            "resident__household__building__compound",
            "responsible_user",
            "responsible_volunteer",
            "grid",
        )
        .prefetch_related("items", "resident__care_tags")
        .order_by("grid__number", "resident__name", "id")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    communities = scope_of(user, COMMUNITY_ROLES).all_community_ids() if _is_office(user) else ()
    return render(
        request,
        "care/plans.html",
        _filtered(
            filters,
            {
                "page": page,
                "day": today_,
                "can_generate": bool(communities) or user.is_superuser,
            },
        ),
    )


@require_POST
def generate(request):
    """Make plans for every resident with care tags in the office's community."""
    _require(request, *COMMUNITY_ROLES)
    from places.models import Community

    ids = scope_of(request.user, COMMUNITY_ROLES).all_community_ids()
    communities = Community.objects.filter(id__in=ids) if ids else Community.objects.none()
    if request.user.is_superuser and not ids:
        communities = Community.objects.all()
    totals = {"created": 0, "updated": 0, "deactivated": 0}
    try:
        for community in communities:
            counts = services.generate_plans(acting_user=request.user, community=community)
            for key in totals:
                totals[key] += counts[key]
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Plans made: %(created)s new, %(updated)s updated, %(deactivated)s switched off.")
            % totals,
        )
    return redirect("care:plans")


def _plan_or_404(request, pk: int) -> CarePlan:
    return get_object_or_404(
        CarePlan.objects.visible_to(request.user).select_related(
            "resident__household__building__compound__grid",
            "responsible_user",
            "responsible_volunteer",
            "grid",
            "community",
        ),
        pk=pk,
    )


def _responsible_choices(plan: CarePlan):
    from people.models import Volunteer

    users = (
        User.objects.filter(is_active=True)
        .filter(
            Q(grants__role=Role.GRID_WORKER, grants__grid_id=plan.grid_id)
            | Q(
                grants__role__in=(Role.OPERATOR, Role.LEADER),
                grants__community_id=plan.community_id,
            )
        )
        .distinct()
        .order_by("display_name", "username")
    )
    volunteers = Volunteer.objects.filter(community_id=plan.community_id, is_active=True).order_by(
        "name"
    )
    return list(users), list(volunteers)


@require_GET
def plan_detail(request, pk: int):
    _require(request, *CARE_STAFF_ROLES, Role.VOLUNTEER)
    plan = _plan_or_404(request, pk)
    staff = (
        _is_staff(request.user) and services._staff_plans(request.user).filter(pk=plan.pk).exists()
    )
    check_ins = plan.check_ins.select_related("recorded_by", "done_by", "order")[:30]
    context = {
        "plan": plan,
        "items": plan.items.order_by("kind"),
        "check_ins": check_ins,
        "alerts": plan.alerts.select_related("handled_by")[:10],
        "staff": staff,
        "show_tags": _is_staff(request.user),
        "tags": plan.resident.care_tags.all(),
        "phones": plan.resident.phones.all(),
        "day": timezone.localdate(),
        "kinds": PlanItem._meta.get_field("kind").choices,
    }
    if staff:
        users, volunteers = _responsible_choices(plan)
        current = (
            f"user:{plan.responsible_user_id}"
            if plan.responsible_user_id
            else f"volunteer:{plan.responsible_volunteer_id}"
            if plan.responsible_volunteer_id
            else ""
        )
        context["assign_form"] = forms.AssignForm(
            initial={"responsible": current}, users=users, volunteers=volunteers
        )
        context["contact_form"] = forms.ContactForm()
    return render(request, "care/plan_detail.html", context)


@require_POST
def plan_check_in(request, pk: int):
    """Record a call or a visit from the plan's page (e.g. the visit after an alert)."""
    _require(request, *CARE_STAFF_ROLES, Role.VOLUNTEER)
    plan = _plan_or_404(request, pk)
    form = forms.CheckInForm(request.POST)
    if not form.is_valid() or not form.cleaned_data.get("kind"):
        messages.error(request, _("Choose the contact and its outcome."))
        return redirect("care:plan", pk=plan.pk)
    try:
        check_in = services.record_check_in(
            acting_user=request.user,
            plan=plan,
            kind=form.cleaned_data["kind"],
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _message_for(check_in))
    return redirect("care:plan", pk=plan.pk)


@require_POST
def plan_assign(request, pk: int):
    _require(request, *CARE_STAFF_ROLES)
    plan = _plan_or_404(request, pk)
    users, volunteers = _responsible_choices(plan)
    form = forms.AssignForm(request.POST, users=users, volunteers=volunteers)
    if not form.is_valid():
        messages.error(request, _("Choose someone from the list."))
        return redirect("care:plan", pk=plan.pk)
    user, volunteer = form.chosen()
    try:
        services.assign_responsible(
            acting_user=request.user, plan=plan, user=user, volunteer=volunteer
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The person responsible was changed."))
    return redirect("care:plan", pk=plan.pk)


@require_POST
def plan_contact(request, pk: int):
    _require(request, *CARE_STAFF_ROLES)
    plan = _plan_or_404(request, pk)
    form = forms.ContactForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the interval and the date."))
        return redirect("care:plan", pk=plan.pk)
    try:
        services.set_plan_contact(
            acting_user=request.user,
            plan=plan,
            kind=form.cleaned_data["kind"],
            every_days=form.cleaned_data["every_days"],
            next_due=form.cleaned_data["next_due"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The schedule was changed."))
    return redirect("care:plan", pk=plan.pk)


@require_POST
def plan_active(request, pk: int):
    _require(request, *CARE_STAFF_ROLES)
    plan = _plan_or_404(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_plan_active(
            acting_user=request.user, plan=plan, active=active, note=request.POST.get("note", "")
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The plan was resumed.") if active else _("The plan was paused.")
        )
    return redirect("care:plan", pk=plan.pk)


# --- Alerts ---------------------------------------------------------------------------------------


@require_GET
def alerts(request):
    """Open alerts by when to act, then the handled ones, newest first (paged)."""
    _require(request, *CARE_STAFF_ROLES)
    filters = forms.AlertFilterForm(request.GET or None, user=request.user)
    qs = filters.apply(CareAlert.objects.visible_to(request.user)).select_related(
        "plan__resident__household__building__compound", "grid", "handled_by"
    )
    open_alerts = list(qs.open().order_by("due_at")) if filters.shows("open") else None
    handled = None
    if filters.shows("handled"):
        handled = Paginator(
            qs.filter(state=CareAlert.State.HANDLED).order_by("-handled_at", "-id"), 30
        ).get_page(request.GET.get("page"))
    return render(
        request,
        "care/alerts.html",
        _filtered(
            filters,
            {"open_alerts": open_alerts, "page": handled, "now": timezone.now()},
        ),
    )


@require_POST
def alert_close(request, pk: int):
    _require(request, *CARE_STAFF_ROLES)
    alert = get_object_or_404(CareAlert.objects.visible_to(request.user), pk=pk)
    form = forms.NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done."))
    else:
        try:
            services.close_alert(
                acting_user=request.user, alert=alert, note=form.cleaned_data["note"]
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The alert was closed."))
    return _back(request, reverse("care:alerts"))


# --- Home visits ----------------------------------------------------------------------------------


@require_GET
def visits(request):
    """Planned visits by day, then recorded visits, newest first (paged)."""
    _require(request, *VISIT_ROLES)
    filters = forms.VisitFilterForm(request.GET or None, user=request.user)
    qs = filters.apply(HomeVisit.objects.visible_to(request.user)).select_related(
        "household__building__compound", "visitor"
    )
    planned = (
        list(qs.planned().order_by("planned_for", "id")[:50]) if filters.shows("planned") else None
    )
    done = None
    if filters.shows("done"):
        done = Paginator(
            qs.done().prefetch_related("findings").order_by("-visited_at", "-id"), 30
        ).get_page(request.GET.get("page"))
    return render(
        request, "care/visits.html", _filtered(filters, {"planned": planned, "page": done})
    )


@require_GET
def coverage(request):
    """Households of a grid not visited in the last N months, in the order to visit them."""
    _require(request, *VISIT_ROLES)
    grids = list(_visible_grids(request.user).order_by("community__code", "number"))
    grid_id = request.GET.get("grid", "")
    grid = next((g for g in grids if str(g.pk) == grid_id), grids[0] if grids else None)
    if grid_id and (grid is None or str(grid.pk) != grid_id):
        raise Http404
    rows = []
    months = 6
    if grid is not None:
        months = CareSettings.for_community(grid.community).visit_coverage_months
        households = _visible_households(request.user).filter(building__compound__grid=grid)
        rows = selectors.visit_coverage(households, timezone.localdate(), months)
    return render(
        request,
        "care/coverage.html",
        {
            "grids": grids,
            "grid": grid,
            "rows": rows,
            "months": months,
            "plan_form": forms.PlanVisitForm(),
        },
    )


def _household_or_404(request, pk: int):
    return get_object_or_404(
        _visible_households(request.user).select_related("building__compound__grid"), pk=pk
    )


def visit_new(request, household_pk: int):
    """Log a visit to a household (or carry out a planned one: ``?visit=``)."""
    _require(request, *VISIT_ROLES)
    from people.models import Resident

    household = _household_or_404(request, household_pk)
    planned = None
    visit_id = request.GET.get("visit") or request.POST.get("visit")
    if visit_id and str(visit_id).isdigit():
        planned = get_object_or_404(
            HomeVisit.objects.visible_to(request.user).planned(),
            pk=int(visit_id),
            household=household,
        )
    residents = Resident.objects.filter(household=household, moved_away_on__isnull=True).order_by(
        "name"
    )
    if request.method == "POST":
        form = forms.VisitForm(request.POST, residents=residents)
        if form.is_valid():
            try:
                visit = services.log_visit(
                    acting_user=request.user,
                    household=household,
                    summary=form.cleaned_data["summary"],
                    met_note=form.cleaned_data["met_note"],
                    met_residents=form.cleaned_data.get("met_residents") or (),
                    findings=form.finding_lines(),
                    visit=planned,
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The visit was recorded."))
                return redirect("care:visit", pk=visit.pk)
    elif request.method == "GET":
        form = forms.VisitForm(residents=residents)
    else:
        return HttpResponse(status=405)
    last = HomeVisit.objects.filter(household=household).done().select_related("visitor").first()
    return render(
        request,
        "care/visit_form.html",
        {"household": household, "form": form, "planned": planned, "last": last},
    )


@require_POST
def visit_plan(request, household_pk: int):
    _require(request, *VISIT_ROLES)
    household = _household_or_404(request, household_pk)
    form = forms.PlanVisitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a date."))
    else:
        try:
            services.plan_visit(
                acting_user=request.user, household=household, on_date=form.cleaned_data["on_date"]
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("A visit to %(place)s is planned for %(day)s.")
                % {"place": household.address, "day": form.cleaned_data["on_date"]},
            )
    return _back(request, reverse("care:visits"))


def _visit_or_404(request, pk: int) -> HomeVisit:
    return get_object_or_404(
        HomeVisit.objects.visible_to(request.user).select_related(
            "household__building__compound__grid", "visitor", "planned_by"
        ),
        pk=pk,
    )


@require_GET
def visit_detail(request, pk: int):
    _require(request, *VISIT_ROLES)
    visit = _visit_or_404(request, pk)
    return render(
        request,
        "care/visit_detail.html",
        {
            "visit": visit,
            "findings": visit.findings.select_related("order"),
            "met": visit.met_residents.all(),
            "photos": visit.photos.all(),
            "order_form": forms.FindingOrderForm(),
            "finding_form": forms.FindingForm(),
            "photo_form": forms.PhotoForm(),
        },
    )


@require_POST
def visit_finding(request, pk: int):
    _require(request, *VISIT_ROLES)
    visit = _visit_or_404(request, pk)
    form = forms.FindingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Describe what was found."))
    else:
        try:
            services.add_finding(
                acting_user=request.user, visit=visit, text=form.cleaned_data["text"]
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
    return redirect("care:visit", pk=visit.pk)


@require_POST
def finding_order(request, pk: int):
    """One step from a visit's finding to a hotline order."""
    _require(request, *VISIT_ROLES)
    finding = get_object_or_404(
        VisitFinding.objects.filter(
            visit__in=HomeVisit.objects.visible_to(request.user)
        ).select_related("visit"),
        pk=pk,
    )
    form = forms.FindingOrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a category."))
    else:
        try:
            order = services.order_from_finding(
                acting_user=request.user,
                finding=finding,
                category=form.cleaned_data["category"],
                urgency=form.cleaned_data["urgency"] or None,
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Order %(number)s was opened.") % {"number": order.number})
    return redirect("care:visit", pk=finding.visit_id)


@require_POST
def visit_photo(request, pk: int):
    _require(request, *VISIT_ROLES)
    visit = _visit_or_404(request, pk)
    form = forms.PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a photo (JPEG or PNG)."))
    else:
        try:
            services.add_visit_photo(
                acting_user=request.user,
                visit=visit,
                upload=form.cleaned_data["photo"],
                caption=form.cleaned_data["caption"],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The photo was added."))
    return redirect("care:visit", pk=visit.pk)


@require_GET
def visit_photo_file(request, pk: int):
    """A visit's photo, only for those who may see the visit (MEDIA_ROOT is never public)."""
    from linli.lib import uploads

    _require(request, *VISIT_ROLES)
    photo = get_object_or_404(
        VisitPhoto.objects.filter(visit__in=HomeVisit.objects.visible_to(request.user)), pk=pk
    )
    return uploads.serve_image(photo.path, filename=f"visit-{photo.visit_id}-{photo.pk}.jpg")


# --- Volunteers -----------------------------------------------------------------------------------


@require_GET
def volunteers(request):
    """The service team: skills, availability, hours and current load."""
    _require(request, *CARE_STAFF_ROLES)
    from people.models import Volunteer

    qs = selectors.volunteer_rows(Volunteer.objects.visible_to(request.user)).order_by(
        "-is_active", "name"
    )
    skill = request.GET.get("skill", "")
    rows = list(qs)
    if skill in Volunteer.Skill.values:
        # Skills are a JSON list; SQLite cannot test list membership, and the team is
        # small enough to filter here.
        rows = [v for v in rows if skill in (v.skills or [])]
    labels = dict(Volunteer.Skill.choices)
    for volunteer in rows:
        volunteer.skill_labels = [labels.get(s, s) for s in volunteer.skills or []]
    return render(
        request,
        "care/volunteers.html",
        {"volunteers": rows, "skills": Volunteer.Skill.choices, "skill": skill},
    )


@require_GET
def volunteer_detail(request, pk: int):
    _require(request, *CARE_STAFF_ROLES)
    from people.models import Volunteer

    volunteer = get_object_or_404(
        selectors.volunteer_rows(Volunteer.objects.visible_to(request.user)), pk=pk
    )
    year_start = timezone.localdate().replace(month=1, day=1)
    lines = Paginator(
        ServiceHours.objects.filter(volunteer=volunteer).select_related("order", "recorded_by"), 50
    ).get_page(request.GET.get("page"))
    labels = dict(Volunteer.Skill.choices)
    return render(
        request,
        "care/volunteer_detail.html",
        {
            "volunteer": volunteer,
            "skill_labels": [labels.get(s, s) for s in volunteer.skills or []],
            "lines": lines,
            "totals": selectors.hours_by_source(volunteer),
            "year_totals": selectors.hours_by_source(volunteer, since=year_start),
            "plans": CarePlan.objects.visible_to(request.user)
            .filter(responsible_volunteer=volunteer, is_active=True)
            .select_related("resident"),
            "form": forms.HoursForm(initial={"on_date": timezone.localdate()})
            if _is_office(request.user)
            else None,
        },
    )


@require_POST
def volunteer_hours(request, pk: int):
    _require(request, *COMMUNITY_ROLES)
    from people.models import Volunteer

    volunteer = get_object_or_404(Volunteer.objects.visible_to(request.user), pk=pk)
    form = forms.HoursForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the date, the hours and what they were for."))
    else:
        try:
            services.add_service_hours(
                acting_user=request.user,
                volunteer=volunteer,
                on_date=form.cleaned_data["on_date"],
                minutes=form.minutes(),
                note=form.cleaned_data["note"],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The hours were added."))
    return redirect("care:volunteer", pk=volunteer.pk)


# --- Recurring problems ----------------------------------------------------------------------------


_CARD_RELATED = (
    "category",
    "compound",
    "building__compound",
    "household__building__compound",
    "assignee",
    "grid",
)


@require_GET
def problems(request):
    _require(request, *CARE_STAFF_ROLES)
    qs = RecurringProblem.objects.visible_to(request.user).select_related(*_CARD_RELATED)
    show_closed = request.GET.get("show") == "closed"
    qs = qs.filter(state=RecurringProblem.State.CLOSED) if show_closed else qs.open()
    page = Paginator(qs.order_by("-last_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "care/problems.html", {"page": page, "show_closed": show_closed})


def _problem_or_404(request, pk: int) -> RecurringProblem:
    return get_object_or_404(
        RecurringProblem.objects.visible_to(request.user).select_related(
            *_CARD_RELATED, "acknowledged_by", "closed_by"
        ),
        pk=pk,
    )


def _assignable(card: RecurringProblem):
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(grants__role=Role.GRID_WORKER, grants__grid_id=card.grid_id)
            | Q(grants__role__in=COMMUNITY_ROLES, grants__community_id=card.community_id)
        )
        .distinct()
        .order_by("display_name", "username")
    )


@require_GET
def problem_detail(request, pk: int):
    _require(request, *CARE_STAFF_ROLES)
    card = _problem_or_404(request, pk)
    orders = card.orders.select_related(
        "category", "household__building__compound", "building__compound", "compound"
    ).order_by("created_at")
    office = _is_office(request.user)
    return render(
        request,
        "care/problem_detail.html",
        {
            "card": card,
            "orders": orders,
            "office": office,
            "assign_form": forms.AssignProblemForm(users=_assignable(card)) if office else None,
            "may_close": office or card.assignee_id == request.user.pk,
        },
    )


@require_POST
def problem_action(request, pk: int, action: str):
    _require(request, *CARE_STAFF_ROLES)
    card = _problem_or_404(request, pk)
    try:
        if action == "acknowledge":
            services.acknowledge_problem(acting_user=request.user, card=card)
            messages.success(request, _("The card was acknowledged."))
        elif action == "assign":
            form = forms.AssignProblemForm(request.POST, users=_assignable(card))
            if not form.is_valid():
                raise ServiceError(_("Choose someone from the list."))
            services.assign_problem(
                acting_user=request.user, card=card, assignee=form.cleaned_data["assignee"]
            )
            messages.success(request, _("The card was assigned."))
        elif action == "close":
            services.close_problem(
                acting_user=request.user, card=card, note=request.POST.get("note", "")
            )
            messages.success(request, _("The card was closed."))
        else:
            raise Http404
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("care:problem", pk=card.pk)


# --- Seasonal look-ahead ------------------------------------------------------------------------------


@require_GET
def season(request):
    """Places with past leak, drain and road orders, to check before the season."""
    _require(request, *VISIT_ROLES)
    today_ = timezone.localdate()
    seasons = list(Season.objects.filter(is_active=True).prefetch_related("categories"))
    chosen = None
    season_id = request.GET.get("season", "")
    if season_id.isdigit():
        chosen = next((s for s in seasons if s.pk == int(season_id)), None)
    if chosen is None:
        shown = [s for s in seasons if s.is_shown(today_)]
        chosen = (shown or seasons or [None])[0]
    places = []
    occurrence = None
    if chosen is not None:
        occurrence = chosen.occurrence(today_)
        places = selectors.seasonal_places(_visible_orders(request.user), chosen, today_)
    return render(
        request,
        "care/season.html",
        {
            "seasons": seasons,
            "season": chosen,
            "places": places,
            "occurrence": occurrence,
            "is_shown": chosen.is_shown(today_) if chosen else False,
            "day": today_,
        },
    )


@require_POST
def season_check(request, pk: int):
    _require(request, *VISIT_ROLES)
    from places.models import Building, Compound, Household

    chosen = get_object_or_404(Season.objects.filter(is_active=True), pk=pk)
    form = forms.SeasonCheckForm(request.POST)
    target = f"{reverse('care:season')}?season={chosen.pk}"
    if not form.is_valid():
        messages.error(request, _("Choose a place."))
        return redirect(target)
    data = form.cleaned_data
    compound = get_object_or_404(Compound.objects.visible_to(request.user), pk=data["compound"])
    building = (
        get_object_or_404(Building.objects.filter(compound=compound), pk=data["building"])
        if data["building"]
        else None
    )
    household = (
        get_object_or_404(Household.objects.filter(building=building), pk=data["household"])
        if data["household"] and building is not None
        else None
    )
    try:
        services.record_season_check(
            acting_user=request.user,
            season=chosen,
            compound=compound,
            building=building,
            household=household,
            note=data["note"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Marked as checked."))
    return redirect(target)
