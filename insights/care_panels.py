"""The care module's panels on the dashboard: recurring problems (三前) and whether the
regular contacts with vulnerable residents are kept up.

Only aggregate figures and places are shown, never who lives alone. When the care
app is not installed the dashboard simply has no such panels.
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse

MAX_CARDS = 6


def available() -> bool:
    if not apps.is_installed("care"):
        return False
    try:
        from care.models import CheckIn, PlanItem, RecurringProblem  # noqa: F401
    except ImportError:
        return False
    return True


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def build(filters, *, today: dt.date) -> dict | None:
    """Recurring-problem cards and check-in coverage for the filters' place, or None."""
    if not available():
        return None
    from care.models import CheckIn, PlanItem, RecurringProblem

    ids = filters.community_ids
    place = Q() if ids is None else Q(community_id__in=sorted(ids))
    if filters.grid is not None:
        place &= Q(grid_id=filters.grid.pk)

    problems = RecurringProblem.objects.filter(place).exclude(state=RecurringProblem.State.CLOSED)
    cards = list(
        # A card's place label reads its household's building and compound, or its
        # building's compound: all in the one query.
        problems.select_related(
            "category",
            "compound",
            "building__compound",
            "household__building__compound",
        ).order_by("-last_at", "-id")[:MAX_CARDS]
    )
    for card in cards:
        card.url = _url("care:problem", card.pk)

    plan_place = Q() if ids is None else Q(plan__community_id__in=sorted(ids))
    if filters.grid is not None:
        plan_place &= Q(plan__grid_id=filters.grid.pk)
    coverage = PlanItem.objects.filter(plan_place, plan__is_active=True).aggregate(
        items=Count("id"), behind=Count("id", filter=Q(next_due__lt=today))
    )
    start, end = filters.period.local_bounds()
    check_ins = CheckIn.objects.filter(plan_place, at__gte=start, at__lt=end).aggregate(
        done=Count("id"),
        no_answer=Count("id", filter=Q(outcome=CheckIn.Outcome.NO_ANSWER)),
        needs_help=Count("id", filter=Q(outcome=CheckIn.Outcome.NEEDS_HELP)),
    )
    items = coverage["items"] or 0
    on_schedule = items - (coverage["behind"] or 0)
    return {
        "cards": cards,
        "open_problems": problems.count(),
        "problems_url": _url("care:problems"),
        "plans_url": _url("care:overview"),
        "items": items,
        "on_schedule": on_schedule,
        "behind": coverage["behind"] or 0,
        "coverage_percent": f"{100 * on_schedule / items:.1f}%" if items else "—",
        "check_ins": check_ins["done"] or 0,
        "no_answer": check_ins["no_answer"] or 0,
        "needs_help": check_ins["needs_help"] or 0,
    }
