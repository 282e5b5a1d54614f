"""The home page and the small pages every deployment has."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import Role


@require_GET
def home(request):
    """What this user can do today, by role."""
    user = request.user
    roles = [label for value, label in Role.choices if user.has_role(value)]
    return render(request, "home.html", {"role_labels": roles})


@login_not_required
@require_GET
def healthz(request):
    """For the load balancer and the monitoring: the app answers and the database too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
