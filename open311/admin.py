"""API keys and Open311 submissions in the admin: read-only views and a revoke action.

Keys are made with ``manage.py create_api_token`` (the key must be shown once, which
an admin form cannot do safely) and revoked here through the service, so every
change is audited.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts import audit
from linli.lib.errors import ServiceError
from open311 import services
from open311.models import ApiToken, Submission


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnly):
    list_display = [
        "name",
        "community",
        "key_prefix",
        "scopes",
        "rate_limit_per_minute",
        "is_active",
        "last_used_at",
        "expires_at",
    ]
    list_filter = ["is_active", "community"]
    search_fields = ["name", "key_prefix"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def get_queryset(self, request):
        from places.models import Community

        return (
            super()
            .get_queryset(request)
            .filter(community__in=Community.objects.visible_to(request.user))
        )

    @admin.action(description=_("Revoke the selected API keys"))
    def revoke(self, request, queryset):
        for token in queryset:
            try:
                services.revoke_api_token(
                    acting_user=request.user, token=token, channel=audit.Channel.ADMIN
                )
            except ServiceError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
        self.message_user(request, _("Revoked."), messages.SUCCESS)

    def has_change_permission(self, request, obj=None):
        # Needed for the revoke action; the form itself shows read-only fields.
        return request.user.is_superuser or request.user.has_perm("open311.change_apitoken")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ApiToken._meta.fields if f.name != "key_hash"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnly):
    list_display = ["token", "service_code", "order", "community", "created_at", "error"]
    list_filter = ["community", "service_code"]
    exclude = ["phone_encrypted"]

    def get_queryset(self, request):
        from places.models import Community

        return (
            super()
            .get_queryset(request)
            .filter(community__in=Community.objects.visible_to(request.user))
        )
