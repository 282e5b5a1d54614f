"""The hotline's settings in Django's admin: categories, time limits, the official calendar
days that count as holidays or make-up working days, and service providers.

Work orders, their timelines and the outbox are shown read-only: every change to an
order goes through ``hotline.services`` (the intake console and order pages), so the
admin can never skip a rule or a timeline entry. Staff who are not superusers see
only the providers, orders and notifications of their own communities.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from pypinyin import Style, lazy_pinyin

from accounts.scopes import scope_of
from hotline.models import (
    CalendarDay,
    Category,
    Notification,
    Order,
    OrderContact,
    OrderEvent,
    ServiceProvider,
    SlaLimit,
    TelephonyIntegration,
)
from linli.lib import pii
from linli.lib.admin import AuditedAdmin


def _community_ids(request):
    scope = scope_of(request.user)
    return None if scope.everything else scope.all_community_ids()


class CommunityScopedAdmin(AuditedAdmin):
    community_field = "community"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        ids = _community_ids(request)
        if ids is None:
            return queryset
        return queryset.filter(**{f"{self.community_field}__in": ids})


class SlaLimitInline(admin.TabularInline):
    model = SlaLimit
    extra = 0
    fields = [
        "urgency",
        "response_amount",
        "response_unit",
        "resolution_amount",
        "resolution_unit",
        "warn_before_minutes",
    ]


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = [
        "name",
        "code",
        "group",
        "default_urgency",
        "default_level",
        "unit",
        "provider_trade",
        "volunteer_skill",
        "solvable_on_call",
        "is_active",
        "order",
    ]
    list_editable = ["order", "is_active"]
    list_filter = ["group", "default_urgency", "default_level", "is_active"]
    search_fields = ["name", "name_pinyin", "name_initials", "code"]
    readonly_fields = ["name_pinyin", "name_initials"]
    autocomplete_fields = ["unit"]
    inlines = [SlaLimitInline]

    def save_model(self, request, obj, form, change):
        # Pinyin and initials let the console find "下水道" by typing xsd.
        obj.name_pinyin = "".join(lazy_pinyin(obj.name))
        obj.name_initials = "".join(lazy_pinyin(obj.name, style=Style.FIRST_LETTER))
        super().save_model(request, obj, form, change)


@admin.register(SlaLimit)
class SlaLimitAdmin(AuditedAdmin):
    list_display = [
        "__str__",
        "response_amount",
        "response_unit",
        "resolution_amount",
        "resolution_unit",
        "warn_before_minutes",
    ]
    list_filter = ["urgency"]


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    """Next year's holidays and make-up working days, until the calendar package knows
    them (see ``linli.lib.workdays``): the time limits count working days by them."""

    list_display = ["date", "weekday", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]

    @admin.display(description=_("weekday"), ordering="date")
    def weekday(self, obj):
        return date_format(obj.date, "l")


class ServiceProviderForm(forms.ModelForm):
    phone = forms.CharField(
        label=_("phone"),
        required=False,
        help_text=_("Stored encrypted; leave empty to keep the current number."),
    )

    class Meta:
        model = ServiceProvider
        fields = [
            "community",
            "name",
            "trade",
            "trade_label",
            "area",
            "grids",
            "notes",
            "is_active",
        ]

    def clean_phone(self):
        raw = self.cleaned_data.get("phone", "")
        if not raw:
            if not self.instance.pk:
                raise ValidationError(_("A phone number is needed to call the provider."))
            return ""
        return pii.validate_phone(raw)

    def save(self, commit=True):
        provider = super().save(commit=False)
        if self.cleaned_data.get("phone"):
            provider.set_number(self.cleaned_data["phone"])
        if commit:
            provider.save()
            self.save_m2m()
        return provider


@admin.register(ServiceProvider)
class ServiceProviderAdmin(CommunityScopedAdmin):
    form = ServiceProviderForm
    list_display = ["name", "trade_label", "trade", "masked", "area", "community", "is_active"]
    list_filter = ["trade", "is_active", "community"]
    search_fields = ["name", "trade", "trade_label", "area"]
    filter_horizontal = ["grids"]


@admin.register(TelephonyIntegration)
class TelephonyIntegrationAdmin(CommunityScopedAdmin):
    """Keys are issued by ``hotline.telephony.create_integration``; here they can be
    looked at and switched off."""

    list_display = ["name", "community", "key_prefix", "is_active", "created_at"]
    readonly_fields = ["community", "key_prefix", "key_hash", "created_at"]
    fields = ["name", "community", "key_prefix", "key_hash", "is_active", "created_at"]

    def has_add_permission(self, request):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["at", "kind", "actor", "on_behalf_of", "channel", "from_state", "to_state", "note"]
    readonly_fields = fields


class OrderContactInline(ReadOnlyInline):
    model = OrderContact
    fields = [
        "name",
        "resident",
        "phone_masked",
        "attached_at",
        "callback_result",
        "callback_attempts",
    ]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(CommunityScopedAdmin):
    """Read-only: orders change only through the services (and their timelines)."""

    list_display = [
        "number",
        "category",
        "state",
        "urgency",
        "level",
        "grid",
        "created_at",
        "resolution_due",
        "is_supervised",
    ]
    list_filter = ["state", "urgency", "level", "is_supervised", "category", "community"]
    search_fields = ["number", "description"]
    date_hierarchy = "created_at"
    list_select_related = ["category", "grid"]
    show_full_result_count = False  # no full-table counts on a million orders
    inlines = [OrderContactInline, OrderEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Order._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(CommunityScopedAdmin):
    community_field = "recipient__grants__community"
    list_display = ["created_at", "recipient", "kind", "subject", "status", "attempts", "channel"]
    list_filter = ["status", "kind"]
    search_fields = ["subject"]
    readonly_fields = [field.name for field in Notification._meta.fields]
    actions = ["retry"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send the selected failed notifications again"))
    def retry(self, request, queryset):
        from accounts import audit

        count = queryset.filter(status=Notification.Status.FAILED).update(
            status=Notification.Status.PENDING, attempts=0, error=""
        )
        audit.record(
            request.user,
            "notification.retry",
            object_type="hotline.notification",
            note=str(count),
            channel=audit.Channel.ADMIN,
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d notification will be sent again.",
                "%(count)d notifications will be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
