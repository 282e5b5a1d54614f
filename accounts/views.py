"""Login, logout and the audit log."""

from __future__ import annotations

import logging

import django_otp
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import services, twofactor
from accounts.models import AuditLog
from accounts.permissions import can_view_audit
from accounts.scopes import scope_of
from linli.lib.errors import ServiceError

logger = logging.getLogger(__name__)


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link cannot log anyone out."""


@require_GET
def audit_log(request):
    """Leaders and admins review changes and reveals within their communities."""
    if not can_view_audit(request.user):
        raise PermissionDenied
    entries = AuditLog.objects.select_related("actor").order_by("-at", "-id")
    scope = scope_of(request.user)
    if not scope.everything:
        entries = entries.filter(community_id__in=scope.all_community_ids())
    action = request.GET.get("action", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {"page": page, "action": action})


def _safe_next(request, fallback: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)


@require_http_methods(["GET", "POST"])
def otp_verify(request):
    """The second step of logging in: the 6-digit code from the authenticator app."""
    if getattr(request.user, "otp_device", None) is not None:
        return redirect(_safe_next(request))
    if twofactor.confirmed_device(request.user) is None:
        # The device was removed (e.g. a lost phone, reset by the administrator).
        request.session[twofactor.SESSION_STATE] = twofactor.state_for(request.user)
        return redirect(_safe_next(request))
    error = ""
    if request.method == "POST":
        device, locked_until = twofactor.check_code(request.user, request.POST.get("otp_token", ""))
        if device is not None:
            django_otp.login(request, device)
            request.session.cycle_key()
            return redirect(_safe_next(request))
        if locked_until is not None:
            error = _("Too many wrong codes. Try again after %(time)s.") % {
                "time": timezone.localtime(locked_until).strftime("%H:%M:%S")
            }
        else:
            logger.warning("wrong second-factor code for user %s", request.user.pk)
            error = _("The code is not right. Check the time on the phone and try again.")
    return render(
        request,
        "accounts/otp_verify.html",
        {"error": error, "next": request.POST.get("next") or request.GET.get("next", "")},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Turn the second factor on (scan the QR code, confirm with a first code) or off."""
    if not twofactor.may_use_second_factor(request.user):
        raise PermissionDenied
    device = twofactor.confirmed_device(request.user)
    error = ""
    if request.method == "POST":
        token = request.POST.get("otp_token", "")
        try:
            if request.POST.get("action") == "remove":
                services.remove_totp_device(acting_user=request.user, token=token)
                request.session[twofactor.SESSION_STATE] = twofactor.state_for(request.user)
                messages.success(request, _("The second factor is off."))
            else:
                device = services.confirm_totp_device(acting_user=request.user, token=token)
                django_otp.login(request, device)
                request.session.cycle_key()
                request.session[twofactor.SESSION_STATE] = twofactor.VERIFY
                messages.success(
                    request, _("The second factor is on. Each log-in now asks for a code.")
                )
            return redirect("accounts:otp_setup")
        except ServiceError as exc:
            error = exc.message
    context = {
        "device": device,
        "required": twofactor.required_for(request.user),
        "error": error,
    }
    if device is None:
        pending = services.start_totp_enrolment(acting_user=request.user)
        context.update(qr_svg=twofactor.qr_svg(pending), manual_key=twofactor.manual_key(pending))
    return render(request, "accounts/otp_setup.html", context, status=400 if error else 200)
