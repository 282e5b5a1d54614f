from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit
from accounts.models import AuditLog, RoleGrant, User
from accounts.scopes import scope_of
from linli.lib.admin import AuditedAdmin, ScopedTabularInline, users_in_scope

__all__ = ["users_in_scope"]  # kept importable from here


def grants_in_scope(queryset, user):
    """The grants an administrator may see and change on an account: those over their
    own communities (and counties they hold). A grant the same person holds elsewhere
    stays out of the form, so it can be neither read nor overwritten here."""
    scope = scope_of(user)
    if user.is_superuser or scope.everything:
        return queryset
    ids = scope.all_community_ids()
    return queryset.filter(
        Q(community_id__in=ids)
        | Q(grid__community_id__in=ids)
        | Q(compound__grid__community_id__in=ids)
        | Q(region_id__in=user.grants.filter(region__isnull=False).values("region"))
    )


class RoleGrantInline(ScopedTabularInline):
    """An account's roles; the places offered (and accepted) are the administrator's."""

    model = RoleGrant
    extra = 0
    fields = ["role", "region", "community", "grid", "compound"]
    autocomplete_fields = ["grid", "compound"]

    def get_queryset(self, request):
        return grants_in_scope(super().get_queryset(request), request.user)


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    inlines = [RoleGrantInline]
    list_display = ["username", "display_name", "phone_extension", "is_active", "last_login"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("linli"), {"fields": ("display_name", "phone_extension")}),
    )

    def get_queryset(self, request):
        return users_in_scope(super().get_queryset(request), request.user)

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser makes superusers or hands out permissions: anyone else could
        # promote themselves, or pass on rights they do not hold.
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return [*fields, "is_superuser", "groups", "user_permissions"]


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the audit log can be read, never edited or deleted here."""

    list_display = ["at", "actor", "action", "channel", "object_type", "object_repr"]
    list_filter = ["channel", "action"]
    search_fields = ["object_repr", "action"]
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def get_queryset(self, request):
        # As the audit page: entries of the administrator's communities only.
        queryset = super().get_queryset(request)
        scope = scope_of(request.user)
        if request.user.is_superuser or scope.everything:
            return queryset
        return queryset.filter(community_id__in=scope.all_community_ids())

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

    def get_queryset(self, request):
        # Devices of the accounts the administrator may open.
        users = users_in_scope(User.objects.all(), request.user)
        return super().get_queryset(request).filter(user__in=users)

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
