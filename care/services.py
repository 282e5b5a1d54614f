"""Every change to care records: plans, check-ins, alerts, visits, hours, recurring
problems and season checks.

Each function takes ``acting_user`` keyword-only, checks the role and the scope first,
runs in one transaction, writes the audit row and sends notifications after the
commit. The sweeps run by periodic tasks (``escalate_alerts``, ``accrue_order_hours``,
``detect_recurring_problems``) act for the system: they take no user and write their
audit rows with the task channel.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Role, User
from accounts.permissions import require_role
from accounts.scopes import scope_filter, scope_of
from care.models import (
    CARE_STAFF_ROLES,
    COMMUNITY_ROLES,
    CareAlert,
    CarePlan,
    CareSettings,
    CheckIn,
    ContactKind,
    ContactRule,
    HomeVisit,
    OrderHoursRule,
    PlaceLevel,
    PlanItem,
    RecurrenceRule,
    RecurringProblem,
    Season,
    SeasonCheck,
    ServiceHours,
    VisitFinding,
    VisitPhoto,
)
from linli.lib.errors import Conflict, NotFound, ServiceError

Channel = audit.Channel

# Orders that count as "the same matter raised again" exclude the ones merged into
# another order (they would count one call twice) and the ones withdrawn.
_NOT_COUNTED_STATES = ("merged", "withdrawn")
# Orders whose work was done: resolved, called back or closed after resolution.
_DONE_STATES = ("resolved", "called_back", "closed")


# --- Helpers ----------------------------------------------------------------------------


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _covers_community(user, community_id: int, roles=COMMUNITY_ROLES) -> bool:
    scope = scope_of(user, roles)
    return scope.everything or community_id in scope.community_ids


def _staff_plans(user):
    """Plans ``user`` reaches through a staff role (not merely as the responsible person)."""
    return CarePlan.objects.filter(
        scope_filter(user, community_path="community", grid_path="grid", roles=CARE_STAFF_ROLES)
    )


def _get_visible(queryset, obj):
    """``obj`` re-read through ``queryset`` (a visible_to queryset), or NotFound."""
    found = queryset.filter(pk=obj.pk).first()
    if found is None:
        raise NotFound(_("This record does not exist or lies outside your area."))
    return found


def grid_workers_of(grid) -> list[User]:
    if grid is None:
        return []
    return list(
        User.objects.filter(
            is_active=True, grants__role=Role.GRID_WORKER, grants__grid=grid
        ).distinct()
    )


def community_staff_of(community_id: int) -> list[User]:
    """Who takes what the grid could not: the community's leaders and hotline operators."""
    return list(
        User.objects.filter(
            is_active=True,
            grants__role__in=(Role.LEADER, Role.OPERATOR),
            grants__community_id=community_id,
        ).distinct()
    )


def _notify_later(recipients: Iterable[User], *, kind: str, subject: str, body: str, link: str):
    """Queue one outbox message per recipient; the rows are written inside the
    caller's transaction (the outbox delivers after the commit)."""
    from hotline.notify import notify

    for recipient in recipients:
        notify(recipient, kind=kind, subject=subject, body=body, link=link)


def _resident_grid(resident):
    household = resident.household
    if household is None:
        return None
    return household.building.compound.grid


# --- Care plans ------------------------------------------------------------------------


def _rules() -> list[tuple[ContactRule, frozenset[int]]]:
    rules = ContactRule.objects.filter(is_active=True).prefetch_related("tags")
    return [(rule, frozenset(tag.pk for tag in rule.tags.all())) for rule in rules]


def contacts_for_tags(tag_ids: Iterable[int], rules=None) -> dict[str, ContactRule]:
    """The winning rule per contact kind for a resident carrying ``tag_ids``: of all
    rules whose tags the resident all carries, the most frequent contact wins."""
    carried = frozenset(tag_ids)
    winners: dict[str, ContactRule] = {}
    for rule, needed in rules if rules is not None else _rules():
        if not needed or not needed <= carried:
            continue
        best = winners.get(rule.kind)
        if best is None or rule.every_days < best.every_days:
            winners[rule.kind] = rule
    return winners


def _first_due(resident_pk: int, every_days: int, today: dt.date) -> dt.date:
    # Spread the first contacts over the interval so that a new plan list does not
    # land on the grid worker all on one morning; deterministic per resident.
    return today + dt.timedelta(days=resident_pk % every_days)


def default_responsible(grid) -> User | None:
    """The grid worker of the resident's grid (the first one when a grid has two)."""
    workers = grid_workers_of(grid)
    return min(workers, key=lambda u: u.pk) if workers else None


