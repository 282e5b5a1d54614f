"""Registry pieces other pages show: the members of a household (places' household page)."""

from __future__ import annotations

from django import template
from django.db.models import Prefetch

from people import policy
from people.models import Membership, Resident

register = template.Library()


@register.inclusion_tag("people/partials/household_members.html", takes_context=True)
def household_members(context, household):
    """Who lives in ``household`` now and who lived there before, as the user may see."""
    request = context["request"]
    user = request.user
    visible = Resident.objects.visible_to(user).values("pk")
    memberships = list(
        Membership.objects.filter(household=household, resident__in=visible)
        .select_related("resident")
        .prefetch_related(
            Prefetch("resident__phones"),
            Prefetch("resident__care_tags"),
        )
        .order_by("end_date", "relation", "resident__name_pinyin")
    )
    show_tags = policy.can_see_care_tags(user)
    return {
        "household": household,
        "current": [m for m in memberships if m.end_date is None],
        "past": [m for m in memberships if m.end_date is not None],
        "show_tags": show_tags,
        "can_add": policy.covers(user, policy.EDIT_ROLES, _Stub(household)),
        "request": request,
    }


class _Stub:
    """Enough of a resident for ``policy.covers``: a would-be resident of ``household``."""

    def __init__(self, household):
        self.household = household
        self.household_id = household.pk
        self.community_id = household.building.compound.grid.community_id
