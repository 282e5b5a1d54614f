"""Login, logout and the audit log."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET

from accounts.models import AuditLog
from accounts.permissions import can_view_audit
from accounts.scopes import scope_of


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
