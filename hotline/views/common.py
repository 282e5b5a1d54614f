"""What every hotline page shares: who may open it, which orders a user sees, and how
a refused service call is shown (a message and the right status, never a 500)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from accounts.models import Role
from accounts.scopes import scope_filter
from hotline.models import Order, OrderQuerySet

#: The hotline desk: takes calls, dispatches, calls back, prints.
DESK_ROLES = (Role.OPERATOR, Role.LEADER, Role.ADMIN)
#: Who browses the order list of their area.
LIST_ROLES = (*DESK_ROLES, Role.GRID_WORKER)
#: Who opens any order of their area (committee members: their compound's).
READ_ROLES = (*LIST_ROLES, Role.COMMITTEE)
#: Who works orders on a phone.
MOBILE_ROLES = (Role.GRID_WORKER, Role.VOLUNTEER, *DESK_ROLES)


def roles_required(*roles):
    """403 unless the user holds one of ``roles`` (superusers always pass)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not (user.is_superuser or user.has_role(*roles)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def is_desk(user) -> bool:
    return user.is_superuser or user.has_role(*DESK_ROLES)


def assigned_q(user) -> Q:
    from people.models import Volunteer

    # The volunteer side as a subquery rather than a join: OR-ed with the area filter,
    # a join would be a LEFT JOIN every order query pays for in planning time.
    volunteers = Volunteer.objects.filter(user=user).values("pk")
    return Q(assignee_user=user) | Q(assignee_volunteer__in=volunteers)


def visible_orders(user):
    """The orders a user may open: their area's (by a role that reads orders) and the
    ones assigned to them (a volunteer sees only those)."""
    area = scope_filter(
        user,
        community_path=OrderQuerySet.community_path,
        grid_path=OrderQuerySet.grid_path,
        compound_path=OrderQuerySet.compound_path,
        roles=READ_ROLES,
    )
    if user.is_superuser:
        return Order.objects.all()
    return Order.objects.filter(area | assigned_q(user))


def get_order(request, pk: int, *related):
    return get_object_or_404(visible_orders(request.user).select_related(*related), pk=pk)


def is_assignee(user, order: Order) -> bool:
    if order.assignee_user_id and order.assignee_user_id == user.pk:
        return True
    volunteer = order.assignee_volunteer if order.assignee_volunteer_id else None
    return volunteer is not None and volunteer.user_id == user.pk


def safe_next(request, default: str) -> str:
    """The ``next`` the form carried if it stays on this site, else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default)


def redirect_after_post(request, url: str):
    """After a successful POST: a redirect htmx follows as a page load."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def report_error(request, exc) -> int:
    """Show a service's refusal as a message; return the HTTP status to answer with."""
    messages.error(request, str(exc))
    return getattr(exc, "status", 400)


def form_errors_text(form) -> str:
    """All of a form's errors as one sentence for a message."""
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        text = " ".join(str(e) for e in errors)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)
