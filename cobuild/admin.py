from django.contrib import admin

from cobuild.models import Unit
from linli.lib.admin import AuditedAdmin


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["name", "kind", "region", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["communities"]
