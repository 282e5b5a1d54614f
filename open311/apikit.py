"""Small helpers shared by every app's ``api.py`` (the routers of the JSON API), and
the API's own error messages.

Kept apart from ``linli/api.py`` so a router can import them without importing the
API object that imports the routers; kept in the open311 app (machine access: keys,
the gate, Open311) so its messages live in one catalogue.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re

from django import forms
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Schema

from linli.lib.errors import NotAllowed, ServiceError

# Messages of linli/api.py's error handlers.
INVALID_INPUT = gettext_lazy("Some fields are missing or not valid.")
NOT_AUTHENTICATED = gettext_lazy("Log in, or send an API key as Authorization: Bearer <key>.")
NOT_FOUND = gettext_lazy("Not found, or outside your area.")
CSRF_FAILED = gettext_lazy("The page's security token is missing; reload it.")
BODY_NOT_JSON = gettext_lazy("The body is not valid JSON.")

# Pydantic says what is wrong with a field by a type code, in English words. Each
# field error is answered in the request's language instead (the code stays, for
# programs); a code not listed gets the general message. Where Django's forms
# already say the same thing, their message (and its translation) is used.
_DATETIME = gettext_lazy("Enter a date and time, e.g. 2026-11-29T09:30:00+08:00.")
_DATE = gettext_lazy("Enter a date, e.g. 2026-11-29.")
_CHOICE = gettext_lazy("Choose one of: %(expected)s.")
_OBJECT = gettext_lazy("Send an object.")
_FIELD_MESSAGES = {
    kind: message
    for kinds, message in (
        (("missing",), forms.Field.default_error_messages["required"]),
        (
            ("int_parsing", "int_type", "int_from_float"),
            forms.IntegerField.default_error_messages["invalid"],
        ),
        (("float_parsing", "float_type"), forms.FloatField.default_error_messages["invalid"]),
        (("bool_parsing", "bool_type"), gettext_lazy("Enter true or false.")),
        (("string_type",), gettext_lazy("Enter text.")),
        (("string_too_short",), gettext_lazy("Enter at least %(min_length)s characters.")),
        (("string_too_long",), gettext_lazy("Enter at most %(max_length)s characters.")),
        (("too_short",), gettext_lazy("Give at least %(min_length)s items.")),
        (("too_long",), gettext_lazy("Give at most %(max_length)s items.")),
        (("greater_than",), gettext_lazy("Enter a number greater than %(gt)s.")),
        (("greater_than_equal",), gettext_lazy("Enter a number of at least %(ge)s.")),
        (("less_than",), gettext_lazy("Enter a number less than %(lt)s.")),
        (("less_than_equal",), gettext_lazy("Enter a number of at most %(le)s.")),
        (("literal_error", "enum"), _CHOICE),
        (("datetime_parsing", "datetime_type", "datetime_from_date_parsing"), _DATETIME),
        (
            (
                "date_parsing",
                "date_type",
                "date_from_datetime_parsing",
                "date_from_datetime_inexact",
            ),
            _DATE,
        ),
        (("list_type",), gettext_lazy("Send a list.")),
        (("dict_type", "model_type", "model_attributes_type"), _OBJECT),
        (("json_invalid",), BODY_NOT_JSON),
        (("extra_forbidden",), gettext_lazy("This field is not known.")),
    )
    for kind in kinds
}
_NOT_VALID = gettext_lazy("This value is not valid.")


def field_error(err: dict) -> dict:
    """One pydantic error as the API answers it: where, a code, words in the request's
    language."""
    kind = str(err.get("type", ""))
    ctx = dict(err.get("ctx") or {})
    if "expected" in ctx:
        # pydantic lists the choices as "'a', 'b' or 'c'": keep the values alone.
        choices = re.findall(r"'([^']*)'", str(ctx["expected"]))
        ctx["expected"] = ", ".join(choices) if choices else str(ctx["expected"])
    template = _FIELD_MESSAGES.get(kind)
    try:
        message = str(template) % ctx if template is not None else str(_NOT_VALID)
    except (KeyError, TypeError, ValueError):
        message = str(_NOT_VALID)
    return {"loc": [str(part) for part in err.get("loc", ())], "code": kind, "msg": message}


# The largest id the databases store (a bigger one in a URL is a 422, not a crash).
ID_MAX = 2**63 - 1


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[dict] | None = None


# Every operation can answer these; documenting them keeps the schema honest.
ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


def responses(ok: dict) -> dict:
    return {**ok, **ERRORS}


def require_scope(request, scope: str) -> None:
    """Refuse an API key that lacks ``scope``; for a session user the role alone decides."""
    token = getattr(request, "api_token", None)
    if token is not None and request.auth == token.user and not token.has_scope(scope):
        raise NotAllowed(
            _("This API key lacks the %(scope)s scope.") % {"scope": scope}, code="scope_missing"
        )


def error(status: int, code: str, message, **extra) -> JsonResponse:
    body = {"code": code, "message": str(message)}
    body.update(extra)
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def aware(moment: dt.datetime | None, name: str) -> dt.datetime | None:
    """A filter's date and time, made aware (local time when none is given) and kept to
    years the databases can compare without overflowing."""
    from django.utils import timezone

    if moment is None:
        return None
    if not 1900 <= moment.year <= 2999:
        raise ServiceError(
            _("%(name)s must be between the years 1900 and 2999.") % {"name": name},
            code="invalid_date",
        )
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


# --- keyset pagination ----------------------------------------------------------------


def encode_cursor(moment: dt.datetime, pk: int) -> str:
    raw = f"{moment.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    """(created_at, id) of the last row of the previous page; ServiceError if garbled."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment_text, _sep, pk_text = base64.urlsafe_b64decode(padded).decode().partition("|")
        moment = dt.datetime.fromisoformat(moment_text)
        pk = int(pk_text)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        moment = None
        pk = 0
    if (
        moment is None
        or moment.tzinfo is None
        or not 0 < pk <= ID_MAX
        or not 1900 <= moment.year <= 2999
    ):
        raise ServiceError(
            _("The cursor is not valid; start again from the first page."), code="invalid_cursor"
        )
    return moment, pk
