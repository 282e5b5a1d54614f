"""Admin base class that writes every create, change and delete to the audit log."""

from django.contrib import admin


class AuditedAdmin(admin.ModelAdmin):
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
