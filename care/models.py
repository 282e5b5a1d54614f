"""Anticipate and care (三前, 五勤): regular contact with vulnerable residents, home visits
(入户走访), the volunteers' service hours, recurring problems and the seasonal look-ahead.

The seed's method is "预判走在问题前、服务走在需求前、化解走在矛盾前": call the elder before
the elder has to call, visit before the tenant's leak floods the flat below, and notice
when the same drain has been reported three times. Everything here is data the office
can edit (contact rules, thresholds, seasons), and every change goes through
``care.services``.

Care tags and who lives alone are sensitive personal information (PIPL art. 28): the
querysets here show care records only to staff roles that work with them (grid worker,
operator, leader, administrator) inside their scope, and to the volunteer or worker
responsible for a plan.
"""

from __future__ import annotations

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from places.models import ScopedQuerySet

# Roles that work with care records inside their scope. Committee members and unit
# liaisons have no business with who lives alone, so they are left out on purpose.
CARE_STAFF_ROLES = (Role.GRID_WORKER, Role.OPERATOR, Role.LEADER, Role.ADMIN)
COMMUNITY_ROLES = (Role.OPERATOR, Role.LEADER, Role.ADMIN)


class CareScopedQuerySet(ScopedQuerySet):
    """Like ``ScopedQuerySet`` but only through the care staff roles."""

    def visible_to(self, user):
        from accounts.scopes import scope_filter

        return self.filter(
            scope_filter(
                user,
                community_path=self.community_path,
                grid_path=self.grid_path,
                compound_path=self.compound_path,
                roles=CARE_STAFF_ROLES,
            )
        )


class ContactKind(models.TextChoices):
    CALL = "call", _("Phone call")
    VISIT = "visit", _("Home visit")


# --- Settings kept as data ----------------------------------------------------------


class CareSettings(models.Model):
    """The care routine's adjustable numbers for one community.

    A community without a row uses the defaults below (``for_community``).
    """

    community = models.OneToOneField(
        "places.Community", on_delete=models.CASCADE, related_name="care_settings"
    )
    escalate_at = models.TimeField(
        _("escalate unhandled alerts at"),
        default=dt.time(18, 0),
        help_text=_("An alert nobody acted on by this time of day goes to the community."),
    )
    visit_coverage_months = models.PositiveSmallIntegerField(
        _("visit every household within (months)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    call_minutes = models.PositiveSmallIntegerField(
        _("service minutes for a check-in call"), default=15
    )
    visit_minutes = models.PositiveSmallIntegerField(
        _("service minutes for a check-in visit"), default=45
    )
    needs_help_category = models.ForeignKey(
        "hotline.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category of orders from 'needs help'"),
        help_text=_("When empty, the category with the code 'care_help' or 'other' is used."),
    )

    class Meta:
        verbose_name = _("care settings")
        verbose_name_plural = _("care settings")

    def __str__(self) -> str:
        return str(self.community)

    @classmethod
    def for_community(cls, community) -> CareSettings:
        found = cls.objects.filter(community=community).first()
        return found or cls(community=community)

    def audit_community_id(self) -> int:
        return self.community_id


