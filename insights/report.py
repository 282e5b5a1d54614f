"""The monthly report (月度报告) for the county or one community: volumes, the three
rates against last month and last year, the places, the categories, notable cases
and what was done about them. Printed on A4 from the browser, or as a PDF.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from hotline.models import Category, Order
from insights import care_panels, rollups
from insights.dashboard import month_rows, scope_q
from insights.definitions import callers_of
from insights.figures import RATES, Totals, grouped
from insights.filters import Filters, add_months
from insights.models import CommunityMonthCount, MonthCount, OrderFact
from places.models import Community, Grid, Region

NOTABLE = 12


def build(filters: Filters, *, user) -> dict:
    period = filters.period
    month = period.start
    scope = scope_q(filters)
    table = month_rows(filters)

    months = [add_months(month, -12), add_months(month, -1), month]
    by_month = grouped(table.filter(month__in=months), "month")
    empty = Totals.empty()
    this = by_month.get(month, empty)
    last = by_month.get(months[1], empty)
    year_ago = by_month.get(months[0], empty)
    rates = [
        {
            "definition": d,
            "this": this.rate(d.key),
            "last": last.rate(d.key),
            "year_ago": year_ago.rate(d.key),
            "vs_last": this.rate(d.key).points_since(last.rate(d.key)),
            "vs_year": this.rate(d.key).points_since(year_ago.rate(d.key)),
        }
        for d in RATES
    ]

    many = filters.community_ids is None or len(filters.community_ids) > 1
    field = "community_id" if many else "grid_id"
    places = grouped(
        (CommunityMonthCount if many else MonthCount).objects.filter(scope, month=month), field
    )
    names = (Community if many else Grid).objects.in_bulk([k for k in places if k])
    place_rows = sorted(
        ({"place": names.get(k), "totals": t} for k, t in places.items()),
        key=lambda r: (-r["totals"]["received"], str(r["place"] or "")),
    )

    categories = grouped(table.filter(month__in=months[1:]), "month", "category_id")
    now_by = {c: t for (m, c), t in categories.items() if m == month}
    then_by = {c: t for (m, c), t in categories.items() if m != month}
    top = sorted(now_by, key=lambda c: (-now_by[c]["received"], c))[:10]
    category_names = Category.objects.in_bulk(top)
    category_rows = [
        {
            "category": category_names.get(c),
            "count": now_by[c]["received"],
            "previous": then_by.get(c, empty)["received"],
            "change": now_by[c]["received"] - then_by.get(c, empty)["received"],
            "satisfaction": now_by[c].satisfaction,
        }
        for c in top
    ]

    notable = _notable(filters)
    return {
        "filters": filters,
        "period": period,
        "this": this,
        "last": last,
        "rates": rates,
        "place_rows": place_rows,
        "place_kind": "community" if many else "grid",
        "category_rows": category_rows,
        "notable": notable,
        "care": care_panels.build(filters, today=timezone.localdate()),
        "as_of": rollups.as_of(),
        "printed_by": user,
        "printed_at": timezone.localtime(),
        "scope_label": scope_label(filters),
    }


def scope_label(filters: Filters) -> str:
    """Whose report: the place chosen, the one community led, or the county."""
    if filters.place_label:
        return filters.place_label
    ids = filters.community_ids
    if ids is not None and len(ids) == 1:
        return str(Community.objects.get(pk=next(iter(ids))))
    regions = Region.objects.order_by("code")
    if ids is not None:
        regions = regions.filter(streets__communities__in=ids).distinct()
    return "、".join(str(r) for r in regions)


def _notable(filters: Filters) -> list[dict]:
    """Cases worth a line in the report: supervised, reopened or left unsatisfied
    orders, and matters many residents called about — with what was done."""
    facts = OrderFact.objects.filter(
        filters.rollup_q(
            period_field="day", has=("grid_id", "compound_id", "category_id", "assignee")
        )
    )
    ids = list(
        facts.filter(Q(supervised=1) | Q(reopened=1) | Q(unsatisfied=1) | Q(several_callers=1))
        .order_by("-day", "-order_id")
        .values_list("order_id", flat=True)[:NOTABLE]
    )
    callers = callers_of(ids)
    orders = Order.objects.select_related("category", "compound", "grid").in_bulk(ids)
    rows = []
    for pk in ids:
        order = orders.get(pk)
        if order is None:
            continue
        reasons = []
        if order.is_supervised:
            reasons.append("supervised")
        if order.reopen_count:
            reasons.append("reopened")
        if order.satisfaction == Order.Satisfaction.UNSATISFIED:
            reasons.append("unsatisfied")
        if callers.get(pk, 1) >= 2:
            reasons.append("callers")
        rows.append({"order": order, "reasons": reasons, "callers": callers.get(pk, 1)})
    return rows