@transaction.atomic
def generate_plans(
    *,
    acting_user,
    community,
    grid=None,
    today: dt.date | None = None,
    channel: str = Channel.WEB,
) -> dict[str, int]:
    """Make or refresh the care plans of every current resident with care tags.

    New plans go to the grid worker of the resident's grid. Plans that follow the
    rules get their schedule brought in line (new contacts added, intervals
    changed, contacts no rule asks for any more removed); a plan whose resident moved
    away or lost every care tag that calls for contact is switched off. Returns the
    counts of created, updated and deactivated plans.
    """
    require_role(acting_user, *COMMUNITY_ROLES)
    if not _covers_community(acting_user, community.pk):
        raise NotFound(_("This community lies outside your area."))
    from people.models import Resident

    today = today or timezone.localdate()
    rules = _rules()
    residents = (
        Resident.objects.filter(community=community)
        .filter(Q(care_tags__isnull=False) | Q(care_plan__isnull=False))
        .distinct()
        .select_related("household__building__compound__grid")
        .prefetch_related("care_tags")
        .order_by("pk")
    )
    if grid is not None:
        residents = residents.filter(household__building__compound__grid=grid)
    plans = {
        plan.resident_id: plan
        for plan in CarePlan.objects.filter(community=community).prefetch_related("items")
    }
    responsible_cache: dict[int | None, User | None] = {}
    counts = {"created": 0, "updated": 0, "deactivated": 0}
    new_plans: list[tuple[CarePlan, dict[str, ContactRule]]] = []
    for resident in residents:
        plan = plans.get(resident.pk)
        winners = (
            contacts_for_tags([t.pk for t in resident.care_tags.all()], rules)
            if resident.moved_away_on is None
            else {}
        )
        resident_grid = _resident_grid(resident)
        if not winners:
            if plan is not None and plan.is_active and plan.follows_rules:
                plan.is_active = False
                plan.save(update_fields=["is_active", "updated_at"])
                counts["deactivated"] += 1
                audit.record(
                    acting_user, "care.plan.deactivate", plan, channel=channel, note="rules"
                )
            continue
        if plan is None:
            grid_id = resident_grid.pk if resident_grid else None
            if grid_id not in responsible_cache:
                responsible_cache[grid_id] = default_responsible(resident_grid)
            plan = CarePlan(
                resident=resident,
                community=community,
                grid=resident_grid,
                responsible_user=responsible_cache[grid_id],
            )
            new_plans.append((plan, winners))
            continue
        if not plan.follows_rules:
            continue
        changed = _sync_items(plan, winners, today)
        if not plan.is_active or plan.grid_id != (resident_grid.pk if resident_grid else None):
            plan.is_active = True
            plan.grid = resident_grid
            plan.save(update_fields=["is_active", "grid", "updated_at"])
            changed = True
        if changed:
            counts["updated"] += 1
            audit.record(acting_user, "care.plan.refresh", plan, channel=channel)
    # A first run makes thousands of plans at once: written in bulk, with one audit
    # row for the run (who generated them, when, how many) rather than one per plan.
    CarePlan.objects.bulk_create([plan for plan, _winners in new_plans], batch_size=500)
    PlanItem.objects.bulk_create(
        [
            PlanItem(
                plan=plan,
                kind=kind,
                every_days=rule.every_days,
                rule=rule,
                next_due=_first_due(plan.resident_id, rule.every_days, today),
            )
            for plan, winners in new_plans
            for kind, rule in winners.items()
        ],
        batch_size=1000,
    )
    counts["created"] = len(new_plans)
    audit.record(
        acting_user,
        "care.plans.generate",
        channel=channel,
        object_type="care.careplan",
        object_repr=str(community),
        community_id=community.pk,
        after={**counts, "grid": grid.pk if grid is not None else None},
    )
    return counts


def _sync_items(plan: CarePlan, winners: dict[str, ContactRule], today: dt.date) -> bool:
    changed = False
    existing = {item.kind: item for item in plan.items.all()}
    for kind, rule in winners.items():
        item = existing.pop(kind, None)
        if item is None:
            PlanItem.objects.create(
                plan=plan,
                kind=kind,
                every_days=rule.every_days,
                rule=rule,
                next_due=_first_due(plan.resident_id, rule.every_days, today),
            )
            changed = True
        elif item.every_days != rule.every_days or item.rule_id != rule.pk:
            item.every_days = rule.every_days
            item.rule = rule
            if item.last_done_on:
                item.next_due = min(
                    item.next_due, item.last_done_on + dt.timedelta(days=rule.every_days)
                )
            item.save(update_fields=["every_days", "rule", "next_due"])
            changed = True
    for item in existing.values():
        item.delete()
        changed = True
    return changed


def _plan_for_staff(acting_user, plan) -> CarePlan:
    require_role(acting_user, *CARE_STAFF_ROLES)
    return _get_visible(_staff_plans(acting_user), plan)


@transaction.atomic
def assign_responsible(
    *, acting_user, plan, user=None, volunteer=None, channel: str = Channel.WEB
) -> CarePlan:
    """Make a staff member or a volunteer responsible for a plan (or nobody, when both
    are None: the plan then shows on the office's list of unassigned plans)."""
    plan = _plan_for_staff(acting_user, plan)
    if user is not None and volunteer is not None:
        raise ServiceError(_("A plan has one responsible person: a staff member or a volunteer."))
    if user is not None and not (
        user.is_active and CarePlan.objects.filter(pk=plan.pk).visible_to(user).exists()
    ):
        raise ServiceError(_("%(name)s does not work in this resident's area.") % {"name": user})
    if volunteer is not None and (
        volunteer.community_id != plan.community_id or not volunteer.is_active
    ):
        raise ServiceError(
            _("%(name)s is not an active volunteer of this community.") % {"name": volunteer}
        )
    before = audit.snapshot(plan)
    plan.responsible_user = user
    plan.responsible_volunteer = volunteer
    plan.save(update_fields=["responsible_user", "responsible_volunteer", "updated_at"])
    audit.record(
        acting_user,
        "care.plan.assign",
        plan,
        before=before,
        after=audit.snapshot(plan),
        channel=channel,
    )
    return plan


