"""Read-only questions about care, for pages, the API and insights.

Nothing here changes data. Each function takes querysets already restricted to what
the viewer may see (``visible_to``), so insights can ask the same questions for a
grid, a community or a county.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.scopes import scope_filter
from care.models import (
    COMMUNITY_ROLES,
    CareAlert,
    CarePlan,
    CheckIn,
    HomeVisit,
    PlanItem,
    Season,
    SeasonCheck,
    ServiceHours,
)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def residents_in_care_of(user):
    """Resident ids of the active plans ``user`` is responsible for (for the registry's
    volunteer scope, see ``people.assignments``)."""
    return CarePlan.objects.active().responsible(user).values("resident_id")


# --- Check-ins ---------------------------------------------------------------------------


def _with_rows(items, day: dt.date):
    """Items with what a check-in row shows: resident, place, tags and today's tries."""
    return items.select_related(
        "plan__resident__household__building__compound",
        "plan__responsible_volunteer",
        "plan__responsible_user",
    ).prefetch_related(
        "plan__resident__care_tags",
        "plan__resident__phones",
        Prefetch(
            "plan__check_ins",
            queryset=CheckIn.objects.filter(at__gte=_day_start(day)).order_by("at", "id"),
            to_attr="today_check_ins",
        ),
    )


def _todays(items, day: dt.date):
    # Items done today stay on the list (ticked), so a tap does not make a row vanish.
    return (
        items.filter(plan__is_active=True)
        .filter(Q(next_due__lte=day) | Q(last_done_on=day))
        .order_by("next_due", "plan__resident__name", "kind")
    )


def check_ins_for(user, day: dt.date):
    """Today's check-ins of the plans ``user`` is responsible for."""
    items = PlanItem.objects.filter(plan__in=CarePlan.objects.responsible(user))
    return _with_rows(_todays(items, day), day)


def check_ins_kept_by_staff(user, day: dt.date):
    """Today's check-ins the office enters itself: plans of volunteers without an
    account, and plans nobody is responsible for yet."""
    plans = CarePlan.objects.filter(
        scope_filter(user, community_path="community", grid_path="grid", roles=COMMUNITY_ROLES)
    ).filter(
        Q(responsible_volunteer__isnull=False, responsible_volunteer__user__isnull=True)
        | Q(responsible_volunteer__isnull=True, responsible_user__isnull=True)
    )
    items = PlanItem.objects.filter(plan__in=plans)
    return _with_rows(_todays(items, day), day)


def missed_check_ins(plans, day: dt.date):
    """Contacts whose date has passed without reaching the resident, most overdue first."""
    return (
        PlanItem.objects.filter(plan__in=plans)
        .missed(day)
        .select_related(
            "plan__resident__household__building__compound",
            "plan__responsible_volunteer",
            "plan__responsible_user",
            "plan__grid",
        )
        .order_by("next_due", "plan__resident__name")
    )


@dataclass
class Coverage:
    """How well a set of plans is kept: scheduled contacts on time, and contacts made."""

    plans: int = 0
    contacts: int = 0
    on_schedule: int = 0
    missed: int = 0
    reached_last_30_days: int = 0
    tries_last_30_days: int = 0

    @property
    def on_schedule_percent(self) -> int | None:
        if not self.contacts:
            return None
        return round(100 * self.on_schedule / self.contacts)


def checkin_coverage(plans, day: dt.date | None = None) -> Coverage:
    """Check-in coverage for ``plans`` (any scope: a grid, a community, a county):
    how many scheduled contacts are on time today and how many were missed, and the
    contacts tried and made in the last 30 days. For insights and the overview."""
    day = day or timezone.localdate()
    plans = plans.filter(is_active=True)
    items = PlanItem.objects.filter(plan__in=plans).aggregate(
        contacts=Count("id"), missed=Count("id", filter=Q(next_due__lt=day))
    )
    tries = CheckIn.objects.filter(
        plan__in=plans, at__gte=_day_start(day - dt.timedelta(days=30))
    ).aggregate(
        tries=Count("id"), reached=Count("id", filter=~Q(outcome=CheckIn.Outcome.NO_ANSWER))
    )
    return Coverage(
        plans=plans.count(),
        contacts=items["contacts"],
        on_schedule=items["contacts"] - items["missed"],
        missed=items["missed"],
        reached_last_30_days=tries["reached"],
        tries_last_30_days=tries["tries"],
    )


