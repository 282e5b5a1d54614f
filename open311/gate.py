"""The gate every machine request passes before its view: body size, the API token,
the token's rate limit, and ``Idempotency-Key`` replay.

It wraps plain Django views (the Open311 endpoints and every django-ninja operation)
and answers its own refusals through an error renderer, so the JSON API answers in
its ``{code, message}`` shape and Open311 in the standard's ``errors`` list.

Idempotency (IETF httpapi draft): the first POST with a key is recorded as
"processing" by an INSERT that the unique constraint lets only one request win. Its
answer is stored; a retry with the same key and body gets the stored answer back
(``Idempotent-Replayed: true``), the same key with another body gets 422, and a retry
while the first is still running gets 409 with ``Retry-After`` — it never waits and
never runs twice. Answers of 5xx are not kept, so the client may simply try again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from open311 import limits
from open311.models import ApiToken, IdempotencyRecord

# A work order is at most a few kilobytes; anything much larger is a mistake or abuse.
DEFAULT_MAX_BODY = 64 * 1024
# A "processing" record this old belongs to a request whose process died.
STALE_PROCESSING = timedelta(minutes=2)
KEEP_RECORDS = timedelta(hours=24)

ErrorRenderer = Callable[..., HttpResponse]


def max_body_bytes() -> int:
    return getattr(settings, "LINLI_API_MAX_BODY_BYTES", DEFAULT_MAX_BODY)


def principal_of(request: HttpRequest) -> str | None:
    token = getattr(request, "api_token", None)
    if token is not None:
        return f"token:{token.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def gate(
    view,
    *,
    render_error: ErrorRenderer,
    find_token: Callable[[HttpRequest], ApiToken | None],
):
    """Wrap ``view``; ``find_token`` recognises the request's API key (or None)."""

    @wraps(view)
    def gated(request: HttpRequest, *args, **kwargs):
        def refuse(status, code, message, **headers):
            response = render_error(request, kwargs, status, code, message)
            for name, value in headers.items():
                response[name.replace("_", "-")] = value
            return response

        limit = max_body_bytes()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            return refuse(
                413,
                "too_large",
                _("The request is larger than %(kb)s KB.") % {"kb": limit // 1024},
            )
        if request.method == "POST":
            # Read the body before anything parses the form, so the idempotency
            # fingerprint can still see it (a parsed multipart stream is gone).
            if len(request.body) > limit:
                return refuse(
                    413,
                    "too_large",
                    _("The request is larger than %(kb)s KB.") % {"kb": limit // 1024},
                )
        if not _clean_text(request):
            return refuse(
                400,
                "invalid_characters",
                _(
                    "The request contains characters that cannot be stored (NUL or a broken "
                    "surrogate)."
                ),
            )
        request.api_token = find_token(request)
        if request.api_token is not None:
            retry_after = limits.take(request.api_token)
            if retry_after is not None:
                return refuse(
                    429,
                    "rate_limited",
                    _("Too many requests: this key may make %(n)s a minute. Try again later.")
                    % {"n": request.api_token.rate_limit_per_minute},
                    Retry_After=str(retry_after),
                )
        key = request.headers.get("Idempotency-Key")
        principal = principal_of(request)
        if request.method != "POST" or not key or principal is None:
            return view(request, *args, **kwargs)
        if len(key) > 255:
            return refuse(400, "invalid_idempotency_key", _("The Idempotency-Key is too long."))
        return _run_once(request, key, principal, lambda: view(request, *args, **kwargs), refuse)

    return gated


def _clean_text(request: HttpRequest) -> bool:
    """False for a NUL (PostgreSQL cannot store it) or a lone UTF-16 surrogate in a JSON
    body (no database can): such input is refused as bad, never a server error."""
    if "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.path:
        return False
    if request.method != "POST":
        return True
    body = request.body
    if b"\x00" in body or b"\\u0000" in body:
        return False
    if request.content_type == "application/x-www-form-urlencoded" and b"%00" in body:
        return False
    if request.content_type == "application/json" and b"\\u" in body:
        try:
            json.dumps(json.loads(body), ensure_ascii=False).encode()
        except UnicodeEncodeError:
            return False
        except ValueError:
            return True  # not JSON at all: the API answers that itself
    return True


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.content_type or ""):
        digest.update(part.encode() + b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _run_once(request, key, principal, call, refuse) -> HttpResponse:
    fingerprint = _fingerprint(request)
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                principal=principal, key=key, fingerprint=fingerprint
            )
    except IntegrityError:
        record = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
        if record is None or record.fingerprint != fingerprint:
            if record is None:
                return refuse(
                    409,
                    "idempotency_in_progress",
                    _("A request with this Idempotency-Key is being processed; retry shortly."),
                    Retry_After="1",
                )
            return refuse(
                422,
                "idempotency_key_reused",
                _("This Idempotency-Key was already used for a different request."),
            )
        if record.state == IdempotencyRecord.State.DONE:
            replay = HttpResponse(
                bytes(record.body), status=record.status_code, content_type=record.content_type
            )
            replay["Idempotent-Replayed"] = "true"
            return replay
        now = timezone.now()
        taken_over = IdempotencyRecord.objects.filter(
            pk=record.pk,
            state=IdempotencyRecord.State.PROCESSING,
            created_at__lt=now - STALE_PROCESSING,
        ).update(created_at=now)
        if not taken_over:
            return refuse(
                409,
                "idempotency_in_progress",
                _("A request with this Idempotency-Key is being processed; retry shortly."),
                Retry_After="1",
            )
    try:
        response = call()
    except BaseException:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        raise
    if response.status_code >= 500 or getattr(response, "streaming", False):
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return response
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        state=IdempotencyRecord.State.DONE,
        status_code=response.status_code,
        content_type=response.get("Content-Type", ""),
        body=bytes(response.content),
    )
    return response


def purge(now=None) -> int:
    """Forget stored answers older than a day (a retry after that is a new request)."""
    now = now or timezone.now()
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - KEEP_RECORDS).delete()
    return deleted
