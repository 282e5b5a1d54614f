"""回访: the operator's list of resolved orders waiting for the call to each caller."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hotline.forms import CallbackForm
from hotline.models import Order, OrderContact
from hotline.views.common import DESK_ROLES, roles_required

LIMIT = 200


def callbacks_context(request) -> dict:
    orders = (
        Order.objects.visible_to(request.user)
        .awaiting_callback()
        .select_related(
            "category",
            "household__building__compound",
            "building__compound",
            "compound",
            "assignee_user",
            "assignee_volunteer",
            "assignee_provider",
            "assignee_unit",
            "created_by",
        )
        .prefetch_related(
            Prefetch(
                "contacts",
                queryset=OrderContact.objects.select_related("resident").order_by(
                    "attached_at", "id"
                ),
            )
        )
        .order_by("resolved_at", "id")[:LIMIT]
    )
    return {
        "orders": list(orders),
        "form": CallbackForm(),
        "limit": LIMIT,
        "result_choices": Order.Satisfaction.choices,
    }


@roles_required(*DESK_ROLES)
@require_GET
def callbacks(request):
    return render(request, "hotline/callbacks.html", callbacks_context(request))