@transaction.atomic
def set_plan_contact(
    *,
    acting_user,
    plan,
    kind: str,
    every_days: int | None,
    next_due: dt.date | None = None,
    channel: str = Channel.WEB,
) -> PlanItem | None:
    """Change how often a resident is called or visited (``every_days`` None removes
    that contact). A plan changed by hand no longer follows the rules."""
    plan = _plan_for_staff(acting_user, plan)
    if kind not in ContactKind.values:
        raise ServiceError(_("Unknown kind of contact."))
    if every_days is not None and not 1 <= every_days <= 366:
        raise ServiceError(_("The interval must be between 1 and 366 days."))
    item = plan.items.filter(kind=kind).first()
    before = audit.snapshot(item)
    if every_days is None:
        if item is not None:
            item.delete()
    else:
        if item is None:
            item = PlanItem(plan=plan, kind=kind, next_due=timezone.localdate())
        item.every_days = every_days
        item.rule = None
        if next_due is not None:
            item.next_due = next_due
        elif item.last_done_on:
            item.next_due = item.last_done_on + dt.timedelta(days=every_days)
        item.save()
    if plan.follows_rules:
        plan.follows_rules = False
        plan.save(update_fields=["follows_rules", "updated_at"])
    audit.record(
        acting_user,
        "care.plan.contact",
        plan,
        before=before,
        after=audit.snapshot(item) if every_days is not None else None,
        channel=channel,
        note=kind,
    )
    return item if every_days is not None else None


@transaction.atomic
def set_plan_active(
    *, acting_user, plan, active: bool, note: str = "", channel: str = Channel.WEB
) -> CarePlan:
    """Pause or resume a plan (in hospital, staying with a daughter for the winter…)."""
    plan = _plan_for_staff(acting_user, plan)
    updated = CarePlan.objects.filter(pk=plan.pk, is_active=not active).update(
        is_active=active, note=note[:200] or plan.note, updated_at=timezone.now()
    )
    if not updated:
        raise Conflict(_("The plan was already changed; reload the page."))
    plan.refresh_from_db()
    audit.record(
        acting_user,
        "care.plan.resume" if active else "care.plan.pause",
        plan,
        channel=channel,
        note=note,
    )
    return plan


# --- Check-ins and alerts -------------------------------------------------------------


def _alert_due(settings: CareSettings, raised_at: dt.datetime) -> dt.datetime:
    """The evening of the day the alert was raised. An alert raised after that hour is
    due at once: the grid worker is off duty and the 24-hour hotline takes it."""
    local = timezone.localtime(raised_at)
    evening = local.replace(
        hour=settings.escalate_at.hour,
        minute=settings.escalate_at.minute,
        second=0,
        microsecond=0,
    )
    return max(evening, raised_at)


def _needs_help_category(settings: CareSettings):
    from hotline.models import Category

    if settings.needs_help_category_id and settings.needs_help_category.is_active:
        return settings.needs_help_category
    for code in ("care_help", "other"):
        found = Category.objects.filter(code=code, is_active=True).first()
        if found is not None:
            return found
    raise ServiceError(
        _("No work-order category is set for residents who need help; ask the administrator.")
    )


def _open_order_for(acting_user, plan: CarePlan, note: str, at: dt.datetime | None, category):
    from hotline import services as hotline_services
    from hotline.models import Order

    resident = plan.resident
    settings = CareSettings.for_community(plan.community)
    description = _("Care check-in: %(name)s needs help.") % {"name": resident.name}
    if note:
        description = f"{description} {note}"
    kwargs = {
        "acting_user": acting_user,
        "category": category or _needs_help_category(settings),
        "description": description,
        "caller": resident,
        "household": resident.household,
        "channel": Order.Channel.CHECK_IN,
        "contact_name": resident.name,
        "community": plan.community,
    }
    if at is None:
        return hotline_services.create_order(**kwargs)
    # A check-in entered late keeps its real time on the order as well.
    from hotline import clock

    with clock.at(at):
        return hotline_services.create_order(**kwargs)


def _may_record_for(acting_user, plan: CarePlan, done_by):
    """Who made the contact: the acting volunteer, or the volunteer staff enter it for."""
    own = getattr(acting_user, "volunteer", None) if acting_user.is_authenticated else None
    if done_by is None:
        return own if own is not None and own.is_active else None
    if own is not None and own.pk == done_by.pk:
        return done_by
    if not _staff_plans(acting_user).filter(pk=plan.pk).exists():
        raise ServiceError(_("Only staff may record a check-in for another volunteer."))
    if done_by.community_id != plan.community_id:
        raise ServiceError(_("The volunteer belongs to another community."))
    return done_by


