"""The JSON API (django-ninja). Each app contributes a router from its ``api.py``.

Authentication: the browser session (CSRF checked, for the web pages) or an API key
sent as ``Authorization: Bearer linli_…``. A key acts as its service account (see
``open311.models.ApiToken``), so handlers call the same services with the same
permission rules as the pages; ``require_scope`` narrows what a key may call.

Every answer that is not a success is ``{"code": "…", "message": "…"}`` with a stable
machine code and a message in the request's language. Every operation passes the
gate of ``open311.gate`` (body size, rate limit, Idempotency-Key).
"""

from importlib import import_module

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, django_auth

from linli.lib.errors import ServiceError
from open311.apikit import (
    BODY_NOT_JSON,
    CSRF_FAILED,
    INVALID_INPUT,
    NOT_AUTHENTICATED,
    NOT_FOUND,
    error,
    field_error,
)
from open311.gate import gate
from open311.tokens import find_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <key>``; the gate has already looked the key up."""

    def authenticate(self, request, token):
        api_token = getattr(request, "api_token", None)
        if api_token is None:
            api_token = find_token(token)
            request.api_token = api_token
        return api_token.user if api_token is not None else None


def _gate_error(request, kwargs, status, code, message):
    return error(status, code, message)


def _bearer(request):
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return find_token(header[7:])
    return None


class LinliAPI(NinjaAPI):
    def _get_urls(self):
        patterns = super()._get_urls()
        for pattern in patterns:
            # The API authenticates by itself (401 in JSON, never a login redirect);
            # every operation passes the gate.
            pattern.callback = login_not_required(
                gate(pattern.callback, render_error=_gate_error, find_token=_bearer)
            )
        return patterns


api = LinliAPI(
    title="linli API",
    version="1",
    description=(
        "The JSON API of linli. Authenticate with the browser session or with "
        "`Authorization: Bearer <API key>`. See docs/api.md."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), django_auth],
    docs_url="/docs",
)


@api.exception_handler(ServiceError)
def _service_error(request, exc: ServiceError):
    return error(exc.status, exc.code, exc.message)


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    errors = [field_error(e) for e in exc.errors]
    return error(422, "invalid_input", INVALID_INPUT, errors=errors)


@api.exception_handler(AuthenticationError)
def _not_authenticated(request, exc):
    return error(401, "not_authenticated", NOT_AUTHENTICATED)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error(404, "not_found", NOT_FOUND)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 403 and "CSRF" in str(exc):
        return error(403, "csrf_failed", CSRF_FAILED)
    if exc.status_code == 400:
        # django-ninja's only 400 (our code raises ServiceError): a body it cannot parse.
        return error(400, "invalid", BODY_NOT_JSON)
    codes = {400: "invalid", 403: "not_allowed", 404: "not_found", 405: "method_not_allowed"}
    return error(exc.status_code, codes.get(exc.status_code, "error"), str(exc))


for _app in ("places", "people", "hotline", "care", "insights"):
    _module = import_module(f"{_app}.api")
    api.add_router(f"/{_app}/", _module.router)

# Call events from the phone system, with the phone system's own key (not an API key).
api.add_router("/telephony/", import_module("hotline.telephony_api").router)


def urls():
    """The API's URL patterns, for ``path("api/", …)`` in linli/urls.py."""
    return api.urls
