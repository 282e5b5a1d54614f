"""Places in the JSON API: the tree a user or key may see, compounds and households.

Read-only; scope comes from ``visible_to`` exactly as on the pages.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Schema

from open311.apikit import ID_MAX, require_scope, responses
from places.models import Building, Community, Compound, Grid, Household

router = Router(tags=["places"])


class CompoundOut(Schema):
    id: int
    name: str
    kind: str
    address: str
    grid_id: int
    is_old: bool
    has_property_company: bool


class GridOut(Schema):
    id: int
    number: int
    name: str
    compounds: list[CompoundOut]


class CommunityOut(Schema):
    id: int
    code: str
    name: str
    hotline_name: str
    grids: list[GridOut]


class BuildingOut(Schema):
    id: int
    name: str
    floors: int


class CompoundDetailOut(CompoundOut):
    buildings: list[BuildingOut]


class HouseholdOut(Schema):
    id: int
    unit: str
    room: str
    door: str
    address: str
    occupancy: str
    use: str
    floor_area_centi_m2: int


def _compound(c: Compound) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "kind": c.kind,
        "address": c.address,
        "grid_id": c.grid_id,
        "is_old": c.is_old,
        "has_property_company": c.has_property_company,
    }


@router.get("/tree", response=responses({200: list[CommunityOut]}), summary="Places tree")
def tree(request):
    """Communities › grids › compounds the caller may see (a grid worker: one grid)."""
    require_scope(request, "places:read")
    user = request.auth
    grids = {g.pk: g for g in Grid.objects.visible_to(user).select_related("community")}
    compounds = list(Compound.objects.visible_to(user).select_related("grid__community"))
    for compound in compounds:
        grids.setdefault(compound.grid_id, compound.grid)
    communities = {c.pk: c for c in Community.objects.visible_to(user)}
    for grid in grids.values():
        communities.setdefault(grid.community_id, grid.community)
    by_grid: dict[int, list] = {}
    for compound in compounds:
        by_grid.setdefault(compound.grid_id, []).append(_compound(compound))
    result = []
    for community in sorted(communities.values(), key=lambda c: c.code):
        community_grids = sorted(
            (g for g in grids.values() if g.community_id == community.pk), key=lambda g: g.number
        )
        result.append(
            {
                "id": community.pk,
                "code": community.code,
                "name": community.name,
                "hotline_name": community.hotline_name,
                "grids": [
                    {
                        "id": g.pk,
                        "number": g.number,
                        "name": g.name,
                        "compounds": by_grid.get(g.pk, []),
                    }
                    for g in community_grids
                ],
            }
        )
    return result


@router.get("/compounds", response=responses({200: list[CompoundOut]}), summary="Compounds")
def compounds(request, grid: int | None = Query(None, ge=1, le=ID_MAX)):
    require_scope(request, "places:read")
    found = Compound.objects.visible_to(request.auth)
    if grid is not None:
        found = found.filter(grid_id=grid)
    return [_compound(c) for c in found]


@router.get(
    "/compounds/{compound_id}",
    response=responses({200: CompoundDetailOut}),
    summary="One compound and its buildings",
)
def compound(request, compound_id: int = Path(..., ge=1, le=ID_MAX)):
    require_scope(request, "places:read")
    found = get_object_or_404(Compound.objects.visible_to(request.auth), pk=compound_id)
    return {
        **_compound(found),
        "buildings": [
            {"id": b.pk, "name": b.name, "floors": b.floors} for b in found.buildings.all()
        ],
    }


@router.get(
    "/buildings/{building_id}/households",
    response=responses({200: list[HouseholdOut]}),
    summary="Households of a building (their ids are Open311 address_id values)",
)
def households(request, building_id: int = Path(..., ge=1, le=ID_MAX)):
    require_scope(request, "places:read")
    building = get_object_or_404(
        Building.objects.visible_to(request.auth).select_related("compound"), pk=building_id
    )
    rows = Household.objects.visible_to(request.auth).filter(building=building)
    result = []
    for household in rows:
        household.building = building
        result.append(
            {
                "id": household.pk,
                "unit": household.unit,
                "room": household.room,
                "door": household.door,
                "address": household.address,
                "occupancy": household.occupancy,
                "use": household.use,
                "floor_area_centi_m2": household.floor_area_centi_m2,
            }
        )
    return result
