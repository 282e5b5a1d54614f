"""Admin base class that writes every create, change and delete to the audit log and
shows a community's administrator only what their scope covers."""

from django.contrib import admin


def in_scope(queryset, user):
    """The part of an admin queryset ``user`` may see: a model with ``visible_to`` is cut
    to the user's scope, as on the pages (superusers see everything). Deployment-wide
    settings (categories, rules) have no ``visible_to`` and stay whole."""
    visible_to = getattr(queryset, "visible_to", None)
    if user.is_superuser or visible_to is None:
        return queryset
    return visible_to(user)


class AuditedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        # Another community's objects answer like missing ones, never a change form.
        return in_scope(super().get_queryset(request), request.user)

    def save_model(self, request, obj, form, change):
        from accounts import audit

        before = None
        if change and obj.pk:
            before = audit.snapshot(type(obj)._base_manager.get(pk=obj.pk))
        super().save_model(request, obj, form, change)
        audit.record(
            request.user,
            f"{obj._meta.model_name}.{'update' if change else 'create'}",
            obj,
            before=before,
            after=audit.snapshot(obj),
            channel=audit.Channel.ADMIN,
        )

    def delete_model(self, request, obj):
        from accounts import audit

        audit.record(
            request.user,
            f"{obj._meta.model_name}.delete",
            obj,
            before=audit.snapshot(obj),
            channel=audit.Channel.ADMIN,
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
