"""What each figure means: one work order turned into its flags (its "fact").

This is the single place where the three rates (三率) are defined. The rollups, the
drill-down lists behind every figure and the property test all go through
``fact_for``; docs/insights.md and the "?" beside each figure say the same in words.

- Counted orders: every order except merged duplicates (they count once, through the
  order they were merged into) and orders the caller withdrew.
- Period: an order counts in the day (Asia/Shanghai) it was received, for every
  figure. A month's figures describe that month's orders and keep moving until the
  last of them is called back.
- 响应率 (response rate) = responded in time / due for response.
  Due for response: responded (accepted, resolved, or solved on the call) or not yet
  responded with the response limit passed. An order still waiting with time left is
  not counted until it is accepted or its limit passes.
  Responded in time: solved on the call, or the first response (acceptance, or the
  resolution when nobody accepted first) at or before the response limit recorded on
  the order.
- 解决率 (resolution rate) = confirmed resolved / called back.
  Called back: the order's final call-back is recorded (satisfied, basically
  satisfied, unsatisfied or unreachable) and the order stands as called back or
  closed. An order reopened for redoing (重办) leaves the count until it is called
  back again: the final call-back decides, and the order counts once.
  Confirmed resolved: the resident was reached and the order was not sent back for
  redoing — satisfied, basically satisfied, or unsatisfied where the operator
  recorded why it was not reopened (the matter is done, the resident still disagrees).
  Unreachable call-backs stay in the denominator: nobody confirmed the resolution.
- 满意率 (satisfaction rate) = (satisfied + basically satisfied) / called back and
  reached. Unreachable call-backs are left out of this one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings

from hotline.models import Order, OrderContact
from insights.models import COUNTERS, AssigneeKind

State = Order.State
Satisfaction = Order.Satisfaction

# The order columns a fact is computed from (read with ``values()``).
ORDER_FIELDS = (
    "id",
    "state",
    "community_id",
    "grid_id",
    "compound_id",
    "category_id",
    "assignee_user_id",
    "assignee_volunteer_id",
    "assignee_provider_id",
    "assignee_unit_id",
    "created_at",
    "accepted_at",
    "resolved_at",
    "response_due",
    "resolution_due",
    "satisfaction",
    "solved_on_call",
    "reopen_count",
    "is_supervised",
    "merged_into_id",
)

NOT_COUNTED = (State.MERGED, State.WITHDRAWN)
RESOLVED_STATES = (State.RESOLVED, State.CALLED_BACK, State.CLOSED)
CALLED_BACK_STATES = (State.CALLED_BACK, State.CLOSED)
REACHED = (Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED)
_INDEX = {name: i for i, name in enumerate(COUNTERS)}


@cache
def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day(moment: dt.datetime) -> dt.date:
    """The calendar day of ``moment`` at the community (Asia/Shanghai)."""
    return moment.astimezone(local_zone()).date()


@dataclass(frozen=True)
class Fact:
    """One counted order's contribution to the figures (mirrors ``OrderFact``)."""

    order_id: int
    day: dt.date
    community_id: int
    grid_id: int
    compound_id: int
    category_id: int
    assignee_kind: str
    assignee_id: int
    flags: tuple[int, ...]
    next_check_at: dt.datetime | None = None

    def flag(self, name: str) -> int:
        return self.flags[_INDEX[name]]

    def same_figures(self, other: Fact | None) -> bool:
        """True when ``other`` adds exactly the same to every rollup."""
        return other is not None and (
            self.day,
            self.community_id,
            self.grid_id,
            self.compound_id,
            self.category_id,
            self.assignee_kind,
            self.assignee_id,
            self.flags,
        ) == (
            other.day,
            other.community_id,
            other.grid_id,
            other.compound_id,
            other.category_id,
            other.assignee_kind,
            other.assignee_id,
            other.flags,
        )


def callers_of(order_ids=None) -> dict[int, int]:
    """How many callers each order has, for the orders with more than one (all
    orders when ``order_ids`` is None). Attaching a caller and merging a duplicate
    both put an event on the order, so the count never changes unseen."""
    from django.db.models import Count

    contacts = OrderContact.objects.order_by()
    if order_ids is not None:
        contacts = contacts.filter(order_id__in=order_ids)
    return dict(
        contacts.values("order_id")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .values_list("order_id", "n")
    )