@transaction.atomic
def record_check_in(
    *,
    acting_user,
    plan,
    kind: str,
    outcome: str,
    note: str = "",
    done_by=None,
    category=None,
    at: dt.datetime | None = None,
    channel: str = Channel.WEB,
) -> CheckIn:
    """Record one contact with a resident: fine, needs help or no answer.

    * fine / needs help: the contact of that kind is done and the next one scheduled;
      a visit also counts for a call that is due. "Needs help" opens a hotline order
      for the resident (channel: care check-in). Either closes an open alert.
    * no answer: the contact stays due. The second no-answer in a row raises an alert
      for the grid worker to visit the same day.

    A volunteer recording their own contact earns service minutes; staff may record a
    contact for a volunteer without an account (``done_by``).
    """
    require_role(acting_user, *CARE_STAFF_ROLES, Role.VOLUNTEER)
    plan = _get_visible(CarePlan.objects.visible_to(acting_user).select_related("resident"), plan)
    if kind not in ContactKind.values:
        raise ServiceError(_("Unknown kind of contact."))
    if outcome not in CheckIn.Outcome.values:
        raise ServiceError(_("Unknown outcome."))
    if not plan.is_active:
        raise ServiceError(_("This plan is paused."))
    now = timezone.now()
    if at is not None and at > now + dt.timedelta(minutes=5):
        raise ServiceError(_("A check-in cannot be recorded in the future."))
    at = at or now
    volunteer = _may_record_for(acting_user, plan, done_by)
    day = _local_date(at)
    item = plan.items.filter(kind=kind).first()
    check_in = CheckIn.objects.create(
        plan=plan,
        item=item,
        kind=kind,
        outcome=outcome,
        at=at,
        recorded_by=acting_user,
        done_by=volunteer,
        note=note[:500],
    )
    alert = None
    if outcome == CheckIn.Outcome.NO_ANSWER:
        alert = _maybe_raise_alert(plan, check_in)
    else:
        _advance(plan, kind, day)
        if outcome == CheckIn.Outcome.NEEDS_HELP:
            check_in.order = _open_order_for(
                acting_user, plan, note, at if at < now else None, category
            )
            check_in.save(update_fields=["order"])
        _close_open_alert(plan, acting_user, check_in)
        if volunteer is not None:
            settings = CareSettings.for_community(plan.community)
            minutes = settings.visit_minutes if kind == ContactKind.VISIT else settings.call_minutes
            ServiceHours.objects.create(
                volunteer=volunteer,
                community_id=plan.community_id,
                on_date=day,
                minutes=minutes,
                source=ServiceHours.Source.CHECK_IN,
                check_in=check_in,
                note=str(check_in.get_kind_display()),
                recorded_by=acting_user,
            )
    audit.record(
        acting_user,
        "care.check_in",
        check_in,
        after={"kind": kind, "outcome": outcome, "order": check_in.order_id},
        channel=channel,
        object_repr=str(plan),
    )
    if alert is not None:
        audit.record(None, "care.alert.raise", alert, channel=Channel.TASK)
    return check_in


def _plans_held_by(user):
    """Active plans ``user`` holds: assigned to their account, or to the active
    volunteer that account belongs to."""
    return CarePlan.objects.active().filter(
        Q(responsible_user=user)
        | Q(responsible_volunteer__user=user, responsible_volunteer__is_active=True)
    )


def phone_to_call(*, acting_user, plan, phone, channel: str = Channel.WEB) -> str:
    """The full number of one of the resident's phones, for the check-in call (电话问候).

    Minimum necessary (PIPL): a volunteer sees no full number anywhere else, but the
    person who holds a care plan must be able to phone its resident. So they, and
    nobody else through this door, get the number of that one resident, one phone at a
    time, while the plan is active. Like every look at a full number it is written to
    the access log as ``resident.reveal_phone``, the care plan standing as the reason.
    """
    require_role(acting_user, *CARE_STAFF_ROLES, Role.VOLUNTEER)
    plan = _plans_held_by(acting_user).select_related("resident").filter(pk=plan.pk).first()
    if plan is None or phone.resident_id != plan.resident_id:
        raise NotFound(_("This resident is not on your check-in list."))
    with transaction.atomic():
        audit.record(
            acting_user,
            "resident.reveal_phone",
            plan.resident,
            after={
                "field": "phone",
                "id": phone.pk,
                "label": phone.label,
                "masked": phone.masked,
                "care_plan": plan.pk,
            },
            note=_("Check-in call for the care plan"),
            channel=channel,
        )
    return phone.reveal()


def _advance(plan: CarePlan, kind: str, day: dt.date) -> None:
    items = list(plan.items.all())
    for item in items:
        # A visit reaches the resident too, so it settles a call that is due.
        if item.kind == kind or (kind == ContactKind.VISIT and item.next_due <= day):
            following = day + dt.timedelta(days=item.every_days)
            # Conditional update: if two people recorded the same contact at once,
            # the schedule moves forward once, to the later of the two dates.
            PlanItem.objects.filter(pk=item.pk, next_due__lt=following).update(
                next_due=following, last_done_on=day
            )


def _maybe_raise_alert(plan: CarePlan, check_in: CheckIn) -> CareAlert | None:
    previous = (
        CheckIn.objects.filter(plan=plan, at__lte=check_in.at)
        .exclude(pk=check_in.pk)
        .order_by("-at", "-id")
        .values_list("outcome", flat=True)
        .first()
    )
    if previous != CheckIn.Outcome.NO_ANSWER:
        return None
    if CareAlert.objects.filter(plan=plan, state=CareAlert.State.OPEN).exists():
        return None
    settings = CareSettings.for_community(plan.community)
    try:
        with transaction.atomic():
            alert = CareAlert.objects.create(
                plan=plan,
                community_id=plan.community_id,
                grid_id=plan.grid_id,
                check_in=check_in,
                raised_at=check_in.at,
                due_at=_alert_due(settings, check_in.at),
            )
    except IntegrityError:
        # Someone recorded the other no-answer at the same instant; one alert is enough.
        return None
    recipients = grid_workers_of(plan.grid) or community_staff_of(plan.community_id)
    _notify_later(
        recipients,
        kind="care.alert",
        subject=_("No answer twice: please visit %(name)s today") % {"name": plan.resident.name},
        body=_("%(name)s did not answer two check-ins in a row. Please go and see them today.")
        % {"name": plan.resident.name},
        link=reverse("care:plan", args=[plan.pk]),
    )
    return alert


def _close_open_alert(plan: CarePlan, acting_user, check_in: CheckIn) -> None:
    # The alert was handled when the resident was reached, even if entered later.
    now = check_in.at
    alerts = CareAlert.objects.filter(
        plan=plan, state=CareAlert.State.OPEN, raised_at__lte=check_in.at
    )
    for alert in alerts:
        updated = CareAlert.objects.filter(pk=alert.pk, state=CareAlert.State.OPEN).update(
            state=CareAlert.State.HANDLED,
            handled_at=now,
            handled_by=acting_user,
            handling_note=_("Reached: %(outcome)s") % {"outcome": check_in.get_outcome_display()},
        )
        if updated:
            audit.record(acting_user, "care.alert.handle", alert, note="check-in")


