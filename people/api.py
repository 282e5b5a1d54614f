"""Residents in the JSON API: search and a masked card, never a full number.

Searching is a POST so that a phone number typed as the query never lands in a URL
(and so in access logs). Phones are always masked here; revealing a full number is
done on the page, with a reason, and is audit-logged. Care tags appear only for the
roles that arrange care (``people.policy``); otherwise the field is null.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema

from open311.apikit import ID_MAX, require_scope, responses
from people import policy
from people.models import Resident

router = Router(tags=["people"])


class SearchIn(Schema):
    query: str = Field(
        ..., min_length=1, max_length=100, description="Name, pinyin, address or phone"
    )
    limit: int = Field(20, ge=1, le=100)


class PhoneOut(Schema):
    label: str
    masked: str


class HouseholdRef(Schema):
    id: int
    address: str


class ResidentOut(Schema):
    id: int
    name: str
    sex: str
    age: int | None
    community_id: int
    household: HouseholdRef | None
    phones: list[PhoneOut]
    care_tags: list[str] | None = Field(
        None, description="Only for roles that arrange care; null otherwise"
    )
    moved_away: bool


def _card(user, resident: Resident) -> dict:
    household = resident.household
    return {
        "id": resident.pk,
        "name": resident.name,
        "sex": resident.sex,
        "age": resident.age,
        "community_id": resident.community_id,
        "household": {"id": household.pk, "address": household.address} if household else None,
        "phones": [{"label": p.label, "masked": p.masked} for p in resident.phones.all()],
        "care_tags": [t.name for t in resident.care_tags.all()]
        if policy.can_see_care_tags(user, resident)
        else None,
        "moved_away": resident.moved_away_on is not None,
    }


@router.post(
    "/residents/search",
    response=responses({200: list[ResidentOut]}),
    summary="Search residents (masked)",
)
def search(request, data: SearchIn):
    """Find residents by name, pinyin, initials, address, or phone (full or last four)."""
    from people.services import search_residents

    require_scope(request, "residents:read")
    found = search_residents(acting_user=request.auth, query=data.query, limit=data.limit)
    return [_card(request.auth, r) for r in found]


@router.get(
    "/residents/{resident_id}",
    response=responses({200: ResidentOut}),
    summary="One resident (masked)",
)
def resident(request, resident_id: int = Path(..., ge=1, le=ID_MAX)):
    require_scope(request, "residents:read")
    found = get_object_or_404(
        Resident.objects.visible_to(request.auth)
        .select_related("household__building__compound__grid")
        .prefetch_related("phones", "care_tags"),
        pk=resident_id,
    )
    return _card(request.auth, found)
