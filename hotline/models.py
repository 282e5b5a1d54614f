"""The hotline (小刘热线): categories, work orders (工单) and everything on their timeline.

Lifecycle (DESIGN.md): received (受理) → dispatched (派单) → accepted (签收) → in progress
(办理) → resolved (办结) → called back (回访) → closed. Side paths: returned (退单) →
re-dispatched; reopened (重办) after an unsatisfied call-back; merged into another order;
withdrawn by the caller. Supervision (督办) is a flag set when an order is overdue.
Every change is a function in ``hotline.services`` that appends an ``OrderEvent``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from people.models import EncryptedPhone
from places.models import ScopedQuerySet


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    PRESSING = "pressing", _("Pressing")
    NORMAL = "normal", _("Normal")


class Level(models.TextChoices):
    """Where a matter is handled: "small matters stay in the grid, big ones in the community"."""

    GRID = "grid", _("Grid")
    COMMUNITY = "community", _("Community")
    UNIT = "unit", _("Unit or department")


class LimitUnit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    WORKING_DAYS = "working_days", _("working days")


class Category(models.Model):
    """What a call is about (家电维修, 屋顶漏水, 下水道堵塞 …), with its default urgency,
    handling level and, for matters that belong to a department, the responsible unit."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40)
    name_pinyin = models.CharField(_("pinyin"), max_length=120, blank=True)
    name_initials = models.CharField(_("pinyin initials"), max_length=20, blank=True)
    group = models.CharField(_("group"), max_length=40, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    default_urgency = models.CharField(
        _("default urgency"), max_length=10, choices=Urgency, default=Urgency.NORMAL
    )
    default_level = models.CharField(
        _("default handling level"), max_length=10, choices=Level, default=Level.GRID
    )
    unit = models.ForeignKey(
        "cobuild.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="categories",
        verbose_name=_("responsible unit"),
    )
    solvable_on_call = models.BooleanField(
        _("often solved on the call"),
        default=False,
        help_text=_("e.g. companionship, questions answered"),
    )
    provider_trade = models.CharField(
        _("provider trade"),
        max_length=30,
        blank=True,
        help_text=_("Which service-provider trade usually fixes this (e.g. tv_repair)."),
    )
    volunteer_skill = models.CharField(
        _("volunteer skill"),
        max_length=20,
        blank=True,
        help_text=_("Which volunteer skill fits this (e.g. errands, companionship)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class SlaLimit(models.Model):
    """Response and resolution limits for an urgency, optionally for one category.

    A row with no category is the default for that urgency; a category row overrides
    it. Working days follow the official holiday and make-up-day calendar.
    """

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="sla_limits"
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency)
    response_amount = models.PositiveIntegerField(_("accept within"))
    response_unit = models.CharField(_("unit"), max_length=15, choices=LimitUnit)
    resolution_amount = models.PositiveIntegerField(_("resolve within"))
    resolution_unit = models.CharField(_("unit"), max_length=15, choices=LimitUnit)
    warn_before_minutes = models.PositiveIntegerField(
        _("warn before the deadline (minutes)"), default=60
    )

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "urgency"], name="unique_sla_per_category_urgency"
            ),
            models.UniqueConstraint(
                fields=["urgency"],
                condition=Q(category__isnull=True),
                name="unique_default_sla_per_urgency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} / {self.get_urgency_display()}"


class CalendarDay(models.Model):
    """A day the official calendar sets apart, entered by an administrator: a public
    holiday (放假) or a make-up working day on a weekend (调休上班).

    The ``chinesecalendar`` package knows the State Council's schedule only up to the
    year of its release; the schedule for the next year is published each winter. Until
    the package is upgraded, the administrator enters that year's days here, and the
    working-day calendar of the time limits (``linli.lib.workdays``) uses them. A day
    entered here also wins over the package, should a local correction be needed.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday (day off)")
        WORKDAY = "workday", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    name = models.CharField(
        _("name"), max_length=40, blank=True, help_text=_("e.g. Spring Festival (春节)")
    )

    class Meta:
        verbose_name = _("official calendar day")
        verbose_name_plural = _("official calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()

    @property
    def is_working_day(self) -> bool:
        return self.kind == self.Kind.WORKDAY

    @classmethod
    def days_of(cls, year: int) -> dict:
        """The days entered for ``year``: {date: True for a working day, False for a day off}."""
        rows = cls.objects.filter(date__year=year).values_list("date", "kind")
        return {day: kind == cls.Kind.WORKDAY for day, kind in rows}


class ServiceProvider(EncryptedPhone):
    """A tradesman or firm the community calls on (TV repair, roofing, drain clearing …).

    Providers rarely have accounts: staff record their work on their behalf. Ratings
    come from the call-backs of the orders they handled.
    """

    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="providers"
    )
    name = models.CharField(_("name"), max_length=60)
    trade = models.CharField(_("trade"), max_length=30, help_text=_("e.g. tv_repair, roofing"))
    trade_label = models.CharField(_("trade (as shown)"), max_length=30)
    area = models.CharField(_("area served"), max_length=100, blank=True)
    grids = models.ManyToManyField("places.Grid", blank=True, verbose_name=_("grids served"))
    notes = models.CharField(_("notes"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")
        ordering = ["trade", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.trade_label}）"

    def audit_community_id(self) -> int:
        return self.community_id


class TelephonyIntegration(models.Model):
    """A phone system (Asterisk, FreeSWITCH, a carrier's CTI) allowed to post call events.

    Only a hash of its API key is kept.
    """

    community = models.ForeignKey("places.Community", on_delete=models.PROTECT)
    name = models.CharField(_("name"), max_length=60)
    key_prefix = models.CharField(max_length=8, unique=True)
    key_hash = models.CharField(max_length=128)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("telephony integration")
        verbose_name_plural = _("telephony integrations")

    def __str__(self) -> str:
        return self.name


class CallQuerySet(ScopedQuerySet):
    community_path = "community"


class Call(EncryptedPhone):
    """One phone call into the hotline, as reported by the phone system (or typed in).

    The caller's number is encrypted like any resident phone; ``resident`` is the
    match found through the blind index when the phone rang.
    """

    class State(models.TextChoices):
        RINGING = "ringing", _("Ringing")
        ANSWERED = "answered", _("Answered")
        ENDED = "ended", _("Ended")

    community = models.ForeignKey("places.Community", on_delete=models.PROTECT)
    integration = models.ForeignKey(
        TelephonyIntegration, on_delete=models.PROTECT, null=True, blank=True
    )
    external_id = models.CharField(_("call id"), max_length=100)
    extension = models.CharField(_("extension"), max_length=20, blank=True)
    operator = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    resident = models.ForeignKey(
        "people.Resident", on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.RINGING)
    started_at = models.DateTimeField(_("rang at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "external_id"], name="unique_call_per_integration"
            )
        ]
        indexes = [models.Index(fields=["extension", "state", "started_at"])]

    def __str__(self) -> str:
        return f"{self.masked} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration_seconds(self) -> int | None:
        if self.ended_at and self.answered_at:
            return int((self.ended_at - self.answered_at).total_seconds())
        return None


class OrderQuerySet(ScopedQuerySet):
    community_path = "community"
    grid_path = "grid"
    compound_path = "compound"

    def open(self):
        return self.exclude(state__in=Order.FINISHED_STATES)

    def overdue(self, now=None):
        now = now or timezone.now()
        return self.open().filter(
            Q(state__in=Order.AWAITING_ACCEPTANCE, response_due__lt=now)
            | Q(resolution_due__lt=now, resolved_at__isnull=True)
        )

    def in_grid(self, grid):
        return self.filter(grid=grid)

    def assigned_to(self, user):
        return self.filter(assignee_user=user)

    def awaiting_callback(self):
        return self.filter(state=Order.State.RESOLVED)

    def awaiting_acceptance(self):
        return self.filter(state__in=Order.AWAITING_ACCEPTANCE)

    def in_hand(self):
        """Dispatched to someone and not yet resolved: what an assignee still owes."""
        return self.filter(state__in=Order.IN_HAND)

    def supervised(self):
        return self.open().filter(is_supervised=True)


class Order(models.Model):
    """A work order (工单): one matter a resident raised, from intake to call-back.

    ``grid`` and ``compound`` are copied from the location so scope filters and
    rollups need no joins; the location itself is a household, building, compound or
    free text. Exactly one kind of assignee is set once dispatched.
    """

    class State(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("order state", "Received")
        DISPATCHED = "dispatched", _("Dispatched")
        ACCEPTED = "accepted", _("Accepted")
        IN_PROGRESS = "in_progress", _("In progress")
        RETURNED = "returned", _("Returned")
        RESOLVED = "resolved", _("Resolved")
        CALLED_BACK = "called_back", _("Called back")
        CLOSED = "closed", _("Closed")
        MERGED = "merged", _("Merged")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Channel(models.TextChoices):
        PHONE = "phone", pgettext_lazy("channel", "Phone call")
        WALK_IN = "walk_in", _("Walk-in")
        VISIT = "visit", pgettext_lazy("channel", "Home visit")
        CHECK_IN = "check_in", _("Care check-in")
        WEB = "web", _("Web")
        API = "api", _("API")
        OPEN311 = "open311", _("Open311")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASIC = "basic", _("Basically satisfied")
        UNSATISFIED = "unsatisfied", _("Unsatisfied")
        UNREACHABLE = "unreachable", _("Unreachable")

    FINISHED_STATES = (State.CLOSED, State.MERGED, State.WITHDRAWN)
    AWAITING_ACCEPTANCE = (State.RECEIVED, State.DISPATCHED, State.RETURNED)
    IN_HAND = (State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS)

    number = models.CharField(_("number"), max_length=20, unique=True)
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT)
    grid = models.ForeignKey("places.Grid", on_delete=models.PROTECT, null=True, blank=True)
    compound = models.ForeignKey("places.Compound", on_delete=models.PROTECT, null=True, blank=True)
    building = models.ForeignKey("places.Building", on_delete=models.PROTECT, null=True, blank=True)
    household = models.ForeignKey(
        "places.Household", on_delete=models.PROTECT, null=True, blank=True
    )
    location_text = models.CharField(_("location"), max_length=200, blank=True)

    caller = models.ForeignKey(
        "people.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("caller"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel, default=Channel.PHONE)
    call = models.ForeignKey(Call, on_delete=models.SET_NULL, null=True, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="orders", verbose_name=_("category")
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency)
    level = models.CharField(_("handling level"), max_length=10, choices=Level)
    description = models.TextField(_("what happened"), max_length=4000)

    state = models.CharField(
        _("state"), max_length=12, choices=State, default=State.RECEIVED, db_index=True
    )
    assignee_user = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_orders",
        verbose_name=_("assigned staff"),
    )
    assignee_volunteer = models.ForeignKey(
        "people.Volunteer", on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    assignee_provider = models.ForeignKey(
        ServiceProvider, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    assignee_unit = models.ForeignKey(
        "cobuild.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )

    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    called_back_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    response_due = models.DateTimeField(_("accept by"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolve by"), null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    is_supervised = models.BooleanField(_("under supervision (督办)"), default=False)

    solved_on_call = models.BooleanField(_("solved on the call"), default=False)
    resolution = models.TextField(_("what was done"), blank=True)
    satisfaction = models.CharField(
        _("call-back result"), max_length=12, choices=Satisfaction, blank=True
    )
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_orders"
    )

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "state", "created_at"]),
            # The order lists, newest first with keyset pages, for a community's desk
            # and a grid worker: read in index order, never sorted.
            models.Index(
                fields=["community", "created_at", "id"], name="hotline_order_community_new"
            ),
            models.Index(fields=["grid", "created_at", "id"], name="hotline_order_grid_new"),
            # The few open orders among a community's many (the hand-over sheet, by due
            # time). The condition is FINISHED_STATES, which Meta cannot name.
            models.Index(
                fields=["community", "resolution_due"],
                name="hotline_order_open_due",
                condition=~models.Q(state__in=["closed", "merged", "withdrawn"]),
            ),
            models.Index(fields=["grid", "state"]),
            models.Index(fields=["assignee_user", "state"]),
            models.Index(fields=["category", "compound", "created_at"]),
            models.Index(fields=["state", "response_due"]),
            models.Index(fields=["state", "resolution_due"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.category}"

    def audit_community_id(self) -> int:
        return self.community_id

    @property
    def is_open(self) -> bool:
        return self.state not in self.FINISHED_STATES

    def is_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        if not self.is_open:
            return False
        if self.state in self.AWAITING_ACCEPTANCE and self.response_due and self.response_due < now:
            return True
        return bool(self.resolution_due and not self.resolved_at and self.resolution_due < now)

    @property
    def display_state(self) -> str:
        """The state shown with its fixed colour: 'overdue' wins over the stored state."""
        return "overdue" if self.is_overdue() else self.state

    @property
    def location_label(self) -> str:
        if self.household_id:
            return self.household.address
        if self.building_id:
            return str(self.building)
        if self.compound_id:
            return self.compound.name
        return self.location_text

    @property
    def assignee_label(self) -> str:
        for value in (
            self.assignee_user,
            self.assignee_volunteer,
            self.assignee_provider,
            self.assignee_unit,
        ):
            if value is not None:
                return str(value)
        return ""


class OrderContact(models.Model):
    """A caller attached to an order: the first caller and every later caller about the
    same matter (重复诉求并单). Each one gets the call-back."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="contacts")
    resident = models.ForeignKey(
        "people.Resident", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=30, blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    # A caller who is not in the registry can only be called back on the number they
    # gave, so it is kept — encrypted like every phone number (see linli.lib.pii).
    phone_encrypted = models.TextField(blank=True)
    call = models.ForeignKey(Call, on_delete=models.SET_NULL, null=True, blank=True)
    attached_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(_("what they said"), max_length=500, blank=True)
    callback_result = models.CharField(
        _("call-back result"), max_length=12, choices=Order.Satisfaction, blank=True
    )
    callback_attempts = models.PositiveSmallIntegerField(default=0)
    callback_words = models.TextField(_("what they said at the call-back"), blank=True)
    called_back_at = models.DateTimeField(_("called back at"), null=True, blank=True)

    AUDIT_MASKED_FIELDS = {"phone_encrypted": lambda v: "<encrypted>"}

    class Meta:
        verbose_name = _("caller on an order")
        verbose_name_plural = _("callers on an order")
        ordering = ["attached_at", "id"]

    def __str__(self) -> str:
        return self.name or str(self.resident or "—")

    def audit_community_id(self) -> int:
        return self.order.community_id

    @property
    def has_final_result(self) -> bool:
        return bool(self.callback_result)

    def reveal_phone(self) -> str:
        """The full number given at intake. Callers must log the reveal."""
        from linli.lib import pii

        return pii.decrypt(self.phone_encrypted) if self.phone_encrypted else ""


class OrderEvent(models.Model):
    """One entry on an order's timeline: who did what, when, through which channel.

    Append-only: the timeline is the order's history and its evidence at supervision.
    """

    class Kind(models.TextChoices):
        CREATED = "created", pgettext_lazy("order step", "Received")
        SOLVED_ON_CALL = "solved_on_call", _("Solved on the call")
        DISPATCHED = "dispatched", _("Dispatched")
        ACCEPTED = "accepted", _("Accepted")
        STARTED = "started", _("Work started")
        NOTE = "note", _("Note")
        PHOTO = "photo", _("Photo")
        RETURNED = "returned", _("Returned")
        RESOLVED = "resolved", _("Resolved")
        CALLBACK = "callback", _("Called back")
        CALLBACK_FAILED = "callback_failed", _("Call-back not reached")
        REOPENED = "reopened", _("Reopened")
        CLOSED = "closed", _("Closed")
        MERGED = "merged", _("Merged")
        CALLER_ATTACHED = "caller_attached", _("Caller attached")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        WARNED = "warned", _("Deadline warning")
        ESCALATED = "escalated", _("Escalated to the community")
        SUPERVISED = "supervised", _("Put under supervision")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=Kind)
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("who")
    )
    on_behalf_of = models.CharField(
        _("on behalf of"),
        max_length=60,
        blank=True,
        help_text=_("e.g. a provider without an account"),
    )
    channel = models.CharField(_("channel"), max_length=10, default="web")
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"]), models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        return f"{self.order.number} {self.get_kind_display()}"


class OrderPhoto(models.Model):
    """A photo on an order (before/after), stored re-encoded under a generated name."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(OrderEvent, on_delete=models.SET_NULL, null=True, blank=True)
    path = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(default=timezone.now)
    caption = models.CharField(_("caption"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.caption or self.path


class Notification(models.Model):
    """The outbox: every message to staff goes here first, then out through a channel.

    The default channel only stores and logs; an SMS adapter can be plugged in
    (see docs). Care alerts use the same outbox.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(max_length=200, blank=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    channel = models.CharField(max_length=20, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a worker took the row to send it: a row left "sending" long after that was
    # abandoned by a worker that died, and is taken again.
    claimed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.subject


class OrderNumberCounter(models.Model):
    """The last order number handed out per number prefix and day.

    Numbers read like HLD202611290007 (the community's short code, the date, a
    sequence). The counter row is bumped with an UPDATE inside the order's transaction,
    so two operators saving at the same instant never get the same number on SQLite or
    PostgreSQL. Keyed by prefix, not community, so two communities that happen to share
    a short code still draw from one sequence.
    """

    prefix = models.CharField(max_length=8)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "day"], name="unique_counter_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.day} {self.last}"