@transaction.atomic
def close_alert(*, acting_user, alert, note: str, channel: str = Channel.WEB) -> CareAlert:
    """Close an alert with what was done (the daughter had taken her to hospital …)."""
    require_role(acting_user, *CARE_STAFF_ROLES)
    alert = _get_visible(CareAlert.objects.visible_to(acting_user), alert)
    note = note.strip()
    if not note:
        raise ServiceError(_("Say what was done."))
    updated = CareAlert.objects.filter(pk=alert.pk, state=CareAlert.State.OPEN).update(
        state=CareAlert.State.HANDLED,
        handled_at=timezone.now(),
        handled_by=acting_user,
        handling_note=note[:500],
    )
    if not updated:
        raise Conflict(_("This alert was already handled."))
    alert.refresh_from_db()
    audit.record(acting_user, "care.alert.handle", alert, channel=channel, note=note)
    return alert


@transaction.atomic
def escalate_alerts(*, now: dt.datetime | None = None) -> list[CareAlert]:
    """The evening sweep: alerts nobody acted on by their time go to the community's
    leaders and operators. Run by ``care.tasks.escalate_care_alerts``."""
    now = now or timezone.now()
    escalated = []
    due = CareAlert.objects.filter(
        state=CareAlert.State.OPEN, escalated_at__isnull=True, due_at__lte=now
    ).select_related("plan__resident")
    for alert in due:
        if not CareAlert.objects.filter(
            pk=alert.pk, state=CareAlert.State.OPEN, escalated_at__isnull=True
        ).update(escalated_at=now):
            continue
        alert.escalated_at = now
        escalated.append(alert)
        audit.record(None, "care.alert.escalate", alert, channel=Channel.TASK)
        name = alert.plan.resident.name
        _notify_later(
            community_staff_of(alert.community_id),
            kind="care.alert.escalated",
            subject=_("Nobody has seen %(name)s today") % {"name": name},
            body=_(
                "%(name)s did not answer two check-ins and no visit was recorded by the "
                "evening. Please make sure someone sees them."
            )
            % {"name": name},
            link=reverse("care:plan", args=[alert.plan_id]),
        )
    return escalated


# --- Home visits -----------------------------------------------------------------------


def _household_for_visits(acting_user, household):
    from places.models import Household

    require_role(acting_user, Role.GRID_WORKER, *COMMUNITY_ROLES)
    visible = Household.objects.filter(
        scope_filter(
            acting_user,
            community_path="building__compound__grid__community",
            grid_path="building__compound__grid",
            roles=CARE_STAFF_ROLES,
        )
    ).select_related("building__compound__grid")
    return _get_visible(visible, household)


@transaction.atomic
def plan_visit(
    *, acting_user, household, on_date: dt.date, visitor=None, channel: str = Channel.WEB
) -> HomeVisit:
    """Put a household on a grid worker's list of visits for a day."""
    household = _household_for_visits(acting_user, household)
    if on_date < timezone.localdate():
        raise ServiceError(_("A visit cannot be planned for a past day."))
    visitor = visitor or acting_user
    grid = household.building.compound.grid
    visit = HomeVisit.objects.create(
        household=household,
        community_id=grid.community_id,
        grid=grid,
        planned_for=on_date,
        planned_by=acting_user,
        visitor=visitor,
    )
    audit.record(
        acting_user, "care.visit.plan", visit, after=audit.snapshot(visit), channel=channel
    )
    return visit


@transaction.atomic
def log_visit(
    *,
    acting_user,
    household,
    summary: str = "",
    met_note: str = "",
    met_residents: Iterable = (),
    findings: Iterable[str] = (),
    visit: HomeVisit | None = None,
    at: dt.datetime | None = None,
    channel: str = Channel.WEB,
) -> HomeVisit:
    """Record a home visit (入户走访): who was met, what was found. ``visit`` is a
    planned visit being carried out; each finding can then become an order."""
    household = _household_for_visits(acting_user, household)
    now = timezone.now()
    at = at or now
    if at > now + dt.timedelta(minutes=5):
        raise ServiceError(_("A visit cannot be recorded in the future."))
    findings = [text.strip()[:500] for text in findings if text and text.strip()]
    if not (summary.strip() or met_note.strip() or findings):
        raise ServiceError(_("Write who you met or what you found."))
    residents = list(met_residents)
    if any(r.household_id != household.pk for r in residents):
        raise ServiceError(_("Only residents of this household can be ticked as met."))
    grid = household.building.compound.grid
    if visit is not None:
        visit = _get_visible(HomeVisit.objects.visible_to(acting_user), visit)
        if visit.household_id != household.pk:
            raise ServiceError(_("The planned visit is to another household."))
        if not HomeVisit.objects.filter(pk=visit.pk, visited_at__isnull=True).update(
            visited_at=at,
            visitor=acting_user,
            summary=summary.strip(),
            met_note=met_note.strip()[:200],
        ):
            raise Conflict(_("This visit was already recorded."))
        visit.refresh_from_db()
    else:
        visit = HomeVisit.objects.create(
            household=household,
            community_id=grid.community_id,
            grid=grid,
            visited_at=at,
            visitor=acting_user,
            summary=summary.strip(),
            met_note=met_note.strip()[:200],
        )
    if residents:
        visit.met_residents.set(residents)
    for text in findings:
        VisitFinding.objects.create(visit=visit, text=text)
    audit.record(
        acting_user,
        "care.visit.log",
        visit,
        after={"findings": len(findings), "met": len(residents)},
        channel=channel,
    )
    return visit


