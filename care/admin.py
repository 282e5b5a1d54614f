"""The care settings the office edits: contact rules, thresholds, seasons, hours."""

from django.contrib import admin

from care.models import (
    CareSettings,
    ContactRule,
    OrderHoursRule,
    RecurrenceRule,
    Season,
)
from linli.lib.admin import AuditedAdmin


@admin.register(ContactRule)
class ContactRuleAdmin(AuditedAdmin):
    list_display = ["name", "kind", "every_days", "is_active", "order"]
    list_editable = ["every_days", "is_active", "order"]
    filter_horizontal = ["tags"]


@admin.register(CareSettings)
class CareSettingsAdmin(AuditedAdmin):
    list_display = ["community", "escalate_at", "visit_coverage_months", "needs_help_category"]


@admin.register(RecurrenceRule)
class RecurrenceRuleAdmin(AuditedAdmin):
    list_display = ["__str__", "category", "threshold", "window_days", "widest_place", "is_active"]


@admin.register(Season)
class SeasonAdmin(AuditedAdmin):
    list_display = ["name", "start_month", "end_month", "lead_months", "is_active"]
    filter_horizontal = ["categories"]


@admin.register(OrderHoursRule)
class OrderHoursRuleAdmin(AuditedAdmin):
    list_display = ["category", "minutes"]
