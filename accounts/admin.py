from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit
from accounts.models import AuditLog, RoleGrant, User
from linli.lib.admin import AuditedAdmin


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0
    fields = ["role", "region", "community", "grid", "compound"]
    autocomplete_fields = ["grid", "compound"]


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    inlines = [RoleGrantInline]
    list_display = ["username", "display_name", "phone_extension", "is_active", "last_login"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("linli"), {"fields": ("display_name", "phone_extension")}),
    )


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the audit log can be read, never edited or deleted here."""

    list_display = ["at", "actor", "action", "channel", "object_type", "object_repr"]
    list_filter = ["channel", "action"]
    search_fields = ["object_repr", "action"]
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class SecondFactorDeviceAdmin(TOTPDeviceAdmin):
    """Second-factor devices; the usual use is deleting one when a phone is lost.

    Changes are audited against the owner's account without the device's secret key
    (the generic AuditedAdmin snapshot would copy it into the log).
    """

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        action = "account.second_factor_update" if change else "account.second_factor_add"
        audit.record(request.user, action, obj.user, channel=audit.Channel.ADMIN, note=obj.name)

    def delete_model(self, request, obj):
        audit.record(
            request.user,
            "account.second_factor_reset",
            obj.user,
            channel=audit.Channel.ADMIN,
            note=obj.name,
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
