"""Care check-ins in the JSON API: read the contacts made, record one.

Visibility is the care app's own (``CarePlan.objects.visible_to``): staff in scope and
the person responsible for a plan. Recording calls ``care.services.record_check_in``,
so "needs help" opens a hotline order and two missed contacts raise an alert exactly
as on the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema, Status

from care.models import CarePlan, CheckIn
from open311.apikit import ID_MAX, aware, decode_cursor, encode_cursor, require_scope, responses

router = Router(tags=["care"])


class CheckInOut(Schema):
    id: int
    plan_id: int
    resident_id: int
    resident_name: str
    kind: str
    outcome: str
    at: dt.datetime
    note: str
    order_number: str | None


class CheckInPage(Schema):
    items: list[CheckInOut]
    next_cursor: str | None = None


class CheckInFilters(Schema):
    plan_id: int | None = Field(None, ge=1, le=ID_MAX)
    outcome: Literal["fine", "needs_help", "no_answer"] | None = None
    since: dt.datetime | None = None
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(50, ge=1, le=100)


class CheckInIn(Schema):
    kind: Literal["call", "visit"]
    outcome: Literal["fine", "needs_help", "no_answer"]
    note: str = Field("", max_length=500)


def _out(check_in: CheckIn) -> dict:
    return {
        "id": check_in.pk,
        "plan_id": check_in.plan_id,
        "resident_id": check_in.plan.resident_id,
        "resident_name": check_in.plan.resident.name,
        "kind": check_in.kind,
        "outcome": check_in.outcome,
        "at": check_in.at,
        "note": check_in.note,
        "order_number": check_in.order.number if check_in.order_id else None,
    }


@router.get("/check-ins", response=responses({200: CheckInPage}), summary="Care check-ins")
def check_ins(request, filters: Query[CheckInFilters]):
    """Newest first, ``limit`` at a time; follow ``next_cursor``."""
    require_scope(request, "checkins:read")
    found = CheckIn.objects.visible_to(request.auth).select_related("plan__resident", "order")
    if filters.plan_id:
        found = found.filter(plan_id=filters.plan_id)
    if filters.outcome:
        found = found.filter(outcome=filters.outcome)
    if filters.since:
        found = found.filter(at__gte=aware(filters.since, "since"))
    if filters.cursor:
        moment, pk = decode_cursor(filters.cursor)
        found = found.filter(Q(at__lt=moment) | Q(at=moment, pk__lt=pk))
    rows = list(found.order_by("-at", "-pk")[: filters.limit + 1])
    next_cursor = None
    if len(rows) > filters.limit:
        rows = rows[: filters.limit]
        next_cursor = encode_cursor(rows[-1].at, rows[-1].pk)
    return {"items": [_out(c) for c in rows], "next_cursor": next_cursor}


@router.post(
    "/plans/{plan_id}/check-ins",
    response=responses({201: CheckInOut}),
    summary="Record a check-in",
)
def record(request, data: CheckInIn, plan_id: int = Path(..., ge=1, le=ID_MAX)):
    from care.services import record_check_in

    require_scope(request, "checkins:write")
    plan = get_object_or_404(CarePlan.objects.visible_to(request.auth), pk=plan_id)
    check_in = record_check_in(
        acting_user=request.auth,
        plan=plan,
        kind=data.kind,
        outcome=data.outcome,
        note=data.note,
        channel="api",
    )
    check_in = CheckIn.objects.select_related("plan__resident", "order").get(pk=check_in.pk)
    return Status(201, _out(check_in))
