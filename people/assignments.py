"""Which residents a volunteer is looking after, for the registry's scope.

A volunteer sees only the residents assigned to them — an errand or companionship
order they hold, a check-in plan they are responsible for — never a whole grid.
The apps that assign work register a source here (``register``); each source turns
a user into a queryset of resident ids.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.db.models import QuerySet

Source = Callable[[object], QuerySet]
_sources: list[Source] = []


def register(source: Source) -> Source:
    """Add a source of assignments (usable as a decorator); registering twice is harmless."""
    if source not in _sources:
        _sources.append(source)
    return source


def _open_orders(user) -> QuerySet | None:
    # The hotline holds errands and companionship orders given to volunteers.
    if not apps.is_installed("hotline"):
        return None
    order = apps.get_model("hotline", "Order")
    return (
        order.objects.filter(assignee_volunteer__user=user, caller__isnull=False)
        .exclude(state__in=order.FINISHED_STATES)
        .values("caller_id")
    )


def assigned_resident_ids(user) -> list[QuerySet]:
    """Subqueries of resident ids assigned to ``user`` (as a volunteer)."""
    found = []
    for source in [_open_orders, *_sources]:
        ids = source(user)
        if ids is not None:
            found.append(ids)
    return found
