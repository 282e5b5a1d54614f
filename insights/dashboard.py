"""The leader's dashboard (数据看板): everything on it comes from the rollups, except
the short list of overdue and supervised orders, which reads the few open orders.

The number of queries does not grow with the data or the scope (pinned by a test),
and the rows read stay small: a county reads per-community months (a few hundred rows
a month), a community its grids, a grid its own days. docs/benchmarks.md has the
time with a million orders.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.models import Category, Order
from insights import care_panels, charts, rollups
from insights.figures import RATES, Totals, grouped
from insights.filters import Filters, Period, add_months, month_end
from insights.models import (
    CommunityMonthCount,
    DayCount,
    MonthCount,
    OrderFact,
    TotalCount,
    WeekCount,
)
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


class Links:
    """URLs to the orders behind a figure and to other dashboards, built cheaply: a
    county's dashboard carries a few hundred of them."""

    def __init__(self, filters: Filters):
        self.filters = filters
        self.orders_base = reverse("insights:orders")
        self.dashboard_base = reverse("insights:dashboard")

    def orders(self, **overrides) -> str:
        return f"{self.orders_base}?{urlencode(self.filters.params(**overrides))}"

    def dashboard(self, **overrides) -> str:
        return f"{self.dashboard_base}?{urlencode(self.filters.params(**overrides))}"

    def cells(self, totals: Totals, period: Period, **place) -> list[dict]:
        return [
            {
                "rate": totals.rate(d.key),
                "num_url": self.orders(period=period, metric=d.numerator, **place),
                "den_url": self.orders(period=period, metric=d.denominator, **place),
            }
            for d in RATES
        ]


def scope_q(filters: Filters) -> Q:
    """Community and grid of the filters, for tables keyed by them."""
    q = Q()
    if filters.community_ids is not None:
        q &= Q(community_id__in=sorted(filters.community_ids))
    if filters.grid is not None:
        q &= Q(grid_id=filters.grid.pk)
    return q


def month_rows(filters: Filters):
    """The smallest monthly table for the filters' place: per community (no grid)
    unless a grid is chosen."""
    if filters.grid is None:
        return CommunityMonthCount.objects.filter(scope_q(filters))
    return MonthCount.objects.filter(scope_q(filters))


def _sum(name: str):
    return Coalesce(Sum(name), 0)


def build(filters: Filters) -> dict:
    period = filters.period
    month = period.start
    today = timezone.localdate()
    links = Links(filters)
    months_table = month_rows(filters)
    empty = Totals.empty()

    # 1. Thirteen months of figures: this month, last month, a year ago, and the trend.
    months = [add_months(month, -i) for i in range(12, -1, -1)]
    by_month = grouped(months_table.filter(month__gte=months[0], month__lte=month), "month")
    this = by_month.get(month, empty)
    previous = by_month.get(months[-2], empty)
    year_ago = by_month.get(months[0], empty)
    comparisons = [
        (_("This month"), period, this),
        (_("Last month"), period.shifted(-1), previous),
        (_("Same month last year"), period.shifted(-12), year_ago),
    ]
    rates = []
    for definition in RATES:
        cells = []
        for label, when, totals in comparisons:
            cells.append(
                {
                    "label": label,
                    "rate": totals.rate(definition.key),
                    "num_url": links.orders(period=when, metric=definition.numerator),
                    "den_url": links.orders(period=when, metric=definition.denominator),
                }
            )
        now_rate = this.rate(definition.key)
        rates.append(
            {
                "definition": definition,
                "cells": cells,
                "vs_last_month": now_rate.points_since(previous.rate(definition.key)),
                "vs_last_year": now_rate.points_since(year_ago.rate(definition.key)),
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
    last_day = min(month_end(month), today)
    last_week = rollups.week_start(last_day)
    first_week = last_week - dt.timedelta(weeks=WEEKS - 1)
    per_week = _weekly_volume(filters, first_week, last_week)
    bars, week_table, seen_months = [], [], set()
    for i in range(WEEKS):
        week = first_week + dt.timedelta(weeks=i)
        value = per_week.get(week, 0)
        label = ""
        if (week.year, week.month) not in seen_months:
            seen_months.add((week.year, week.month))
            label = _("%(month)d月") % {"month": week.month} if i else ""
        href = links.orders(period=Period(week, week + dt.timedelta(days=6)), metric="received")
        tip = _("Week of %(day)s: %(count)d orders") % {"day": f"{week:%Y-%m-%d}", "count": value}
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
        months_table.filter(month__in=[month, months[-2]]), "month", "category_id"
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
                "url": links.orders(category=cat, metric="received"),
            }
        )

    # 4. The places table: communities for a county, grids for a community, compounds
    #    for a grid — volume, the three rates this month, and what is overdue now.
    places = _places(filters, links, period)

    # 5. Overdue and supervised orders, from the open orders themselves.
    now = timezone.now()
    attention = list(
        Order.objects.filter(scope_q(filters), state__in=WORKING_STATES)
        .filter(
            Q(state__in=Order.AWAITING_ACCEPTANCE, response_due__lt=now)
            | Q(resolution_due__lt=now, resolved_at__isnull=True)
            | Q(is_supervised=True)
        )
        # The rows show the category and the compound, never the grid.
        .select_related("category", "compound")
        .order_by("resolution_due", "id")[:ATTENTION_ROWS]
    )
    all_time = Period.all_time()

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
        "overdue_now": places["overdue_total"],
        "overdue_url": links.orders(period=all_time, metric="overdue"),
        "supervised_url": links.orders(period=all_time, metric="supervised"),
        "received_url": links.orders(metric="received"),
        "as_of": rollups.as_of(),
        "care": care_panels.build(filters, today=today),
        "previous_url": links.dashboard(period=period.shifted(-1)),
        "next_url": links.dashboard(period=period.shifted(1))
        if period.shifted(1).start <= today
        else "",
    }