@transaction.atomic
def add_finding(*, acting_user, visit, text: str, channel: str = Channel.WEB) -> VisitFinding:
    require_role(acting_user, Role.GRID_WORKER, *COMMUNITY_ROLES)
    visit = _get_visible(HomeVisit.objects.visible_to(acting_user), visit)
    text = text.strip()
    if not text:
        raise ServiceError(_("Describe what was found."))
    finding = VisitFinding.objects.create(visit=visit, text=text[:500])
    audit.record(acting_user, "care.visit.finding", finding, channel=channel)
    return finding


@transaction.atomic
def order_from_finding(
    *,
    acting_user,
    finding,
    category,
    urgency: str | None = None,
    channel: str = Channel.WEB,
):
    """Turn a visit's finding into a hotline order in one step (channel: home visit),
    located at the household and with the resident met, when there was one."""
    from hotline import services as hotline_services
    from hotline.models import Order

    require_role(acting_user, Role.GRID_WORKER, *COMMUNITY_ROLES)
    visit = _get_visible(HomeVisit.objects.visible_to(acting_user), finding.visit)
    finding = VisitFinding.objects.filter(pk=finding.pk, visit=visit).first()
    if finding is None:
        raise NotFound(_("This record does not exist or lies outside your area."))
    if finding.order_id:
        raise Conflict(_("This finding is already a work order."))
    met = visit.met_residents.order_by("pk").first()
    order = hotline_services.create_order(
        acting_user=acting_user,
        category=category,
        description=finding.text,
        caller=met,
        household=visit.household,
        urgency=urgency,
        channel=Order.Channel.VISIT,
        contact_name=met.name if met else "",
        community=visit.community,
    )
    if not VisitFinding.objects.filter(pk=finding.pk, order__isnull=True).update(order=order):
        raise Conflict(_("This finding is already a work order."))
    finding.order = order
    audit.record(
        acting_user,
        "care.visit.finding_order",
        finding,
        after={"order": order.number},
        channel=channel,
    )
    return order


def add_visit_photo(*, acting_user, visit, upload, caption: str = "", channel: str = Channel.WEB):
    """Attach a photo to a visit. The shared upload helper checks the file by its
    content and re-encodes it (dropping EXIF, which holds the home's GPS position)."""
    from linli.lib import uploads

    require_role(acting_user, Role.GRID_WORKER, *COMMUNITY_ROLES)
    visit = _get_visible(HomeVisit.objects.visible_to(acting_user), visit)
    path = uploads.store_image(upload, folder="visits")
    try:
        with transaction.atomic():
            photo = VisitPhoto.objects.create(
                visit=visit, path=path, caption=caption.strip()[:100], uploaded_by=acting_user
            )
            audit.record(acting_user, "care.visit.photo", visit, channel=channel, note=path)
    except Exception:
        # Nothing half-written: a photo whose row was not saved is removed again.
        uploads.delete_image(path)
        raise
    return photo


# --- Volunteers' service hours --------------------------------------------------------


@transaction.atomic
def add_service_hours(
    *,
    acting_user,
    volunteer,
    on_date: dt.date,
    minutes: int,
    note: str,
    channel: str = Channel.WEB,
) -> ServiceHours:
    """Add service time by hand (a labour day, a night at the hospital with an elder).
    Negative minutes correct an earlier line; the ledger is never edited."""
    from people.models import Volunteer

    require_role(acting_user, *COMMUNITY_ROLES)
    volunteer = _get_visible(Volunteer.objects.visible_to(acting_user), volunteer)
    note = note.strip()
    if not note:
        raise ServiceError(_("Say what the time was for."))
    if minutes == 0 or abs(minutes) > 24 * 60:
        raise ServiceError(_("Give between 1 minute and 24 hours."))
    if on_date > timezone.localdate():
        raise ServiceError(_("Hours cannot be added for a future day."))
    line = ServiceHours.objects.create(
        volunteer=volunteer,
        community_id=volunteer.community_id,
        on_date=on_date,
        minutes=minutes,
        source=ServiceHours.Source.MANUAL,
        note=note[:200],
        recorded_by=acting_user,
    )
    audit.record(acting_user, "care.hours.add", line, after=audit.snapshot(line), channel=channel)
    return line


@transaction.atomic
def accrue_order_hours(*, now: dt.datetime | None = None) -> int:
    """Credit volunteers with the minutes of the errands and companionship orders they
    resolved (categories with an ``OrderHoursRule``). Idempotent: one line per order."""
    from hotline.models import Order

    minutes_by_category = dict(OrderHoursRule.objects.values_list("category_id", "minutes"))
    if not minutes_by_category:
        return 0
    orders = (
        Order.objects.filter(
            assignee_volunteer__isnull=False,
            resolved_at__isnull=False,
            state__in=_DONE_STATES,
            category_id__in=minutes_by_category,
        )
        .exclude(pk__in=ServiceHours.objects.filter(order__isnull=False).values("order_id"))
        .only("pk", "number", "community_id", "assignee_volunteer_id", "category_id", "resolved_at")
    )
    created = 0
    for order in orders:
        try:
            with transaction.atomic():
                ServiceHours.objects.create(
                    volunteer_id=order.assignee_volunteer_id,
                    community_id=order.community_id,
                    on_date=_local_date(order.resolved_at),
                    minutes=minutes_by_category[order.category_id],
                    source=ServiceHours.Source.ORDER,
                    order=order,
                    note=order.number,
                )
        except IntegrityError:
            continue  # another sweep credited it a moment ago
        created += 1
    if created:
        audit.record(
            None,
            "care.hours.accrue",
            channel=Channel.TASK,
            object_type="care.servicehours",
            note=f"{created} orders",
        )
    return created


