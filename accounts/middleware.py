"""Session lifetime for staff: the idle timeout and the absolute limit.

The idle timeout comes from SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST: a
request renews the session (at most once a minute), except those a page sends by
itself (a console polling for calls), whose views are marked
``does_not_renew_session``. SessionTimeoutMiddleware adds the hard limit after which
even an active session must log in again.
"""

import time
from functools import wraps

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from accounts import twofactor

SESSION_STARTED = "linli_session_started"


def does_not_renew_session(view):
    """Mark a view that a page calls by itself (a poll) rather than the user: its
    requests do not count as activity, so a console left open still times out."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.renews_session = False
        return view(request, *args, **kwargs)

    return wrapped


# A session is renewed (written back with a new expiry) at most this often: the
# idle timeout is then exact to the minute, and the pages a user clicks through
# within a minute cost no database write each.
RENEW_EVERY_SECONDS = 60
SESSION_RENEWED = "linli_session_renewed"


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, with two differences. A request marked by ``does_not_renew_session``
    leaves the session as it was (unless the request really changed it): saving it
    would push the idle timeout back. And an unchanged session is renewed at most
    once a minute rather than on every request."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is None or session.modified:
            return super().process_response(request, response)
        if not getattr(request, "renews_session", True):
            return response
        if not session.is_empty():
            now = int(time.time())
            if now - session.get(SESSION_RENEWED, 0) < RENEW_EVERY_SECONDS:
                return response
            session[SESSION_RENEWED] = now
        return super().process_response(request, response)


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
