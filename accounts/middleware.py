"""Absolute session lifetime for staff.

The idle timeout comes from SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST; this
adds the hard limit after which even an active session must log in again.
"""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from accounts import twofactor

SESSION_STARTED = "linli_session_started"


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.get(SESSION_STARTED)
            if started is None:
                request.session[SESSION_STARTED] = now
            elif now - started > settings.LINLI_SESSION_ABSOLUTE_HOURS * 3600:
                logout(request)
        return self.get_response(request)


class SecondFactorMiddleware:
    """Until a leader or admin with a TOTP device has entered a code, every page
    answers with a redirect to the code page (the API with 401).

    Runs after LoginRequiredMiddleware (anonymous users go to the login page first)
    and after django_otp's OTPMiddleware, which marks a verified session.
    """

    OPEN_VIEWS = frozenset(
        {
            "accounts:login",
            "accounts:logout",
            "accounts:otp_verify",
            "admin:logout",
            "set_language",
            "healthz",
        }
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            return None
        match = request.resolver_match
        view_name = match.view_name if match else ""
        if view_name in self.OPEN_VIEWS:
            return None
        state = request.session.get(twofactor.SESSION_STATE)
        if state is None:
            state = twofactor.state_for(user)
            request.session[twofactor.SESSION_STATE] = state
        if state == twofactor.NONE or getattr(user, "otp_device", None) is not None:
            return None
        target = "accounts:otp_verify" if state == twofactor.VERIFY else "accounts:otp_setup"
        if view_name == target:
            return None
        return _send_to(request, target)


def _send_to(request, url_name):
    url = reverse(url_name)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "code": "second_factor_required",
                "message": _("Enter the code from your authenticator app first."),
            },
            status=401,
        )
    if request.method == "GET" and not request.headers.get("HX-Request"):
        url = f"{url}?{urlencode({'next': request.get_full_path()})}"
    if request.headers.get("HX-Request"):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)