# --- Recurring problems -------------------------------------------------------------------


def _recurrence_rules() -> tuple[RecurrenceRule | None, dict[int, RecurrenceRule]]:
    rules = list(RecurrenceRule.objects.order_by("id"))
    default = next((r for r in rules if r.category_id is None), None)
    by_category = {r.category_id: r for r in rules if r.category_id is not None}
    return default, by_category


def _rule_for(category_id, default, by_category) -> RecurrenceRule | None:
    rule = by_category.get(category_id, default)
    if rule is None or not rule.is_active:
        return None
    return rule


@transaction.atomic
def detect_recurring_problems(*, now: dt.datetime | None = None) -> list[RecurringProblem]:
    """Raise "recurring problem" cards: the same category at the same place
    (household, building, compound or lane) ``threshold`` times within the window.

    Incremental and idempotent: orders already on a card are not counted again. New
    orders at the place of an open card join that card; after a card is closed, it
    takes a fresh run of orders to raise another. The narrowest place that reaches the
    threshold is chosen, so three blocked drains in one building make a building card
    rather than a card for the whole compound.
    """
    from hotline.models import Order

    now = now or timezone.now()
    default, by_category = _recurrence_rules()
    windows = [r.window_days for r in [default, *by_category.values()] if r and r.is_active]
    if not windows:
        return []
    since = now - dt.timedelta(days=max(windows))
    rows = list(
        Order.objects.filter(created_at__gte=since, created_at__lte=now, compound__isnull=False)
        .exclude(state__in=_NOT_COUNTED_STATES)
        .filter(recurring_problems__isnull=True)
        .values(
            "pk",
            "category_id",
            "community_id",
            "grid_id",
            "compound_id",
            "building_id",
            "household_id",
            "created_at",
        )
        .order_by("created_at", "pk")
    )
    rows = [
        row
        for row in rows
        if (rule := _rule_for(row["category_id"], default, by_category)) is not None
        and row["created_at"] >= now - dt.timedelta(days=rule.window_days)
    ]
    if not rows:
        return []

    # 1. New orders at the place of an open card join it.
    open_cards = list(
        RecurringProblem.objects.open().filter(
            category_id__in={r["category_id"] for r in rows},
            compound_id__in={r["compound_id"] for r in rows},
        )
    )
    attached: set[int] = set()
    for card in open_cards:
        joining = [r for r in rows if r["category_id"] == card.category_id and _inside(card, r)]
        if joining:
            _attach(card, joining)
            attached.update(r["pk"] for r in joining)
    rows = [r for r in rows if r["pk"] not in attached]

    # 2. Places that reached the threshold get a new card, narrowest place first.
    raised: list[RecurringProblem] = []
    for level, key in (
        (RecurringProblem.Level.HOUSEHOLD, "household_id"),
        (RecurringProblem.Level.BUILDING, "building_id"),
        (RecurringProblem.Level.COMPOUND, "compound_id"),
    ):
        groups: dict[tuple[int, int], list[dict]] = defaultdict(list)
        for row in rows:
            if row[key] is not None:
                groups[(row["category_id"], row[key])].append(row)
        for (category_id, _place), members in groups.items():
            rule = _rule_for(category_id, default, by_category)
            if len(members) < rule.threshold:
                continue
            if PlaceLevel.rank(level) > PlaceLevel.rank(rule.widest_place):
                continue
            card = _raise_card(level, members, rule, now)
            raised.append(card)
            taken = {r["pk"] for r in members}
            rows = [r for r in rows if r["pk"] not in taken]
    return raised


def _inside(card: RecurringProblem, row: dict) -> bool:
    if card.level == RecurringProblem.Level.HOUSEHOLD:
        return row["household_id"] == card.household_id
    if card.level == RecurringProblem.Level.BUILDING:
        return row["building_id"] == card.building_id
    return row["compound_id"] == card.compound_id


def _attach(card: RecurringProblem, rows: list[dict]) -> None:
    card.orders.add(*[r["pk"] for r in rows])
    last = max(r["created_at"] for r in rows)
    RecurringProblem.objects.filter(pk=card.pk).update(
        order_count=card.orders.count(), last_at=max(card.last_at, last)
    )


def _raise_card(level, rows: list[dict], rule: RecurrenceRule, now) -> RecurringProblem:
    first = rows[0]
    card = RecurringProblem.objects.create(
        community_id=first["community_id"],
        grid_id=first["grid_id"],
        compound_id=first["compound_id"],
        building_id=first["building_id"] if level != RecurringProblem.Level.COMPOUND else None,
        household_id=first["household_id"] if level == RecurringProblem.Level.HOUSEHOLD else None,
        level=level,
        category_id=first["category_id"],
        order_count=len(rows),
        first_at=min(r["created_at"] for r in rows),
        last_at=max(r["created_at"] for r in rows),
        threshold=rule.threshold,
        window_days=rule.window_days,
        raised_at=now,
    )
    card.orders.add(*[r["pk"] for r in rows])
    audit.record(None, "care.recurring.raise", card, channel=Channel.TASK)
    _notify_later(
        community_staff_of(card.community_id),
        kind="care.recurring",
        subject=_("Recurring problem: %(card)s") % {"card": card},
        body=_(
            "%(count)s orders of this kind at the same place within %(days)s days. "
            "Consider a root-cause project or a co-building need."
        )
        % {"count": card.order_count, "days": card.window_days},
        link=reverse("care:problem", args=[card.pk]),
    )
    return card


