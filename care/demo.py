"""Demo care data: plans for every resident with care tags, four weeks of check-ins,
alerts (one waiting today in grid 1, one from yesterday that went to the community),
home visits over the last months, volunteers' hours, and the recurring drain problem
at 和谐果品小区 (seed: the sewer that floods the fruit shop, "上次集资修过，怎么又堵了？").

Runs after the hotline demo. The routine history is bulk-written (thousands of
check-ins); the cases a visitor will click on go through the real services.
Deterministic: every choice comes from ``ctx.rng("care")`` over rows in id order.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from accounts.audit import Channel
from care import services
from care.models import (
    CarePlan,
    CheckIn,
    HomeVisit,
    PlanItem,
    RecurringProblem,
    ServiceHours,
    VisitFinding,
)

HISTORY_DAYS = 28
SETTINGS_MINUTES = {"call": 15, "visit": 45}


def _moment(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def load(ctx) -> None:
    rng = ctx.rng("care")
    community = ctx.community
    users = ctx.users
    leader, operator = users["leader"], users["operator"]
    now = timezone.now()
    today = timezone.localdate(now)

    services.generate_plans(acting_user=leader, community=community, channel=Channel.COMMAND)
    volunteers = dict(ctx.extra.get("volunteers", {}))
    _assign_volunteers(rng, community, volunteers)
    neglected = _history(rng, community, today, operator)
    _alerts(ctx, now, today, neglected)
    _needs_help(ctx, today, neglected)
    _visits(rng, ctx, now, today)
    _hours(ctx, operator, today, volunteers)
    _recurring_drain(ctx, now)
    ctx.extra["care_plans"] = CarePlan.objects.filter(community=community).count()


def _assign_volunteers(rng, community, volunteers) -> None:
    """Volunteers look after residents of their own grid: companionship volunteers
    take a share of the plans; in grids without a grid worker they take them all."""
    plans = list(CarePlan.objects.filter(community=community).select_related("grid").order_by("pk"))
    by_grid: dict[int, list] = {}
    for volunteer in sorted(volunteers.values(), key=lambda v: v.pk):
        if volunteer.grid_id and volunteer.is_active:
            by_grid.setdefault(volunteer.grid_id, []).append(volunteer)
    turn: dict[int, int] = {}
    chosen: dict[int, list[int]] = {}
    for plan in plans:
        team = by_grid.get(plan.grid_id, [])
        if not team:
            continue
        carers = [v for v in team if "companionship" in v.skills] or team
        if plan.responsible_user_id:
            # A grid worker hands about one resident in six to a volunteer.
            if rng.random() > 0.16:
                continue
            team = carers
        index = turn.get(plan.grid_id, 0)
        turn[plan.grid_id] = index + 1
        chosen.setdefault(team[index % len(team)].pk, []).append(plan.pk)
    # Thousands of routine assignments: written in bulk (assign_responsible is what the
    # plan page uses, one plan at a time).
    for volunteer_pk, plan_ids in chosen.items():
        CarePlan.objects.filter(pk__in=plan_ids).update(
            responsible_user=None, responsible_volunteer_id=volunteer_pk
        )


def _history(rng, community, today: dt.date, operator) -> set[int]:
    """Four weeks of check-ins, bulk-written: most contacts on time and fine, a few
    "no answer, called again later", and a few plans left behind (missed contacts
    for the leader's overview). Returns the ids of the neglected plans."""
    items = list(
        PlanItem.objects.filter(plan__community=community, plan__is_active=True)
        .select_related("plan__responsible_volunteer", "plan__responsible_user")
        .order_by("plan_id", "kind")
    )
    plan_ids = sorted({item.plan_id for item in items})
    neglected = set(rng.sample(plan_ids, k=min(len(plan_ids), max(3, len(plan_ids) // 60))))
    start = today - dt.timedelta(days=HISTORY_DAYS)
    check_ins: list[CheckIn] = []
    for item in items:
        plan = item.plan
        volunteer = plan.responsible_volunteer
        recorder = plan.responsible_user or (volunteer.user if volunteer else None) or operator
        every = item.every_days
        if plan.pk in neglected:
            # Nobody got round to it: the contact is overdue by up to ten days.
            last = today - dt.timedelta(days=every + rng.randint(1, 10))
        else:
            last = today - dt.timedelta(days=rng.randint(1, every))
        item.last_done_on = last
        item.next_due = last + dt.timedelta(days=every)
        day = last
        while day >= start:
            hour = rng.randint(8, 17)
            if rng.random() < 0.05:
                check_ins.append(
                    CheckIn(
                        plan=plan,
                        item=item,
                        kind=item.kind,
                        outcome=CheckIn.Outcome.NO_ANSWER,
                        at=_moment(day, hour - 1 if hour > 8 else 8, rng.randint(0, 29)),
                        recorded_by=recorder,
                        done_by=volunteer,
                    )
                )
            check_ins.append(
                CheckIn(
                    plan=plan,
                    item=item,
                    kind=item.kind,
                    outcome=CheckIn.Outcome.FINE,
                    at=_moment(day, hour, rng.randint(30, 59)),
                    recorded_by=recorder,
                    done_by=volunteer,
                )
            )
            day -= dt.timedelta(days=every)
    # One UPDATE per (last contact, interval) rather than a huge bulk_update.
    groups: dict[tuple[dt.date, int], list[int]] = {}
    for item in items:
        groups.setdefault((item.last_done_on, item.every_days), []).append(item.pk)
    for (last, every), ids in groups.items():
        PlanItem.objects.filter(pk__in=ids).update(
            last_done_on=last, next_due=last + dt.timedelta(days=every)
        )
    CheckIn.objects.bulk_create(check_ins, batch_size=2000)
    hours = [
        ServiceHours(
            volunteer_id=c.done_by_id,
            community=community,
            on_date=timezone.localtime(c.at).date(),
            minutes=SETTINGS_MINUTES[c.kind],
            source=ServiceHours.Source.CHECK_IN,
            check_in=c,
            note=str(c.get_kind_display()),
            recorded_by=c.recorded_by,
            created_at=c.at,
        )
        for c in check_ins
        if c.done_by_id and c.outcome == CheckIn.Outcome.FINE
    ]
    ServiceHours.objects.bulk_create(hours, batch_size=2000)
    return neglected


def _plan_in(grid, responsible_user, exclude: set[int]) -> CarePlan | None:
    return (
        CarePlan.objects.filter(grid=grid, responsible_user=responsible_user, is_active=True)
        .exclude(pk__in=exclude)
        .filter(items__kind="call")
        .order_by("pk")
        .first()
    )


def _alerts(ctx, now, today, neglected) -> None:
    """Today in grid 1: nobody answered twice, the grid worker should go round. In grid
    2 yesterday: the same, nobody went by the evening, the community was told, and the
    grid worker found the elder at her neighbour's that night."""
    grid1, grid2 = ctx.users["grid1"], ctx.users["grid2"]
    plan = _plan_in(ctx.grids[0], grid1, neglected)
    if plan is not None:
        plan.items.filter(kind="call").update(next_due=today)
        first = min(now - dt.timedelta(hours=3), _moment(today, 8, 40))
        for moment in (first, now - dt.timedelta(minutes=50)):
            services.record_check_in(
                acting_user=grid1,
                plan=plan,
                kind="call",
                outcome="no_answer",
                at=max(moment, _moment(today, 0, 5)),
                channel=Channel.COMMAND,
            )
    plan = _plan_in(ctx.grids[1], grid2, neglected)
    if plan is not None:
        yesterday = today - dt.timedelta(days=1)
        # This story replaces whatever the routine history put on those two days.
        plan.check_ins.filter(at__gte=_moment(yesterday, 0)).delete()
        for hour in (9, 11):
            services.record_check_in(
                acting_user=grid2,
                plan=plan,
                kind="call",
                outcome="no_answer",
                at=_moment(yesterday, hour),
                channel=Channel.COMMAND,
            )
        services.escalate_alerts(now=_moment(yesterday, 18, 5))
        services.record_check_in(
            acting_user=grid2,
            plan=plan,
            kind="visit",
            outcome="fine",
            note="在邻居家打牌，手机没带。",
            at=_moment(yesterday, 19, 20),
            channel=Channel.COMMAND,
        )


def _needs_help(ctx, today, neglected) -> None:
    """The seed's lonely elder (李秀英) said on a check-in call that she needed help:
    the call opened a hotline order."""
    people = ctx.extra.get("people", {})
    resident = people.get("lonely_elder")
    plan = CarePlan.objects.filter(resident=resident).first() if resident else None
    if plan is None or plan.pk in neglected:
        return
    volunteer = plan.responsible_volunteer
    if volunteer is not None and volunteer.user_id:
        recorder, done_by = volunteer.user, None  # the volunteer records it themselves
    else:
        recorder, done_by = ctx.users["operator"], volunteer  # phoned in to the office
    services.record_check_in(
        acting_user=recorder,
        plan=plan,
        kind="call",
        outcome="needs_help",
        note="降压药快吃完了，腿疼下不了楼，想请人帮忙去药店。",
        done_by=done_by,
        at=_moment(today - dt.timedelta(days=3), 10, 15),
        channel=Channel.COMMAND,
    )


def _visits(rng, ctx, now, today) -> None:
    """Home visits over the last eight months: grid workers cover most of their grids,
    the office some of the rest. A few findings; one became a work order; three
    visits are planned for today in grid 1, rented homes with new tenants first."""
    from places.models import Household

    community = ctx.community
    workers = {0: ctx.users["grid1"], 1: ctx.users["grid2"]}
    households = list(
        Household.objects.filter(building__compound__grid__community=community)
        .select_related("building__compound__grid")
        .order_by("pk")
    )
    visits = []
    notes = [
        "家中一切正常",
        "老人身体尚可，叮嘱注意防滑",
        "租户新搬来，登记了联系方式",
        "无人在家，邻居说在女儿家住",
    ]
    for household in households:
        grid = household.building.compound.grid
        index = ctx.grids.index(grid) if grid in ctx.grids else -1
        visitor = workers.get(index, ctx.users["operator"])
        if rng.random() > (0.7 if index in workers else 0.3):
            continue
        when = now - dt.timedelta(days=rng.randint(3, 240), hours=rng.randint(0, 6))
        visits.append(
            HomeVisit(
                household=household,
                community=community,
                grid=grid,
                visited_at=when,
                visitor=visitor,
                summary=rng.choice(notes),
                created_at=when,
            )
        )
    HomeVisit.objects.bulk_create(visits, batch_size=2000)
    findings = []
    for visit in rng.sample(visits, k=min(12, len(visits))):
        findings.append(
            VisitFinding(
                visit=visit,
                text=rng.choice(["楼道灯不亮", "厨房水管渗水", "单元门锁坏了", "窗户玻璃破损"]),
                created_at=visit.visited_at,
            )
        )
    VisitFinding.objects.bulk_create(findings)
    grid1 = ctx.users["grid1"]
    first = next((f for f in findings if f.visit.grid_id == ctx.grids[0].pk), None)
    if first is not None:
        from hotline.models import Category

        code = {"楼道灯不亮": "electrical", "厨房水管渗水": "water_pipe"}.get(first.text, "other")
        services.order_from_finding(
            acting_user=grid1,
            finding=first,
            category=Category.objects.get(code=code),
            channel=Channel.COMMAND,
        )
    from care import selectors

    due = selectors.visit_coverage(
        Household.objects.filter(building__compound__grid=ctx.grids[0]), today, 6
    )
    for row in due[:3]:
        services.plan_visit(
            acting_user=grid1, household=row.household, on_date=today, channel=Channel.COMMAND
        )


def _hours(ctx, operator, today, volunteers) -> None:
    """Hours from the volunteers' resolved orders, and the labour days at 供销巷 (the
    residents who rebuilt the sewer covers over four weekends) added by hand."""
    services.accrue_order_hours()
    saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7 or 7)
    for name in ("樊福禄", "刘荣", "谢雷鸣", "茹跃民"):
        volunteer = volunteers.get(name)
        if volunteer is None:
            continue
        for week in range(4):
            services.add_service_hours(
                acting_user=operator,
                volunteer=volunteer,
                on_date=saturday - dt.timedelta(weeks=week + 2),
                minutes=300,
                note="供销巷下水道盖板修缮出工",
                channel=Channel.COMMAND,
            )


def _recurring_drain(ctx, now) -> None:
    """The recurring drain at 和谐果品小区. The hotline demo's drain orders there are
    used; if it made fewer than three in the window, the missing ones are added here
    (callers from the building over the fruit shop), then the sweep raises the card."""
    from hotline import clock
    from hotline import services as hotline_services
    from hotline.models import Category, Order

    compound = ctx.compounds.get("和谐果品小区")
    if compound is None:
        return
    drain = Category.objects.get(code="drain_blockage")
    window_start = now - dt.timedelta(days=170)
    existing = Order.objects.filter(
        compound=compound, category=drain, created_at__gte=window_start
    ).exclude(state__in=("merged", "withdrawn"))
    people = ctx.extra.get("people", {})
    callers = [people.get(k) for k in ("above_shop_1", "above_shop_3", "shop_owner")]
    stories = [
        "楼上下水道又堵了，厨房水槽往上返水。",
        "一楼下水道冒水，楼道里味道很大，上次集资修过，怎么又堵了？",
        "粪水倒灌进店里了，货都泡了，赶紧来人！",
    ]
    operator = ctx.users["operator"]
    for index in range(existing.count(), 3):
        caller = callers[index] if index < len(callers) else None
        when = now - dt.timedelta(days=150 - index * 60, hours=3)
        with clock.at(when):
            hotline_services.create_order(
                acting_user=operator,
                category=drain,
                description=stories[index],
                caller=caller,
                household=caller.household if caller is not None else None,
                compound=None if caller is not None else compound,
            )
    services.detect_recurring_problems(now=now)
    # The office has seen the card; it waits for a decision (project or co-building).
    card = (
        RecurringProblem.objects.filter(compound=compound, category=drain)
        .filter(~Q(state=RecurringProblem.State.CLOSED))
        .first()
    )
    if card is not None:
        services.acknowledge_problem(acting_user=ctx.users["leader"], card=card)