def coverage_by_grid(plans, day: dt.date) -> list[dict]:
    """One row per grid: plans, scheduled contacts, missed, open alerts."""
    rows = (
        PlanItem.objects.filter(plan__in=plans.filter(is_active=True))
        .values("plan__grid_id", "plan__grid__name", "plan__grid__number")
        .annotate(
            plans=Count("plan_id", distinct=True),
            contacts=Count("id"),
            missed=Count("id", filter=Q(next_due__lt=day)),
        )
        .order_by("plan__grid__number")
    )
    alerts = dict(
        CareAlert.objects.open()
        .filter(plan__in=plans)
        .values("grid_id")
        .annotate(n=Count("id"))
        .values_list("grid_id", "n")
    )
    result = []
    for row in rows:
        contacts = row["contacts"]
        result.append(
            {
                "grid_id": row["plan__grid_id"],
                "grid_name": row["plan__grid__name"] or "—",
                "plans": row["plans"],
                "contacts": contacts,
                "missed": row["missed"],
                "percent": round(100 * (contacts - row["missed"]) / contacts) if contacts else None,
                "alerts": alerts.get(row["plan__grid_id"], 0),
            }
        )
    return result


def check_in_counts(plans, start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    """Contacts tried in ``[start, end)`` under ``plans``, by outcome, with the total
    (for monthly reports: how many calls and visits reached the residents)."""
    rows = (
        CheckIn.objects.filter(plan__in=plans, at__gte=start, at__lt=end)
        .values("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    counts = {outcome: 0 for outcome in CheckIn.Outcome.values}
    counts.update(dict(rows))
    counts["total"] = sum(counts.values())
    return counts


# --- Home visits ---------------------------------------------------------------------------


@dataclass
class CoverageRow:
    household: object
    last_visit: dt.datetime | None
    tenant_changed_on: dt.date | None
    tenant_changed: bool = False
    rented: bool = False
    extra: dict = field(default_factory=dict)


def visit_coverage(households, today: dt.date, months: int) -> list[CoverageRow]:
    """Households not visited in the last ``months`` months, in the order to visit
    them: rented homes whose tenants changed since the last visit first, then other
    rented homes, then those never visited, then the longest unvisited."""
    from people.models import Membership

    cutoff = today - dt.timedelta(days=round(months * 30.44))
    last_visit = (
        HomeVisit.objects.filter(household=OuterRef("pk"), visited_at__isnull=False)
        .order_by("-visited_at")
        .values("visited_at")[:1]
    )
    tenants = Membership.objects.filter(
        household=OuterRef("pk"), relation=Membership.Relation.TENANT
    )
    rows = (
        households.annotate(
            last_visit=Subquery(last_visit),
            tenant_start=Subquery(
                tenants.filter(start_date__isnull=False)
                .order_by("-start_date")
                .values("start_date")[:1]
            ),
            tenant_end=Subquery(
                tenants.filter(end_date__isnull=False).order_by("-end_date").values("end_date")[:1]
            ),
        )
        .filter(Q(last_visit__isnull=True) | Q(last_visit__lt=_day_start(cutoff)))
        .select_related("building__compound")
    )
    result = []
    for household in rows:
        changes = [d for d in (household.tenant_start, household.tenant_end) if d]
        changed_on = max(changes) if changes else None
        since = timezone.localtime(household.last_visit).date() if household.last_visit else None
        rented = household.occupancy == household.Occupancy.RENTED
        result.append(
            CoverageRow(
                household=household,
                last_visit=household.last_visit,
                tenant_changed_on=changed_on,
                tenant_changed=bool(changed_on and (since is None or changed_on > since)),
                rented=rented,
            )
        )
    far_past = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
    result.sort(
        key=lambda r: (
            not (r.rented and r.tenant_changed),
            not r.rented,
            r.last_visit is not None,
            r.last_visit or far_past,
            r.household.building.compound.name,
            r.household.building_id,
            r.household.unit,
            r.household.room,
        )
    )
    return result


def visited_share(households, today: dt.date, months: int) -> tuple[int, int]:
    """(visited within ``months`` months, all) for a set of households."""
    cutoff = _day_start(today - dt.timedelta(days=round(months * 30.44)))
    total = households.count()
    visited = (
        households.filter(
            Exists(HomeVisit.objects.filter(household=OuterRef("pk"), visited_at__gte=cutoff))
        ).count()
        if total
        else 0
    )
    return visited, total


# --- Volunteers ------------------------------------------------------------------------------


def volunteer_rows(volunteers):
    """Volunteers with their service minutes, open orders and plans (current load)."""
    from hotline.models import Order

    minutes = (
        ServiceHours.objects.filter(volunteer=OuterRef("pk"))
        .values("volunteer")
        .annotate(total=Sum("minutes"))
        .values("total")
    )
    open_orders = (
        Order.objects.filter(assignee_volunteer=OuterRef("pk"))
        .filter(state__in=("dispatched", "accepted", "in_progress"))
        .values("assignee_volunteer")
        .annotate(n=Count("id"))
        .values("n")
    )
    plans = (
        CarePlan.objects.filter(responsible_volunteer=OuterRef("pk"), is_active=True)
        .values("responsible_volunteer")
        .annotate(n=Count("id"))
        .values("n")
    )
    return volunteers.select_related("grid", "user").annotate(
        total_minutes=Coalesce(Subquery(minutes, output_field=IntegerField()), 0),
        open_orders=Coalesce(Subquery(open_orders, output_field=IntegerField()), 0),
        active_plans=Coalesce(Subquery(plans, output_field=IntegerField()), 0),
    )


def hours_by_source(volunteer, since: dt.date | None = None) -> dict[str, int]:
    lines = ServiceHours.objects.filter(volunteer=volunteer)
    if since:
        lines = lines.filter(on_date__gte=since)
    totals = dict(lines.values("source").annotate(m=Sum("minutes")).values_list("source", "m"))
    totals["total"] = sum(totals.values())
    return totals


def hours_by_volunteer(volunteers, start: dt.date, end: dt.date) -> dict[int, int]:
    """Service minutes per volunteer id for days in ``[start, end]`` (for the quarterly
    service card an in-service party member's unit receives)."""
    return dict(
        ServiceHours.objects.filter(volunteer__in=volunteers, on_date__gte=start, on_date__lte=end)
        .values("volunteer")
        .annotate(m=Sum("minutes"))
        .values_list("volunteer", "m")
    )


# --- Seasonal look-ahead ---------------------------------------------------------------------


@dataclass
class SeasonPlace:
    level: str
    compound: object
    building: object | None
    household: object | None
    orders: int
    last_at: dt.datetime
    categories: list[str]
    checked: object | None = None

    @property
    def label(self) -> str:
        if self.household is not None:
            return self.household.address
        if self.building is not None:
            return str(self.building)
        return self.compound.name


def seasonal_places(orders, season: Season, today: dt.date) -> list[SeasonPlace]:
    """Households, buildings, compounds and lanes with past orders in the season's
    categories (leaks, drains, roads), most orders first, with this season's checks."""
    from places.models import Building, Compound, Household

    since = timezone.now() - dt.timedelta(days=season.lookback_days)
    rows = (
        orders.filter(
            category__in=season.categories.all(),
            created_at__gte=since,
            compound__isnull=False,
        )
        .exclude(state__in=("merged", "withdrawn"))
        .values(
            "compound_id", "building_id", "household_id", "household__building_id", "category__name"
        )
        .annotate(n=Count("id"), last=Max("created_at"))
    )
    grouped: dict[tuple, dict] = defaultdict(lambda: {"n": 0, "last": None, "cats": set()})
    for row in rows:
        key = (
            row["compound_id"],
            row["household__building_id"] or row["building_id"],
            row["household_id"],
        )
        entry = grouped[key]
        entry["n"] += row["n"]
        entry["last"] = max(filter(None, [entry["last"], row["last"]]))
        entry["cats"].add(row["category__name"])
    if not grouped:
        return []
    households = Household.objects.select_related("building__compound").in_bulk(
        [k[2] for k in grouped if k[2]]
    )
    buildings = Building.objects.select_related("compound").in_bulk([k[1] for k in grouped if k[1]])
    compounds = Compound.objects.in_bulk([k[0] for k in grouped])
    _shown, start, _end = season.occurrence(today)
    checks = {}
    for check in SeasonCheck.objects.filter(
        season=season, season_start=start, compound_id__in=compounds
    ).order_by("checked_at"):
        checks[(check.compound_id, check.building_id, check.household_id)] = check
    places = []
    for (compound_id, building_id, household_id), entry in grouped.items():
        level = "household" if household_id else "building" if building_id else "compound"
        places.append(
            SeasonPlace(
                level=level,
                compound=compounds[compound_id],
                building=buildings.get(building_id) if building_id else None,
                household=households.get(household_id) if household_id else None,
                orders=entry["n"],
                last_at=entry["last"],
                categories=sorted(entry["cats"]),
                checked=checks.get((compound_id, building_id, household_id)),
            )
        )
    places.sort(key=lambda p: (p.checked is not None, -p.orders, -p.last_at.timestamp()))
    return places


def seasons_shown(today: dt.date) -> list[Season]:
    return [s for s in Season.objects.filter(is_active=True) if s.is_shown(today)]