def assignee_of(row: dict) -> tuple[str, int]:
    """(kind, id) of whoever holds the order; ('', 0) before dispatch."""
    for kind, field in (
        (AssigneeKind.USER, "assignee_user_id"),
        (AssigneeKind.VOLUNTEER, "assignee_volunteer_id"),
        (AssigneeKind.PROVIDER, "assignee_provider_id"),
        (AssigneeKind.UNIT, "assignee_unit_id"),
    ):
        if row[field]:
            return str(kind), int(row[field])
    return "", 0


def is_counted(row: dict) -> bool:
    return row["state"] not in NOT_COUNTED and not row["merged_into_id"]


def first_response(row: dict) -> dt.datetime | None:
    """When someone first took the order in hand: the call itself for orders solved on
    the call, else the acceptance, or the resolution when it came without one."""
    if row["solved_on_call"]:
        return row["created_at"]
    times = [t for t in (row["accepted_at"], row["resolved_at"]) if t is not None]
    return min(times) if times else None


def is_overdue(row: dict, as_of: dt.datetime) -> bool:
    """The hotline's own rule (``Order.is_overdue``), on a row of values."""
    if row["state"] in Order.FINISHED_STATES:
        return False
    due = row["response_due"]
    if row["state"] in Order.AWAITING_ACCEPTANCE and due is not None and due < as_of:
        return True
    resolve_by = row["resolution_due"]
    return bool(resolve_by is not None and row["resolved_at"] is None and resolve_by < as_of)


def next_check(row: dict, as_of: dt.datetime) -> dt.datetime | None:
    """The next moment at which time alone changes this order's flags."""
    moments = []
    due = row["response_due"]
    if due is not None and due >= as_of:
        if first_response(row) is None:
            moments.append(due)  # becomes "due for response", not in time
        if row["state"] in Order.AWAITING_ACCEPTANCE:
            moments.append(due)  # becomes overdue
    resolve_by = row["resolution_due"]
    if (
        resolve_by is not None
        and resolve_by >= as_of
        and row["resolved_at"] is None
        and row["state"] not in Order.FINISHED_STATES
    ):
        moments.append(resolve_by)
    return min(moments) if moments else None


def fact_for(row: dict, as_of: dt.datetime) -> Fact | None:
    """The flags of one order (a dict of ``ORDER_FIELDS``, plus ``callers``: how many
    residents are on it, see ``callers_of``) as of ``as_of``, or None when the order
    counts nowhere (merged into another, withdrawn)."""
    if not is_counted(row):
        return None
    f = dict.fromkeys(COUNTERS, 0)
    f["received"] = 1

    responded_at = first_response(row)
    due = row["response_due"]
    if responded_at is not None:
        f["response_due"] = 1
        if row["solved_on_call"] or due is None or responded_at <= due:
            f["responded_in_time"] = 1
    elif due is not None and due < as_of:
        f["response_due"] = 1
    f["solved_on_call"] = int(bool(row["solved_on_call"]))

    f["resolved"] = int(row["state"] in RESOLVED_STATES and row["resolved_at"] is not None)

    result = row["satisfaction"]
    if row["state"] in CALLED_BACK_STATES and result:
        f["called_back"] = 1
        if result in REACHED:
            f["reached"] = 1
            # Unsatisfied normally reopens the order; one that stands as called back
            # was kept resolved on purpose, with the operator's reason on record.
            f["confirmed"] = 1
        key = {
            Satisfaction.SATISFIED: "satisfied",
            Satisfaction.BASIC: "basic",
            Satisfaction.UNSATISFIED: "unsatisfied",
            Satisfaction.UNREACHABLE: "unreachable",
        }.get(result)
        if key:
            f[key] = 1

    f["reopened"] = int(row["reopen_count"] > 0)
    f["supervised"] = int(bool(row["is_supervised"]))
    f["overdue"] = int(is_overdue(row, as_of))
    # Several residents about one matter (callers attached, duplicates merged in).
    f["several_callers"] = int(row.get("callers", 0) >= 2)

    kind, assignee_id = assignee_of(row)
    return Fact(
        order_id=row["id"],
        day=local_day(row["created_at"]),
        community_id=row["community_id"],
        grid_id=row["grid_id"] or 0,
        compound_id=row["compound_id"] or 0,
        category_id=row["category_id"],
        assignee_kind=kind,
        assignee_id=assignee_id,
        flags=tuple(f[name] for name in COUNTERS),
        next_check_at=next_check(row, as_of),
    )
