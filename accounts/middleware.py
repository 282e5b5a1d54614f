"""Absolute session lifetime for staff.

The idle timeout comes from SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST; this
adds the hard limit after which even an active session must log in again.
"""

import time

from django.conf import settings
from django.contrib.auth import logout

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