def _weekly_volume(filters: Filters, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """Orders received per week: per-community weeks, or a grid's own days summed."""
    if filters.grid is None:
        rows = (
            WeekCount.objects.filter(scope_q(filters), week__gte=first, week__lte=last)
            .values("week")
            .annotate(n=_sum("received"))
            .values_list("week", "n")
        )
        return {week: int(n) for week, n in rows}
    per_week: dict[dt.date, int] = {}
    rows = (
        DayCount.objects.filter(
            scope_q(filters), day__gte=first, day__lte=last + dt.timedelta(days=6)
        )
        .values("day")
        .annotate(n=_sum("received"))
        .values_list("day", "n")
    )
    for day, n in rows:
        week = rollups.week_start(day)
        per_week[week] = per_week.get(week, 0) + int(n)
    return per_week


def _places(filters: Filters, links: Links, period: Period) -> dict:
    month = period.start
    if filters.grid is not None:
        kind, field = "compound", "compound_id"
        figures = grouped(
            DayCount.objects.filter(scope_q(filters), day__gte=period.start, day__lte=period.end),
            field,
        )
        overdue = dict(
            OrderFact.objects.filter(grid_id=filters.grid.pk, overdue=1)
            .values(field)
            .annotate(n=_sum("overdue"))
            .values_list(field, "n")
        )
        model = Compound
    else:
        ids = filters.community_ids
        many = ids is None or len(ids) > 1
        kind, field = ("community", "community_id") if many else ("grid", "grid_id")
        table = CommunityMonthCount if many else MonthCount
        figures = grouped(table.objects.filter(scope_q(filters), month=month), field)
        overdue = dict(
            TotalCount.objects.filter(scope_q(filters))
            .values(field)
            .annotate(n=_sum("overdue"))
            .values_list(field, "n")
        )
        model = Community if many else Grid
    keys = set(figures) | {k for k, v in overdue.items() if v}
    names = model.objects.in_bulk([k for k in keys if k])
    rows = []
    for key in keys:
        totals = figures.get(key, Totals.empty())
        place = {kind: key} if key else None
        rows.append(
            {
                "place": names.get(key),
                "key": key,
                "totals": totals,
                "overdue": int(overdue.get(key) or 0),
                # Orders without a grid or compound cannot be filtered to: no links.
                "cells": links.cells(totals, period, **place) if place else [],
                "rates": totals.rates,
                "url": links.dashboard(**place) if place and kind != "compound" else "",
                "orders_url": links.orders(metric="received", **place) if place else "",
            }
        )
    rows.sort(key=lambda r: (-r["totals"]["received"], str(r["place"] or "")))
    return {
        "kind": kind,
        "rows": rows,
        "overdue_total": sum(int(v or 0) for v in overdue.values()),
    }
