"""The figures as JSON: the three rates for any period and place, and broken down by
place, category or person — for the county's own systems and reports.

Query parameters are the pages' (see docs/insights.md): ``month=2026-03`` or
``start``/``end``, ``community``, ``grid``, ``compound``, ``category``, ``assignee``;
the breakdown adds ``by``. Leaders and administrators only, within their reach.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Schema

from insights import rollups
from insights.access import FIGURE_ROLES, Reach
from insights.figures import RATES, Totals, grouped, total
from insights.filters import Filters, resolve
from insights.models import COUNTERS, AssigneeKind
from linli.lib.errors import NotAllowed, ServiceError
from open311.apikit import require_scope, responses
from open311.models import Scope

router = Router(tags=["insights"])


class RateOut(Schema):
    key: str
    label: str
    numerator: int
    denominator: int
    percent: str


class FiguresOut(Schema):
    start: str
    end: str
    place: str
    as_of: str | None
    counts: dict[str, int]
    rates: list[RateOut]


class RowOut(Schema):
    key: str
    label: str
    counts: dict[str, int]
    rates: list[RateOut]


class BreakdownOut(Schema):
    start: str
    end: str
    by: str
    as_of: str | None
    rows: list[RowOut]


def _filters(request) -> Filters:
    require_scope(request, Scope.INSIGHTS_READ)
    reach = Reach(request.auth, FIGURE_ROLES)
    if reach.is_empty:
        raise NotAllowed(_("Your role does not allow this action."))
    _form, filters = resolve(request, reach)
    if filters.errors:
        raise ServiceError(" ".join(filters.errors))
    return filters


def _rates(totals: Totals) -> list[dict]:
    return [
        {
            "key": d.key,
            "label": str(d.label),
            "numerator": totals.rate(d.key).num,
            "denominator": totals.rate(d.key).den,
            "percent": totals.rate(d.key).percent,
        }
        for d in RATES
    ]


def _as_of() -> str | None:
    moment = rollups.as_of()
    return moment.isoformat() if moment else None


@router.get(
    "/figures",
    response=responses({200: FiguresOut}),
    summary="The three rates for a period and place",
)
def figures(request):
    from insights.views import rollup_for

    filters = _filters(request)
    totals = total(rollup_for(filters, "community"))
    return {
        "start": filters.period.start.isoformat(),
        "end": filters.period.end.isoformat(),
        "place": filters.place_label,
        "as_of": _as_of(),
        "counts": {name: totals[name] for name in COUNTERS},
        "rates": _rates(totals),
    }


@router.get(
    "/breakdown", response=responses({200: BreakdownOut}), summary="The three rates broken down"
)
def breakdown(request, by: str = "grid"):
    from insights.views import BREAKDOWNS, names_for, rollup_for

    if by not in BREAKDOWNS:
        raise ServiceError(_("Break down by one of: %(names)s.") % {"names": ", ".join(BREAKDOWNS)})
    filters = _filters(request)
    qs = rollup_for(filters, by)
    if by == "unit":
        qs = qs.filter(assignee_kind=AssigneeKind.UNIT)
    fields = {
        "assignee": ("assignee_kind", "assignee_id"),
        "unit": ("assignee_id",),
    }.get(by, (f"{by}_id",))
    groups = grouped(qs, *fields)
    names = names_for(by, groups.keys())
    rows = []
    for key, totals in sorted(groups.items(), key=lambda item: -item[1]["received"]):
        label = names.get(key)
        rows.append(
            {
                "key": f"{key[0]}:{key[1]}" if isinstance(key, tuple) else str(key),
                "label": str(label) if label is not None else "",
                "counts": {name: totals[name] for name in COUNTERS},
                "rates": _rates(totals),
            }
        )
    return {
        "start": filters.period.start.isoformat(),
        "end": filters.period.end.isoformat(),
        "by": by,
        "as_of": _as_of(),
        "rows": rows,
    }
