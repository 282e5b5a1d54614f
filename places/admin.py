from django.contrib import admin

from linli.lib.admin import AuditedAdmin
from places.models import Building, Community, Compound, Grid, Household, Region, Street


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ["name", "code"]


@admin.register(Street)
class StreetAdmin(AuditedAdmin):
    list_display = ["name", "region"]


@admin.register(Community)
class CommunityAdmin(AuditedAdmin):
    list_display = ["name", "code", "street", "hotline_name"]
    search_fields = ["name"]


@admin.register(Grid)
class GridAdmin(AuditedAdmin):
    list_display = ["name", "number", "community"]
    list_filter = ["community"]
    search_fields = ["name"]


@admin.register(Compound)
class CompoundAdmin(AuditedAdmin):
    list_display = ["name", "kind", "grid", "is_old", "is_open", "year_built"]
    list_filter = ["is_old", "is_open", "kind", "grid__community"]
    search_fields = ["name"]
    autocomplete_fields = ["grid", "parent"]


@admin.register(Building)
class BuildingAdmin(AuditedAdmin):
    list_display = ["name", "compound", "floors"]
    search_fields = ["name", "compound__name"]
    autocomplete_fields = ["compound"]


@admin.register(Household)
class HouseholdAdmin(AuditedAdmin):
    list_display = ["__str__", "floor_area_centi_m2", "occupancy", "use"]
    list_filter = ["occupancy", "use"]
    search_fields = ["room", "building__compound__name"]
    autocomplete_fields = ["building"]
    list_select_related = ["building__compound"]
