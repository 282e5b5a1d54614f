"""Rollups behind the three rates (三率) and the leader's dashboard.

Figures never come from scanning work orders per request. Each counted order has one
``OrderFact`` row: the day it counts in, the places and people it belongs to, and a
0/1 flag for every figure (received, responded in time, called back, satisfied …).
The rollup tables sum those flags per day, week, month and in total over a few
dimensions. A periodic task (``insights.tasks.refresh_rollups``) reads the order
timeline after a stored watermark, recomputes the fact of every order that moved and
adds the difference to each rollup, so the rollups always equal a recomputation from
the orders themselves (see ``insights.rollups`` and docs/insights.md).

Dimension columns are plain integers (0 = none) rather than foreign keys: the rows are
derived data, rebuilt at will with ``manage.py rebuild_rollups``, and must never get in
the way of the hotline's own changes.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# The figures every fact and rollup row carries, in a fixed order. The definitions
# live in ``insights.definitions``; docs/insights.md explains them in prose.
COUNTERS = (
    "received",
    "response_due",
    "responded_in_time",
    "solved_on_call",
    "resolved",
    "called_back",
    "confirmed",
    "reached",
    "satisfied",
    "basic",
    "unsatisfied",
    "unreachable",
    "reopened",
    "supervised",
    "overdue",
    "several_callers",
)


class AssigneeKind(models.TextChoices):
    NONE = "", _("Not assigned")
    USER = "user", _("Staff")
    VOLUNTEER = "volunteer", _("Volunteer")
    PROVIDER = "provider", _("Service provider")
    UNIT = "unit", _("Unit")


class Counters(models.Model):
    """The figures of one rollup row (or one order's fact): counts of orders."""

    received = models.IntegerField(default=0)
    response_due = models.IntegerField(default=0)
    responded_in_time = models.IntegerField(default=0)
    solved_on_call = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    called_back = models.IntegerField(default=0)
    confirmed = models.IntegerField(default=0)
    reached = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    basic = models.IntegerField(default=0)
    unsatisfied = models.IntegerField(default=0)
    unreachable = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    supervised = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    several_callers = models.IntegerField(default=0)

    class Meta:
        abstract = True


class OrderFact(Counters):
    """One counted work order as the figures see it: the day it counts in (the day it
    was received), where it is, whose it is, and which figures it adds to.

    Merged duplicates and withdrawn orders have no fact: they count nowhere.
    ``next_check_at`` is the next moment the flags change by time alone (a response
    limit or resolution limit passing); the refresh task looks at it again then.
    """

    order = models.OneToOneField(
        "hotline.Order",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="insights_fact",
    )
    day = models.DateField()
    community_id = models.BigIntegerField()
    grid_id = models.BigIntegerField(default=0)
    compound_id = models.BigIntegerField(default=0)
    category_id = models.BigIntegerField()
    assignee_kind = models.CharField(max_length=10, choices=AssigneeKind, blank=True)
    assignee_id = models.BigIntegerField(default=0)
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("order fact")
        verbose_name_plural = _("order facts")
        indexes = [
            models.Index(fields=["community_id", "day"]),
            models.Index(fields=["grid_id", "day"]),
            models.Index(fields=["category_id", "day"]),
            models.Index(fields=["assignee_kind", "assignee_id", "day"]),
            # The few orders a report calls notable, found without reading a month.
            models.Index(
                fields=["day"],
                name="insights_fact_notable",
                condition=models.Q(supervised=1)
                | models.Q(reopened=1)
                | models.Q(unsatisfied=1)
                | models.Q(several_callers=1),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.day}"


class DayCount(Counters):
    """Figures per day and every dimension: what any date range and breakdown reads."""

    day = models.DateField()
    community_id = models.BigIntegerField()
    grid_id = models.BigIntegerField(default=0)
    compound_id = models.BigIntegerField(default=0)
    category_id = models.BigIntegerField()
    assignee_kind = models.CharField(max_length=10, choices=AssigneeKind, blank=True)
    assignee_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("daily figures")
        verbose_name_plural = _("daily figures")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "community_id",
                    "day",
                    "grid_id",
                    "compound_id",
                    "category_id",
                    "assignee_kind",
                    "assignee_id",
                ],
                name="insights_daycount_unique",
            )
        ]
        indexes = [models.Index(fields=["day", "community_id"])]

    def __str__(self) -> str:
        return f"{self.day} c{self.community_id} g{self.grid_id}"


class WeekCount(Counters):
    """Figures per week (starting Monday) and community: the volume chart. (A grid's
    weeks are summed from its few daily rows.)"""

    week = models.DateField()
    community_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("weekly figures")
        verbose_name_plural = _("weekly figures")
        constraints = [
            models.UniqueConstraint(fields=["community_id", "week"], name="insights_week_unique")
        ]
        indexes = [models.Index(fields=["week", "community_id"])]

    def __str__(self) -> str:
        return f"{self.week} c{self.community_id}"


class CommunityMonthCount(Counters):
    """Figures per month, community and category, without the grid: what a county's
    dashboard and report read, a few hundred rows a month for a whole county."""

    month = models.DateField()
    community_id = models.BigIntegerField()
    category_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("monthly figures per community")
        verbose_name_plural = _("monthly figures per community")
        constraints = [
            models.UniqueConstraint(
                fields=["community_id", "month", "category_id"],
                name="insights_communitymonth_unique",
            )
        ]
        indexes = [models.Index(fields=["month", "community_id"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} c{self.community_id}"


class MonthCount(Counters):
    """Figures per month (its first day), community, grid and category: the dashboard,
    the monthly report and every whole-month figure."""

    month = models.DateField()
    community_id = models.BigIntegerField()
    grid_id = models.BigIntegerField(default=0)
    category_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("monthly figures")
        verbose_name_plural = _("monthly figures")
        constraints = [
            models.UniqueConstraint(
                fields=["community_id", "month", "grid_id", "category_id"],
                name="insights_monthcount_unique",
            )
        ]
        indexes = [models.Index(fields=["month", "community_id"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} c{self.community_id} g{self.grid_id}"


class TotalCount(Counters):
    """Figures over all time per community, grid and category: what is overdue now."""

    community_id = models.BigIntegerField()
    grid_id = models.BigIntegerField(default=0)
    category_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("total figures")
        verbose_name_plural = _("total figures")
        constraints = [
            models.UniqueConstraint(
                fields=["community_id", "grid_id", "category_id"],
                name="insights_totalcount_unique",
            )
        ]

    def __str__(self) -> str:
        return f"c{self.community_id} g{self.grid_id}"


class RollupState(models.Model):
    """Where the refresh task got to: the last order event it read, and the moment the
    figures are "as of". One row. ``version`` lets only one refresh run at a time."""

    last_event_id = models.BigIntegerField(default=0)
    as_of = models.DateTimeField(null=True, blank=True)
    version = models.BigIntegerField(default=0)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup state")

    def __str__(self) -> str:
        return f"event {self.last_event_id} as of {self.as_of}"