def _problem_for(acting_user, card, roles) -> RecurringProblem:
    require_role(acting_user, *roles)
    return _get_visible(RecurringProblem.objects.visible_to(acting_user), card)


@transaction.atomic
def acknowledge_problem(*, acting_user, card, channel: str = Channel.WEB) -> RecurringProblem:
    """Someone at the office has seen the card and will deal with it."""
    card = _problem_for(acting_user, card, CARE_STAFF_ROLES)
    if not RecurringProblem.objects.filter(pk=card.pk, state=RecurringProblem.State.OPEN).update(
        state=RecurringProblem.State.ACKNOWLEDGED,
        acknowledged_at=timezone.now(),
        acknowledged_by=acting_user,
    ):
        raise Conflict(_("This card was already acknowledged."))
    card.refresh_from_db()
    audit.record(acting_user, "care.recurring.acknowledge", card, channel=channel)
    return card


@transaction.atomic
def assign_problem(*, acting_user, card, assignee, channel: str = Channel.WEB) -> RecurringProblem:
    """Give the card to a staff member who will find the root cause."""
    card = _problem_for(acting_user, card, COMMUNITY_ROLES)
    if not (
        assignee.is_active
        and RecurringProblem.objects.visible_to(assignee).filter(pk=card.pk).exists()
    ):
        raise ServiceError(_("%(name)s does not work in this area.") % {"name": assignee})
    now = timezone.now()
    updated = (
        RecurringProblem.objects.filter(pk=card.pk)
        .exclude(state=RecurringProblem.State.CLOSED)
        .update(
            state=RecurringProblem.State.ASSIGNED,
            assignee=assignee,
            assigned_at=now,
            acknowledged_at=card.acknowledged_at or now,
            acknowledged_by=card.acknowledged_by or acting_user,
        )
    )
    if not updated:
        raise Conflict(_("This card is closed."))
    card.refresh_from_db()
    audit.record(
        acting_user, "care.recurring.assign", card, after={"assignee": assignee.pk}, channel=channel
    )
    if assignee.pk != acting_user.pk:
        _notify_later(
            [assignee],
            kind="care.recurring.assigned",
            subject=_("Recurring problem for you: %(card)s") % {"card": card},
            body="",
            link=reverse("care:problem", args=[card.pk]),
        )
    return card


@transaction.atomic
def close_problem(*, acting_user, card, note: str, channel: str = Channel.WEB) -> RecurringProblem:
    """Close the card with what was done about the cause (or why nothing will be)."""
    card = _problem_for(acting_user, card, CARE_STAFF_ROLES)
    note = note.strip()
    if not note:
        raise ServiceError(_("Say how the problem was dealt with."))
    if not (acting_user.has_role(*COMMUNITY_ROLES) or acting_user.is_superuser) and (
        card.assignee_id != acting_user.pk
    ):
        raise ServiceError(
            _("Only the person the card is assigned to, or the office, may close it.")
        )
    if (
        not RecurringProblem.objects.filter(pk=card.pk)
        .exclude(state=RecurringProblem.State.CLOSED)
        .update(
            state=RecurringProblem.State.CLOSED,
            closed_at=timezone.now(),
            closed_by=acting_user,
            closing_note=note[:500],
        )
    ):
        raise Conflict(_("This card is already closed."))
    card.refresh_from_db()
    audit.record(acting_user, "care.recurring.close", card, channel=channel, note=note)
    return card


# --- Seasonal look-ahead -----------------------------------------------------------------


@transaction.atomic
def record_season_check(
    *,
    acting_user,
    season: Season,
    compound,
    building=None,
    household=None,
    note: str = "",
    today: dt.date | None = None,
    channel: str = Channel.WEB,
) -> SeasonCheck:
    """Mark a place as checked before this season (the drain cleared, the roof seen)."""
    from places.models import Compound

    require_role(acting_user, Role.GRID_WORKER, *COMMUNITY_ROLES)
    compound = _get_visible(
        Compound.objects.filter(
            scope_filter(
                acting_user,
                community_path="grid__community",
                grid_path="grid",
                roles=CARE_STAFF_ROLES,
            )
        ).select_related("grid"),
        compound,
    )
    if building is not None and building.compound_id != compound.pk:
        raise ServiceError(_("The building is not in this compound."))
    if household is not None and (building is None or household.building_id != building.pk):
        raise ServiceError(_("The household is not in this building."))
    _shown_from, start, _end = season.occurrence(today or timezone.localdate())
    check = SeasonCheck.objects.create(
        season=season,
        season_start=start,
        community_id=compound.grid.community_id,
        compound=compound,
        building=building,
        household=household,
        checked_by=acting_user,
        note=note.strip()[:300],
    )
    audit.record(acting_user, "care.season.check", check, channel=channel)
    return check


__all__ = [
    "accrue_order_hours",
    "acknowledge_problem",
    "add_finding",
    "add_service_hours",
    "add_visit_photo",
    "assign_problem",
    "assign_responsible",
    "close_alert",
    "close_problem",
    "contacts_for_tags",
    "detect_recurring_problems",
    "escalate_alerts",
    "generate_plans",
    "log_visit",
    "order_from_finding",
    "plan_visit",
    "record_check_in",
    "record_season_check",
    "set_plan_active",
    "set_plan_contact",
]
