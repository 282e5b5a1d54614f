"""The insights pages: the dashboard, the rates by place or person, the orders behind
any figure (and their export), and the monthly report.

Views only read: every figure comes from ``insights.figures`` over the rollups, and
the one write (the export's audit row) goes through ``insights.services``.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from hotline.models import Category, Order
from insights import dashboard as dashboard_data
from insights import report as report_data
from insights import services
from insights.access import FIGURE_ROLES, LIST_ROLES, reach_for
from insights.figures import RATES, Totals, grouped
from insights.filters import METRIC_LABELS, Filters, Period, metric_q, resolve
from insights.models import AssigneeKind, CommunityMonthCount, DayCount, MonthCount, OrderFact
from places.models import Compound, Grid

PAGE_SIZE = 50

ROW_RELATED = (
    "category",
    "grid",
    "compound",
    "assignee_user",
    "assignee_volunteer",
    "assignee_provider",
    "assignee_unit",
)


def filter_choices(
    filters: Filters, *, compounds: bool = False, categories: bool = False, assignees: bool = False
) -> dict:
    """The options of the filter bar: communities, grids (and compounds), categories."""
    reach = filters.reach
    communities = (
        list(reach.communities()) if reach.everything or len(reach.community_ids) > 1 else []
    )
    grids: list = []
    community_id = filters.community.pk if filters.community else None
    if community_id is None and not communities and reach.community_ids:
        community_id = next(iter(reach.community_ids))
    if community_id is not None:
        grids = list(Grid.objects.filter(community_id=community_id).order_by("number"))
    compound_list: list = []
    if compounds and filters.grid is not None:
        compound_list = list(Compound.objects.filter(grid=filters.grid).order_by("name"))
    return {
        "communities": communities,
        "grids": grids,
        "compounds": compound_list,
        "assignee_choices": _assignee_choices(community_id) if assignees and community_id else [],
        "category_choices": list(Category.objects.order_by("order", "code")) if categories else [],
    }


def _assignee_choices(community_id: int) -> list[tuple[str, str]]:
    """Who orders of one community can be with: staff, providers, units, volunteers."""
    from accounts.models import User
    from cobuild.models import Unit
    from hotline.models import ServiceProvider
    from people.models import Volunteer

    staff = (
        User.objects.filter(is_active=True)
        .filter(Q(grants__community_id=community_id) | Q(grants__grid__community_id=community_id))
        .distinct()
        .order_by("display_name", "username")
    )
    choices = [(f"user:{u.pk}", str(u)) for u in staff]
    choices += [
        (f"volunteer:{v.pk}", str(v))
        for v in Volunteer.objects.filter(community_id=community_id).order_by("name")
    ]
    choices += [
        (f"provider:{p.pk}", str(p))
        for p in ServiceProvider.objects.filter(community_id=community_id).order_by("name")
    ]
    choices += [
        (f"unit:{u.pk}", str(u))
        for u in Unit.objects.filter(communities=community_id).order_by("name")
    ]
    return choices


@require_GET
def dashboard(request):
    """数据看板: the three rates, volume, categories, places and what is overdue."""
    reach = reach_for(request.user, FIGURE_ROLES)
    form, filters = resolve(request, reach)
    if not filters.period.is_month:
        filters = filters.with_period(Period.month(filters.period.end))
    context = dashboard_data.build(filters)
    context.update(filter_choices(filters))
    return render(request, "insights/dashboard.html", context)


# --- rates by place or person ---------------------------------------------------------------

BREAKDOWNS = {
    "community": gettext_lazy("Community"),
    "grid": gettext_lazy("Grid"),
    "compound": gettext_lazy("Compound"),
    "category": gettext_lazy("Category"),
    "assignee": gettext_lazy("Assignee"),
    "unit": gettext_lazy("Unit"),
}
MONTH_DIMS = {"community", "grid", "category"}


def rollup_for(filters: Filters, by: str):
    """The smallest rollup that answers: whole months read a monthly table (per
    community when no grid is involved), anything else the daily one."""
    whole = filters.period.whole_months and filters.compound is None and filters.assignee is None
    if whole and filters.grid is None and by in ("community", "category"):
        return CommunityMonthCount.objects.filter(
            filters.rollup_q(period_field="month", has=("category_id",))
        )
    if whole and by in MONTH_DIMS:
        return MonthCount.objects.filter(
            filters.rollup_q(period_field="month", has=("grid_id", "category_id"))
        )
    return DayCount.objects.filter(
        filters.rollup_q(
            period_field="day", has=("grid_id", "compound_id", "category_id", "assignee")
        )
    )


def names_for(by: str, keys) -> dict:
    from accounts.models import User
    from cobuild.models import Unit
    from hotline.models import ServiceProvider
    from people.models import Volunteer
    from places.models import Community

    keys = [k for k in keys if k]
    if by == "community":
        return Community.objects.in_bulk(keys)
    if by == "grid":
        return Grid.objects.in_bulk(keys)
    if by == "compound":
        return Compound.objects.in_bulk(keys)
    if by == "category":
        return Category.objects.in_bulk(keys)
    if by == "unit":
        return Unit.objects.in_bulk(keys)
    models = {"user": User, "volunteer": Volunteer, "provider": ServiceProvider, "unit": Unit}
    found = {}
    for kind, model in models.items():
        ids = [pk for k, pk in keys if k == kind]
        if ids:
            for pk, obj in model.objects.in_bulk(ids).items():
                found[(kind, pk)] = obj
    return found


@require_GET
def rates(request):
    """The three rates for any period, broken down by place, category or person."""
    reach = reach_for(request.user, FIGURE_ROLES)
    form, filters = resolve(request, reach)
    by = request.GET.get("by", "")
    if by not in BREAKDOWNS:
        by = "community" if (reach.everything or len(reach.community_ids or ()) > 1) else "grid"
    qs = rollup_for(filters, by)
    if by == "unit":
        qs = qs.filter(assignee_kind=AssigneeKind.UNIT)
    fields = {
        "community": ("community_id",),
        "grid": ("grid_id",),
        "compound": ("compound_id",),
        "category": ("category_id",),
        "assignee": ("assignee_kind", "assignee_id"),
        "unit": ("assignee_id",),
    }[by]
    groups = grouped(qs, *fields)
    names = names_for(by, groups.keys())
    rows = []
    for key, totals in groups.items():
        if by == "assignee":
            link = {"assignee": f"{key[0]}:{key[1]}"} if key[0] else None
        elif by == "unit":
            link = {"assignee": f"unit:{key}"}
        else:
            link = {by: key} if key else None
        rows.append(
            {
                "label": names.get(key) or (_("Not assigned") if by == "assignee" else _("None")),
                "kind": AssigneeKind(key[0]).label if by == "assignee" and key[0] else "",
                "totals": totals,
                "link": link,
                "cells": [
                    {
                        "rate": totals.rate(d.key),
                        "num_url": _orders_url(filters, link, d.numerator),
                        "den_url": _orders_url(filters, link, d.denominator),
                    }
                    for d in RATES
                ],
                "received_url": _orders_url(filters, link, "received"),
            }
        )
    rows.sort(key=lambda r: (-r["totals"]["received"], str(r["label"])))
    overall = sum((r["totals"] for r in rows), Totals.empty())
    context = {
        "filters": filters,
        "form": form,
        "by": by,
        "breakdowns": BREAKDOWNS,
        "by_label": BREAKDOWNS[by],
        "rows": rows,
        "overall": overall,
        "overall_cells": [
            {
                "rate": overall.rate(d.key),
                "num_url": _orders_url(filters, {}, d.numerator),
                "den_url": _orders_url(filters, {}, d.denominator),
            }
            for d in RATES
        ],
        "rate_defs": RATES,
    }
    context.update(filter_choices(filters, compounds=True, categories=True))
    return render(request, "insights/rates.html", context)


def _orders_url(filters: Filters, link: dict | None, metric: str) -> str:
    if link is None:
        return ""
    return reverse("insights:orders") + filters.query(metric=metric, **link)


# --- the orders behind a figure ----------------------------------------------------------------


def facts_for(filters: Filters):
    facts = OrderFact.objects.filter(
        filters.rollup_q(
            period_field="day", has=("grid_id", "compound_id", "category_id", "assignee")
        )
    )
    if filters.metric:
        facts = facts.filter(metric_q(filters.metric))
    if filters.state:
        facts = facts.filter(order__state=filters.state)
    return facts


def _cursor(value: str) -> tuple[dt.date, int] | None:
    day, _sep, pk = (value or "").partition("_")
    try:
        return dt.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


@require_GET
def orders(request):
    """The orders behind a figure: the same filters, the same definitions, one page at
    a time (keyset pages, newest day first)."""
    reach = reach_for(request.user, LIST_ROLES)
    form, filters = resolve(request, reach)
    facts = facts_for(filters)
    page = facts.order_by("-day", "-order_id")
    after = _cursor(request.GET.get("cursor", ""))
    if after is not None:
        page = page.filter(Q(day__lt=after[0]) | Q(day=after[0], order_id__lt=after[1]))
    keys = list(page.values_list("day", "order_id")[: PAGE_SIZE + 1])
    next_url = ""
    if len(keys) > PAGE_SIZE:
        day, pk = keys[PAGE_SIZE - 1]
        next_url = filters.query() + f"&cursor={day.isoformat()}_{pk}"
    keys = keys[:PAGE_SIZE]
    found = Order.objects.select_related(*ROW_RELATED).in_bulk([pk for _d, pk in keys])
    rows = [found[pk] for _d, pk in keys if pk in found]
    context = {
        "filters": filters,
        "form": form,
        "orders": rows,
        "count": facts.count(),
        "next_url": next_url,
        "is_later_page": after is not None,
        "first_url": filters.query(),
        "metric_label": METRIC_LABELS.get(filters.metric, ""),
        "metrics": METRIC_LABELS,
        "states": Order.State.choices,
        "export_url": reverse("insights:orders_export") + filters.query(),
        "hotline_url": _hotline_list_url(filters),
        "can_see_figures": _has_figures(request.user),
    }
    context.update(filter_choices(filters, compounds=True, categories=True, assignees=True))
    return render(request, "insights/orders.html", context)


def _has_figures(user) -> bool:
    return user.is_superuser or user.has_role(*FIGURE_ROLES)


def _hotline_list_url(filters: Filters) -> str:
    """The hotline's own order list with the filters it understands, when they say the
    same thing (no figure-specific metric, one community)."""
    if filters.metric not in ("", "received") or filters.period.is_all:
        return ""
    try:
        base = reverse("hotline:orders")
    except Exception:  # noqa: BLE001 — the hotline pages may not be installed
        return ""
    params = {"start": filters.period.start.isoformat(), "end": filters.period.end.isoformat()}
    for name, obj in (("grid", filters.grid), ("compound", filters.compound)):
        if obj is not None:
            params[name] = str(obj.pk)
    if filters.category is not None:
        params["category"] = str(filters.category.pk)
    if filters.state:
        params["state"] = filters.state
    if filters.assignee and filters.assignee[0] in ("user", "provider"):
        params["assignee"] = f"{filters.assignee[0]}:{filters.assignee[1]}"
    from urllib.parse import urlencode

    return f"{base}?{urlencode(params)}"


@require_GET
def orders_export(request):
    """The same list as a spreadsheet, masked for the viewer and written to the audit log."""
    reach = reach_for(request.user, LIST_ROLES)
    _form, filters = resolve(request, reach)
    content, filename = services.export_orders(
        acting_user=request.user, filters=filters, facts=facts_for(filters)
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the monthly report -------------------------------------------------------------------------


@require_GET
def report(request):
    """The monthly report for the county or one community, printable on A4."""
    reach = reach_for(request.user, FIGURE_ROLES)
    form, filters = resolve(request, reach, default=Period.this_month().shifted(-1))
    if not filters.period.is_month:
        filters = filters.with_period(Period.month(filters.period.end))
    context = report_data.build(filters, user=request.user)
    context.update(filter_choices(filters))
    context["pdf_url"] = reverse("insights:report_pdf") + filters.query()
    return render(request, "insights/report.html", context)


@require_GET
def report_pdf(request):
    """The monthly report as a PDF (A4, Chinese fonts embedded)."""
    reach = reach_for(request.user, FIGURE_ROLES)
    _form, filters = resolve(request, reach, default=Period.this_month().shifted(-1))
    if not filters.period.is_month:
        filters = filters.with_period(Period.month(filters.period.end))
    context = report_data.build(filters, user=request.user)
    from insights import pdf

    content = pdf.render_report(request, context)
    name = f"report-{filters.period.start:%Y-%m}.pdf"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
