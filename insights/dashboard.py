"""The leader's dashboard (数据看板): everything on it comes from the rollups, except
the short list of overdue and supervised orders, which reads the few open orders.

The number of queries does not grow with the data or the scope (pinned by a test);
docs/benchmarks.md has its time with a million orders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.models import Category, Order
from insights import care_panels, charts, rollups
from insights.figures import RATES, Totals, grouped
from insights.filters import Filters, Period, add_months, month_end
from insights.models import DayCount, MonthCount, OrderFact, TotalCount, WeekCount
from places.models import Community, Compound, Grid

WEEKS = 52
TOP_CATEGORIES = 8
ATTENTION_ROWS = 20
# Orders still being worked on: the only states an overdue order can be in.
WORKING_STATES = (
    Order.State.RECEIVED,
    Order.State.DISPATCHED,
    Order.State.ACCEPTED,
    Order.State.IN_PROGRESS,
    Order.State.RETURNED,
)


def orders_url(filters: Filters, **overrides) -> str:
    return reverse("insights:orders") + filters.query(**overrides)


def dashboard_url(filters: Filters, **overrides) -> str:
    return reverse("insights:dashboard") + filters.query(**overrides)


@dataclass
class RateCell:
    """One rate in one month, with the links to the orders behind both numbers."""

    rate: object
    num_url: str
    den_url: str


def _rate_cells(totals: Totals, filters: Filters, period: Period, **place) -> list[RateCell]:
    cells = []
    for definition in RATES:
        rate = totals.rate(definition.key)
        cells.append(
            RateCell(
                rate,
                orders_url(filters, period=period, metric=definition.numerator, **place),
                orders_url(filters, period=period, metric=definition.denominator, **place),
            )
        )
    return cells


def _scope_q(filters: Filters) -> Q:
    """Community and grid of the filters, for tables without a period column."""
    q = Q()
    if filters.community_ids is not None:
        q &= Q(community_id__in=sorted(filters.community_ids))
    if filters.grid is not None:
        q &= Q(grid_id=filters.grid.pk)
    return q


def build(filters: Filters) -> dict:
    period = filters.period
    month = period.start
    scope = _scope_q(filters)
    today = timezone.localdate()

    # 1. Thirteen months of figures: this month, last month, a year ago, and the trend.
    months = [add_months(month, -i) for i in range(12, -1, -1)]
    by_month = grouped(
        MonthCount.objects.filter(scope, month__gte=months[0], month__lte=month), "month"
    )
    empty = Totals.empty()
    this = by_month.get(month, empty)
    previous = by_month.get(add_months(month, -1), empty)
    year_ago = by_month.get(add_months(month, -12), empty)
    comparisons = [
        (_("This month"), period, this),
        (_("Last month"), period.shifted(-1), previous),
        (_("Same month last year"), period.shifted(-12), year_ago),
    ]
    rates = []
    for definition in RATES:
        cells = []
        for label, p, totals in comparisons:
            rate = totals.rate(definition.key)
            cells.append(
                {
                    "label": label,
                    "period": p,
                    "rate": rate,
                    "num_url": orders_url(filters, period=p, metric=definition.numerator),
                    "den_url": orders_url(filters, period=p, metric=definition.denominator),
                }
            )
        rates.append(
            {
                "definition": definition,
                "cells": cells,
                "vs_last_month": this.rate(definition.key).points_since(
                    previous.rate(definition.key)
                ),
                "vs_last_year": this.rate(definition.key).points_since(
                    year_ago.rate(definition.key)
                ),
            }
        )
    trend = charts.line_chart(
        [f"{m.month}" if m.month != 1 else f"{m.year}" for m in months],
        [
            charts.Series(str(d.label), [by_month.get(m, empty).rate(d.key).value for m in months])
            for d in RATES
        ],
        title=_("The three rates, month by month"),
        desc=_("Response, resolution and satisfaction rates for the last 13 months."),
    )

    # 2. Order volume by week for twelve months, up to this month's last week.
    last_day = min(month_end(month), today) if month <= today else month_end(month)
    last_week = rollups.week_start(last_day)
    first_week = last_week - dt.timedelta(weeks=WEEKS - 1)
    week_rows = dict(
        WeekCount.objects.filter(scope, week__gte=first_week, week__lte=last_week)
        .values("week")
        .annotate(**{"n": _sum("received")})
        .values_list("week", "n")
    )
    bars, week_table, seen_months = [], [], set()
    for i in range(WEEKS):
        week = first_week + dt.timedelta(weeks=i)
        value = int(week_rows.get(week) or 0)
        label = ""
        if (week.year, week.month) not in seen_months:
            seen_months.add((week.year, week.month))
            label = _("%(month)d月") % {"month": week.month} if i else ""
        week_period = Period(week, week + dt.timedelta(days=6))
        tip = _("Week of %(day)s: %(count)d orders") % {"day": f"{week:%Y-%m-%d}", "count": value}
        href = orders_url(filters, period=week_period, metric="received")
        bars.append(charts.Bar(value, tip, label, href))
        week_table.append({"week": week, "count": value, "url": href})
    volume_chart = charts.bar_chart(
        bars,
        title=_("Orders received per week"),
        desc=_(
            "Orders received each week over the last twelve months; the last bar is the latest week."
        ),
    )

    # 3. Top categories this month, and how each changed since last month.
    by_category = grouped(
        MonthCount.objects.filter(scope, month__in=[month, add_months(month, -1)]),
        "month",
        "category_id",
    )
    current = {cat: t for (m, cat), t in by_category.items() if m == month}
    before = {cat: t for (m, cat), t in by_category.items() if m != month}
    top_ids = sorted(current, key=lambda c: (-current[c]["received"], c))[:TOP_CATEGORIES]
    names = Category.objects.in_bulk(top_ids)
    categories = []
    for cat in top_ids:
        now_n = current[cat]["received"]
        then_n = before.get(cat, empty)["received"]
        categories.append(
            {
                "category": names.get(cat),
                "count": now_n,
                "previous": then_n,
                "change": now_n - then_n,
                "url": orders_url(filters, category=cat, metric="received"),
                "rates": current[cat].rates,
            }
        )

    # 4. The places table: communities for a county, grids for a community, compounds
    #    for a grid — volume, the three rates this month, and what is overdue now.
    places = _places(filters, this_period=period)

    # 5. Overdue and supervised orders, from the open orders themselves.
    now = timezone.now()
    attention_q = (
        Q(state__in=Order.AWAITING_ACCEPTANCE, response_due__lt=now)
        | Q(resolution_due__lt=now, resolved_at__isnull=True)
        | Q(is_supervised=True)
    )
    open_orders = Order.objects.filter(_order_scope_q(filters), state__in=WORKING_STATES)
    attention = list(
        open_orders.filter(attention_q)
        .select_related("category", "grid", "compound")
        .order_by("resolution_due", "id")[:ATTENTION_ROWS]
    )
    for order in attention:
        order.overdue_now = order.is_overdue(now)
    totals_now = Totals.of(TotalCount.objects.filter(scope).aggregate(**_sums("overdue")))

    return {
        "filters": filters,
        "period": period,
        "this": this,
        "rates": rates,
        "trend_chart": trend,
        "volume_chart": volume_chart,
        "week_table": week_table,
        "categories": categories,
        "places": places,
        "attention": attention,
        "overdue_now": totals_now["overdue"],
        "overdue_url": orders_url(filters, period=Period.all_time(), metric="overdue"),
        "supervised_url": orders_url(
            filters, period=Period.all_time(), state="", metric="supervised"
        ),
        "received_url": orders_url(filters, metric="received"),
        "as_of": rollups.as_of(),
        "care": care_panels.build(filters, today=today),
        "previous_url": dashboard_url(filters, period=period.shifted(-1)),
        "next_url": dashboard_url(filters, period=period.shifted(1))
        if period.shifted(1).start <= today
        else "",
    }


def _sum(name: str):
    from django.db.models import Sum
    from django.db.models.functions import Coalesce

    return Coalesce(Sum(name), 0)


def _sums(*names: str) -> dict:
    return {name: _sum(name) for name in names}


def _order_scope_q(filters: Filters) -> Q:
    q = Q()
    if filters.community_ids is not None:
        q &= Q(community_id__in=sorted(filters.community_ids))
    if filters.grid is not None:
        q &= Q(grid_id=filters.grid.pk)
    return q


def _places(filters: Filters, *, this_period: Period) -> dict:
    month = this_period.start
    if filters.grid is not None:
        kind, field = "compound", "compound_id"
        figures = grouped(
            DayCount.objects.filter(
                community_id=filters.grid.community_id,
                grid_id=filters.grid.pk,
                day__gte=this_period.start,
                day__lte=this_period.end,
            ),
            field,
        )
        overdue = dict(
            OrderFact.objects.filter(grid_id=filters.grid.pk, overdue=1)
            .values(field)
            .annotate(n=_sum("overdue"))
            .values_list(field, "n")
        )
        names = Compound.objects.in_bulk(set(figures) | set(overdue))
    else:
        ids = filters.community_ids
        many = ids is None or len(ids) > 1
        kind, field = ("community", "community_id") if many else ("grid", "grid_id")
        scope = _scope_q(filters)
        figures = grouped(MonthCount.objects.filter(scope, month=month), field)
        overdue = dict(
            TotalCount.objects.filter(scope)
            .values(field)
            .annotate(n=_sum("overdue"))
            .values_list(field, "n")
        )
        model = Community if many else Grid
        names = model.objects.in_bulk(set(figures) | {k for k, v in overdue.items() if v})
    rows = []
    for key in sorted(set(figures) | {k for k, v in overdue.items() if v}, key=lambda k: k):
        totals = figures.get(key, Totals.empty())
        place = names.get(key)
        link = {kind: key} if key else {}
        rows.append(
            {
                "place": place,
                "key": key,
                "totals": totals,
                "overdue": int(overdue.get(key) or 0),
                "cells": _rate_cells(totals, filters, this_period, **link),
                "url": dashboard_url(filters, **link) if key and kind != "compound" else "",
                "orders_url": orders_url(filters, metric="received", **link) if key else "",
            }
        )
    rows.sort(key=lambda r: (-r["totals"]["received"], str(r["place"] or "")))
    return {"kind": kind, "rows": rows}
