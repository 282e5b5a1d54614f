"""Admin for the registry's reference data. Residents themselves are edited through
the registry pages (services with validation, encryption and the audit log), never
here, so their numbers cannot be typed in the clear or bypass the checks."""

from django.contrib import admin

from linli.lib.admin import AuditedAdmin
from people.models import CareTag, Volunteer


@admin.register(CareTag)
class CareTagAdmin(AuditedAdmin):
    """The list of care tags is data: administrators add, rename and order them."""

    list_display = ["name", "code", "order", "description"]
    list_editable = ["order"]
    search_fields = ["name", "code"]


@admin.register(Volunteer)
class VolunteerAdmin(AuditedAdmin):
    list_display = ["name", "kind", "community", "grid", "is_active"]
    list_filter = ["kind", "is_active", "community"]
    search_fields = ["name"]
    raw_id_fields = ["resident", "user"]
    readonly_fields = ["phone_masked"]
