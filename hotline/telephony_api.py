"""``POST /api/telephony/calls``: call events from the phone system (see docs/telephony.md).

Authenticated by the integration's API key, in ``X-Api-Key`` or as
``Authorization: Bearer <key>``; never by a staff session. The answer carries no
personal data: the phone system only learns whether the caller is known and
whose desk the card popped on.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import APIKeyHeader, HttpBearer

from hotline import telephony
from linli.lib.errors import ServiceError


class _KeyHeader(APIKeyHeader):
    param_name = "X-Api-Key"

    def authenticate(self, request: HttpRequest, key: str | None):
        return telephony.authenticate(key)


class _Bearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        return telephony.authenticate(token)


router = Router(tags=["telephony"], auth=[_KeyHeader(), _Bearer()])


class CallEventIn(Schema):
    call_id: str = Field(..., min_length=1, max_length=100, description="The phone system's id")
    event: Literal["ringing", "answered", "ended"]
    caller: str = Field("", max_length=40, description="The calling number as sent")
    called: str = Field("", max_length=40, description="The dialled number or extension")
    extension: str = Field("", max_length=20, description="The desk extension that rings")


class CallOut(Schema):
    id: int
    state: str
    known_caller: bool
    operator: str | None
    started_at: str
    answered_at: str | None
    ended_at: str | None
    duration_seconds: int | None


class ErrorOut(Schema):
    code: str
    message: str


def _iso(value) -> str | None:
    return value.isoformat() if value else None


@router.post("/calls", response={200: CallOut, 400: ErrorOut}, url_name="telephony_calls")
def post_call_event(request, payload: CallEventIn):
    """Record ringing, answered or ended for one call; ringing pops the caller's card."""
    try:
        call = telephony.handle_call_event(
            integration=request.auth,
            call_id=payload.call_id,
            event=payload.event,
            caller=payload.caller,
            called=payload.called,
            extension=payload.extension,
        )
    except ServiceError as exc:
        return Status(400, {"code": exc.code, "message": str(exc)})
    return Status(
        200,
        {
            "id": call.pk,
            "state": call.state,
            "known_caller": call.resident_id is not None,
            "operator": call.operator.get_username() if call.operator_id else None,
            "started_at": _iso(call.started_at),
            "answered_at": _iso(call.answered_at),
            "ended_at": _iso(call.ended_at),
            "duration_seconds": call.duration_seconds,
        },
    )