class ContactRule(models.Model):
    """A default for how often residents with certain care tags are contacted.

    A rule applies to a resident who carries *all* of its tags: "高龄 + 独居 → a call
    every 7 days". When several rules apply, the most frequent contact of each kind wins.
    """

    name = models.CharField(_("name"), max_length=60)
    tags = models.ManyToManyField(
        "people.CareTag", related_name="contact_rules", verbose_name=_("care tags (all of)")
    )
    kind = models.CharField(_("contact"), max_length=10, choices=ContactKind)
    every_days = models.PositiveSmallIntegerField(
        _("every (days)"), validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("contact rule")
        verbose_name_plural = _("contact rules")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


# --- Care plans and check-ins -----------------------------------------------------------


class CarePlanQuerySet(CareScopedQuerySet):
    community_path = "community"
    grid_path = "grid"

    def visible_to(self, user):
        """Staff in scope, plus the person responsible for the plan (a volunteer sees
        only the residents they look after, never the whole grid's list)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        from accounts.scopes import scope_filter

        staff = scope_filter(
            user, community_path="community", grid_path="grid", roles=CARE_STAFF_ROLES
        )
        return self.filter(staff | Q(responsible_user=user) | Q(responsible_volunteer__user=user))

    def active(self):
        return self.filter(is_active=True)

    def responsible(self, user):
        return self.filter(Q(responsible_user=user) | Q(responsible_volunteer__user=user))


class CarePlan(models.Model):
    """The regular contact one vulnerable resident gets (关怀计划), and who gives it.

    The person responsible is either a staff account (usually the grid worker) or a
    volunteer; a volunteer without an account has their check-ins entered by staff.
    ``grid`` is copied from the resident's home so scope filters need no joins.
    """

    resident = models.OneToOneField(
        "people.Resident", on_delete=models.CASCADE, related_name="care_plan"
    )
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(
        "places.Grid", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responsible_user = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="care_plans",
        verbose_name=_("responsible staff member"),
    )
    responsible_volunteer = models.ForeignKey(
        "people.Volunteer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="care_plans",
        verbose_name=_("responsible volunteer"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    follows_rules = models.BooleanField(
        _("follows the contact rules"),
        default=True,
        help_text=_("Regenerating plans updates the schedule only while this is on."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CarePlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")
        ordering = ["resident__name", "id"]
        constraints = [
            models.CheckConstraint(
                name="care_plan_one_responsible",
                condition=Q(responsible_user__isnull=True) | Q(responsible_volunteer__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return str(self.resident)

    def audit_community_id(self) -> int:
        return self.community_id

    @property
    def responsible_label(self) -> str:
        if self.responsible_volunteer_id:
            return str(self.responsible_volunteer)
        if self.responsible_user_id:
            return str(self.responsible_user)
        return ""

    def is_responsible(self, user) -> bool:
        if user is None or not user.is_authenticated:
            return False
        if self.responsible_user_id and self.responsible_user_id == user.pk:
            return True
        volunteer = self.responsible_volunteer
        return volunteer is not None and volunteer.user_id == user.pk


class PlanItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(plan__in=CarePlan.objects.visible_to(user))

    def due(self, day: dt.date):
        """Items of active plans whose next contact is on ``day`` or earlier."""
        return self.filter(plan__is_active=True, next_due__lte=day)

    def missed(self, day: dt.date):
        """Items whose contact date has passed without a contact that reached the resident."""
        return self.filter(plan__is_active=True, next_due__lt=day)


class PlanItem(models.Model):
    """One regular contact of a plan: "a call every 7 days", "a visit every 30 days"."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("contact"), max_length=10, choices=ContactKind)
    every_days = models.PositiveSmallIntegerField(
        _("every (days)"), validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    rule = models.ForeignKey(
        ContactRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    next_due = models.DateField(_("next contact on"), db_index=True)
    last_done_on = models.DateField(_("last reached on"), null=True, blank=True)

    objects = PlanItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("scheduled contact")
        verbose_name_plural = _("scheduled contacts")
        ordering = ["next_due", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "kind"], name="one_plan_item_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.get_kind_display()}"

    def days_overdue(self, day: dt.date) -> int:
        return max(0, (day - self.next_due).days)


class CheckInQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(plan__in=CarePlan.objects.visible_to(user))

    def reached(self):
        return self.exclude(outcome=CheckIn.Outcome.NO_ANSWER)


class CheckIn(models.Model):
    """One contact made, or tried, under a care plan: a call or a knock on the door.

    Two taps record it: fine, needs help (a hotline order is opened for the resident)
    or no answer. ``done_by`` is the volunteer who made the contact, when a volunteer
    did; staff entering it for a volunteer without an account are ``recorded_by``.
    """

    class Outcome(models.TextChoices):
        FINE = "fine", _("Fine")
        NEEDS_HELP = "needs_help", _("Needs help")
        NO_ANSWER = "no_answer", _("No answer")

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="check_ins")
    item = models.ForeignKey(
        PlanItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="check_ins"
    )
    kind = models.CharField(_("contact"), max_length=10, choices=ContactKind)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    done_by = models.ForeignKey(
        "people.Volunteer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="check_ins",
        verbose_name=_("volunteer"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    order = models.ForeignKey(
        "hotline.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("work order"),
    )

    objects = CheckInQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["plan", "at"])]

    def __str__(self) -> str:
        return f"{self.plan} {self.get_kind_display()} {self.get_outcome_display()}"

    def audit_community_id(self) -> int:
        return self.plan.community_id


class CareAlertQuerySet(CareScopedQuerySet):
    community_path = "community"
    grid_path = "grid"

    def open(self):
        return self.filter(state=CareAlert.State.OPEN)


class CareAlert(models.Model):
    """A resident who did not answer twice in a row: the grid worker should go and see
    them the same day. Not acted on by the evening, it goes to the community."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        HANDLED = "handled", _("Handled")

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="alerts")
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(
        "places.Grid", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    check_in = models.ForeignKey(
        CheckIn, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.OPEN)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    due_at = models.DateTimeField(_("act by"), db_index=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handling_note = models.CharField(_("what was done"), max_length=500, blank=True)

    objects = CareAlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("care alert")
        verbose_name_plural = _("care alerts")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"], condition=Q(state="open"), name="one_open_alert_per_plan"
            )
        ]

    def __str__(self) -> str:
        return str(self.plan)

    def audit_community_id(self) -> int:
        return self.community_id

    @property
    def is_escalated(self) -> bool:
        return self.escalated_at is not None


# --- Home visits --------------------------------------------------------------------


class HomeVisitQuerySet(CareScopedQuerySet):
    community_path = "community"
    grid_path = "grid"

    def done(self):
        return self.filter(visited_at__isnull=False)

    def planned(self):
        return self.filter(visited_at__isnull=True)


class HomeVisit(models.Model):
    """入户走访: a grid worker's visit to a household — who was met, what was found.

    A visit may be planned first (``planned_for``) and logged when it happens
    (``visited_at``). Each finding can become a hotline order in one step.
    """

    household = models.ForeignKey(
        "places.Household", on_delete=models.PROTECT, related_name="care_visits"
    )
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("places.Grid", on_delete=models.PROTECT, related_name="+")
    planned_for = models.DateField(_("planned for"), null=True, blank=True)
    planned_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    visited_at = models.DateTimeField(_("visited at"), null=True, blank=True, db_index=True)
    visitor = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="home_visits",
        verbose_name=_("visited by"),
    )
    met_residents = models.ManyToManyField(
        "people.Resident", blank=True, related_name="+", verbose_name=_("residents met")
    )
    met_note = models.CharField(
        _("who was met"), max_length=200, blank=True, help_text=_("e.g. 租户小王, 老人的女儿")
    )
    summary = models.TextField(_("what was found"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    objects = HomeVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        ordering = ["-visited_at", "-planned_for", "-id"]
        indexes = [models.Index(fields=["household", "visited_at"])]

    def __str__(self) -> str:
        return str(self.household)

    def audit_community_id(self) -> int:
        return self.community_id

    @property
    def is_done(self) -> bool:
        return self.visited_at is not None


class VisitFinding(models.Model):
    """Something a visit found that needs doing (a leaking pipe, a broken stair light)."""

    visit = models.ForeignKey(HomeVisit, on_delete=models.CASCADE, related_name="findings")
    text = models.CharField(_("finding"), max_length=500)
    order = models.ForeignKey(
        "hotline.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("work order"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("visit finding")
        verbose_name_plural = _("visit findings")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text

    def audit_community_id(self) -> int:
        return self.visit.community_id


class VisitPhoto(models.Model):
    """A photo taken on a visit, stored re-encoded under a generated name."""

    visit = models.ForeignKey(HomeVisit, on_delete=models.CASCADE, related_name="photos")
    path = models.CharField(max_length=200)
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.caption or self.path


# --- Volunteers' service hours --------------------------------------------------------


class OrderHoursRule(models.Model):
    """How many service minutes a volunteer earns for resolving an order of a category
    (陪伴聊天, 代买代办 …). Categories without a rule earn no automatic hours."""

    category = models.OneToOneField(
        "hotline.Category", on_delete=models.CASCADE, related_name="+", verbose_name=_("category")
    )
    minutes = models.PositiveSmallIntegerField(
        _("minutes"), validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )

    class Meta:
        verbose_name = _("service hours for orders")
        verbose_name_plural = _("service hours for orders")

    def __str__(self) -> str:
        return f"{self.category}: {self.minutes}"


class ServiceHoursQuerySet(ScopedQuerySet):
    community_path = "community"
    grid_path = "volunteer__grid"


class ServiceHours(models.Model):
    """One line of a volunteer's service-hours ledger.

    Lines from orders and check-ins are written automatically (at most one per order
    or check-in); staff add lines by hand for other work. A mistake is corrected by a
    line with negative minutes, never by editing.
    """

    class Source(models.TextChoices):
        ORDER = "order", _("Work order")
        CHECK_IN = "check_in", _("Check-in")
        MANUAL = "manual", _("Added by hand")

    volunteer = models.ForeignKey(
        "people.Volunteer", on_delete=models.PROTECT, related_name="service_hours"
    )
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="+")
    on_date = models.DateField(_("date"), db_index=True)
    minutes = models.IntegerField(_("minutes"))
    source = models.CharField(_("source"), max_length=10, choices=Source)
    order = models.OneToOneField(
        "hotline.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    check_in = models.OneToOneField(
        CheckIn, on_delete=models.PROTECT, null=True, blank=True, related_name="service_hours"
    )
    note = models.CharField(_("what was done"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ServiceHoursQuerySet.as_manager()

    class Meta:
        verbose_name = _("service hours")
        verbose_name_plural = _("service hours")
        ordering = ["-on_date", "-id"]
        indexes = [models.Index(fields=["volunteer", "on_date"])]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.on_date} {self.minutes}"

    def audit_community_id(self) -> int:
        return self.community_id


# --- Recurring problems --------------------------------------------------------------


class PlaceLevel(models.TextChoices):
    """How wide "the same place" is, from narrowest to widest."""

    HOUSEHOLD = "household", _("Household")
    BUILDING = "building", _("Building")
    COMPOUND = "compound", _("Compound or lane")

    @classmethod
    def rank(cls, value: str) -> int:
        return cls.values.index(value)


class RecurrenceRule(models.Model):
    """When repeated orders become a "recurring problem": ``threshold`` orders of one
    category at one place within ``window_days``. The row without a category is the
    default; a category row overrides it, or switches detection off for categories
    that recur by nature (companionship calls).

    ``widest_place`` says how far apart orders may be and still be "the same problem":
    three blocked drains anywhere in a compound share one sewer, but three broken
    televisions in three flats of that compound are three households' bad luck.
    """

    category = models.OneToOneField(
        "hotline.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    threshold = models.PositiveSmallIntegerField(
        _("orders"), default=3, validators=[MinValueValidator(2)]
    )
    window_days = models.PositiveSmallIntegerField(
        _("within (days)"), default=180, validators=[MinValueValidator(1)]
    )
    widest_place = models.CharField(
        _("widest place"),
        max_length=10,
        choices=PlaceLevel,
        default=PlaceLevel.COMPOUND,
        help_text=_("Orders further apart than this are not the same problem."),
    )
    is_active = models.BooleanField(_("detect"), default=True)

    class Meta:
        verbose_name = _("recurrence rule")
        verbose_name_plural = _("recurrence rules")
        # Should there be several rows without a category, the oldest is the default.
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.category or '*'}: {self.threshold} / {self.window_days}"


class RecurringProblemQuerySet(CareScopedQuerySet):
    community_path = "community"
    grid_path = "grid"
    compound_path = "compound"

    def open(self):
        return self.exclude(state=RecurringProblem.State.CLOSED)


class RecurringProblem(models.Model):
    """A "recurring problem" card (三前: 预判走在问题前): the same category at the same place
    three or more times within the window. The suggestion is to make it a root-cause
    project or a co-building need; until those modules pick it up, staff acknowledge
    it, assign someone and close it with a note."""

    class State(models.TextChoices):
        OPEN = "open", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ASSIGNED = "assigned", _("Assigned")
        CLOSED = "closed", _("Closed")

    Level = PlaceLevel

    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("places.Grid", on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey("places.Compound", on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey(
        "places.Building", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    household = models.ForeignKey(
        "places.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    level = models.CharField(_("place"), max_length=10, choices=Level)
    category = models.ForeignKey(
        "hotline.Category", on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    orders = models.ManyToManyField("hotline.Order", related_name="recurring_problems")
    order_count = models.PositiveIntegerField(_("orders"), default=0)
    first_at = models.DateTimeField(_("first order"))
    last_at = models.DateTimeField(_("latest order"))
    threshold = models.PositiveSmallIntegerField()
    window_days = models.PositiveSmallIntegerField()
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=12, choices=State, default=State.OPEN)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recurring_problems",
        verbose_name=_("assigned to"),
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closing_note = models.CharField(_("closing note"), max_length=500, blank=True)

    objects = RecurringProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("recurring problem")
        verbose_name_plural = _("recurring problems")
        ordering = ["-last_at", "-id"]
        indexes = [models.Index(fields=["category", "compound", "state"])]

    def __str__(self) -> str:
        return f"{self.category} · {self.place_label}"

    def audit_community_id(self) -> int:
        return self.community_id

    @property
    def place_label(self) -> str:
        if self.household_id:
            return self.household.address
        if self.building_id:
            return str(self.building)
        return self.compound.name

    @property
    def is_open(self) -> bool:
        return self.state != self.State.CLOSED

    def covers(self, order) -> bool:
        """True when ``order`` lies inside this card's place."""
        if self.level == self.Level.HOUSEHOLD:
            return order.household_id == self.household_id
        if self.level == self.Level.BUILDING:
            return order.building_id == self.building_id
        return order.compound_id == self.compound_id


# --- Seasonal look-ahead ---------------------------------------------------------------


class Season(models.Model):
    """A season worth preparing for, e.g. the rainy months (雨季, July–September): the
    places with past orders in its categories are listed ``lead_months`` ahead so they
    can be checked before the first rain."""

    name = models.CharField(_("name"), max_length=40)
    start_month = models.PositiveSmallIntegerField(
        _("first month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    end_month = models.PositiveSmallIntegerField(
        _("last month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    lead_months = models.PositiveSmallIntegerField(
        _("list shown months ahead"), default=1, validators=[MaxValueValidator(6)]
    )
    lookback_days = models.PositiveSmallIntegerField(
        _("look at orders of the last (days)"), default=730, validators=[MinValueValidator(30)]
    )
    categories = models.ManyToManyField(
        "hotline.Category", related_name="+", verbose_name=_("categories")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("season")
        verbose_name_plural = _("seasons")
        ordering = ["start_month", "id"]

    def __str__(self) -> str:
        return self.name

    def occurrence(self, today: dt.date) -> tuple[dt.date, dt.date, dt.date]:
        """(shown from, first day, last day) of the season that is current or next."""
        for year in (today.year - 1, today.year, today.year + 1):
            start = dt.date(year, self.start_month, 1)
            end_year = year if self.end_month >= self.start_month else year + 1
            end = _month_end(end_year, self.end_month)
            if end >= today:
                return _months_before(start, self.lead_months), start, end
        raise AssertionError("unreachable")  # pragma: no cover

    def is_shown(self, today: dt.date) -> bool:
        shown_from, _start, end = self.occurrence(today)
        return shown_from <= today <= end


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def _months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) - months
    return dt.date(index // 12, index % 12 + 1, 1)


class SeasonCheck(models.Model):
    """A place checked before the season (the drain cleared, the roof looked at)."""

    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="checks")
    season_start = models.DateField(_("season starting"))
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey("places.Compound", on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey(
        "places.Building", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    household = models.ForeignKey(
        "places.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("season check")
        verbose_name_plural = _("season checks")
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{self.season} {self.season_start:%Y}"

    def audit_community_id(self) -> int:
        return self.community_id
