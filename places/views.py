"""Browse the places in the user's scope: communities, grids, compounds, households."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from places.models import Building, Compound, Grid, Household


@require_GET
def tree(request):
    """The grids and compounds the user may see, with household counts."""
    compounds = (
        Compound.objects.visible_to(request.user)
        .annotate(
            household_count=Count("buildings__households", distinct=True),
            rented_count=Count(
                "buildings__households",
                filter=Q(buildings__households__occupancy=Household.Occupancy.RENTED),
                distinct=True,
            ),
        )
        .order_by("name")
    )
    grids = (
        Grid.objects.filter(compounds__in=Compound.objects.visible_to(request.user))
        .distinct()
        .select_related("community")
        .prefetch_related(Prefetch("compounds", queryset=compounds, to_attr="visible_compounds"))
        .order_by("community__code", "number")
    )
    return render(request, "places/tree.html", {"grids": grids})


@require_GET
def grid_detail(request, pk: int):
    grid = get_object_or_404(
        Grid.objects.visible_to(request.user).select_related("community"), pk=pk
    )
    compounds = (
        Compound.objects.visible_to(request.user)
        .filter(grid=grid)
        .annotate(household_count=Count("buildings__households"))
        .order_by("name")
    )
    return render(request, "places/grid_detail.html", {"grid": grid, "compounds": compounds})


@require_GET
def compound_detail(request, pk: int):
    compound = get_object_or_404(
        Compound.objects.visible_to(request.user).select_related("grid__community", "parent"),
        pk=pk,
    )
    buildings = compound.buildings.prefetch_related(
        Prefetch("households", queryset=Household.objects.order_by("unit", "room"))
    ).order_by("id")
    children = compound.children.order_by("name")
    totals = Household.objects.filter(building__compound=compound).aggregate(
        households=Count("id"),
        rented=Count("id", filter=Q(occupancy=Household.Occupancy.RENTED)),
        vacant=Count("id", filter=Q(occupancy=Household.Occupancy.VACANT)),
    )
    return render(
        request,
        "places/compound_detail.html",
        {"compound": compound, "buildings": buildings, "children": children, "totals": totals},
    )


@require_GET
def household_detail(request, pk: int):
    household = get_object_or_404(
        Household.objects.visible_to(request.user).select_related("building__compound__grid"),
        pk=pk,
    )
    return render(request, "places/household_detail.html", {"household": household})


@require_GET
def building_detail(request, pk: int):
    building = get_object_or_404(
        Building.objects.visible_to(request.user).select_related("compound__grid"), pk=pk
    )
    households = building.households.order_by("unit", "room")
    return render(
        request, "places/building_detail.html", {"building": building, "households": households}
    )
