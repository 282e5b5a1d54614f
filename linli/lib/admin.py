"""Admin base class that writes every create, change and delete to the audit log and
shows a community's administrator only what their scope covers: the lists, the
look-ups, and every choice a form offers (drop-downs, raw-id and autocomplete fields,
inlines), so an administrator of community B cannot pick community A's grid, grant
themselves a role over A, or smuggle A's ids in with a forged POST."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

OUT_OF_SCOPE = _("This choice does not exist or is outside your area.")


def in_scope(queryset, user):
    """The part of an admin queryset ``user`` may see: a model with ``visible_to`` is cut
    to the user's scope, as on the pages (superusers see everything). Deployment-wide
    settings (categories, rules) have no ``visible_to`` and stay whole."""
    visible_to = getattr(queryset, "visible_to", None)
    if user.is_superuser or visible_to is None:
        return queryset
    return visible_to(user)


def users_in_scope(queryset, user):
    """Accounts an administrator may open or pick in the admin: themselves and the
    people holding a grant inside their communities (superusers: everyone)."""
    from accounts.scopes import scope_of

    scope = scope_of(user)
    if user.is_superuser or scope.everything:
        return queryset
    ids = scope.all_community_ids()
    return queryset.filter(
        Q(pk=user.pk)
        | Q(grants__community_id__in=ids)
        | Q(grants__grid__community_id__in=ids)
        | Q(grants__compound__grid__community_id__in=ids)
    ).distinct()


def choices_in_scope(queryset, user):
    """What a form field pointing at ``queryset``'s model may offer ``user``.

    Records with ``visible_to`` are cut to the user's scope, accounts to
    ``users_in_scope``; a county only to those the user holds a county-wide grant over
    (a community's administrator must not hand out county-wide roles); a street to the
    streets of the user's communities; any other record that belongs to a community to
    the user's communities. What remains (categories, units, care tags) is shared by
    the whole deployment.
    """
    from accounts.models import User
    from accounts.scopes import scope_of
    from places.models import Region, Street

    if user.is_superuser:
        return queryset
    model = queryset.model
    if hasattr(queryset, "visible_to"):
        return queryset.visible_to(user)
    if issubclass(model, User):
        return users_in_scope(queryset, user)
    scope = scope_of(user)
    if scope.everything:
        return queryset
    if model is Region:
        return queryset.filter(pk__in=user.grants.filter(region__isnull=False).values("region"))
    communities = scope.all_community_ids()
    if model is Street:
        return queryset.filter(communities__id__in=communities).distinct()
    if any(f.name == "community" and f.many_to_one for f in model._meta.concrete_fields):
        return queryset.filter(community_id__in=communities)
    return queryset


def _scoped(field, user):
    if isinstance(field, forms.ModelChoiceField):  # ModelMultipleChoiceField too
        field.queryset = choices_in_scope(field.queryset, user)
        field.error_messages = {**field.error_messages, "invalid_choice": OUT_OF_SCOPE}
    return field


def keep_current_choices(form_class, obj) -> None:
    """Let a form keep the values ``obj`` already holds even when they lie outside the
    user's scope: such a value can only be kept (a forged POST gains nothing), and
    without it the form could not be saved or would silently drop it."""
    for name, field in form_class.base_fields.items():
        if not isinstance(field, forms.ModelChoiceField) or isinstance(
            field, forms.ModelMultipleChoiceField
        ):
            continue
        current = getattr(obj, f"{name}_id", None)
        if current is None or field.queryset.filter(pk=current).exists():
            continue
        model = field.queryset.model
        field.queryset = model._default_manager.filter(
            Q(pk__in=field.queryset.values("pk")) | Q(pk=current)
        )


def _related_only(model, entry):
    """``entry`` of a ``list_filter``, with a relation's filter limited to the values
    the admin's queryset uses."""
    if not isinstance(entry, str):
        return entry
    field = get_fields_from_path(model, entry)[-1]
    if field.is_relation:
        return (entry, admin.RelatedOnlyFieldListFilter)
    return entry


class ScopedChoicesMixin:
    """Every foreign-key and many-to-many choice of the admin's forms (and inlines)
    limited to what the administrator may see; an id from outside is refused on save
    with ``OUT_OF_SCOPE``. Superusers keep every choice."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _scoped(field, request.user) if field is not None else None

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _scoped(field, request.user) if field is not None else None


class ScopedTabularInline(ScopedChoicesMixin, admin.TabularInline):
    """An inline whose choices are scoped like its admin's."""


class AuditedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    def get_queryset(self, request):
        # Another community's objects answer like missing ones, never a change form.
        return in_scope(super().get_queryset(request), request.user)

    def get_list_filter(self, request):
        # A filter over a relation lists only the values the administrator's own rows
        # use (the scoped queryset), never every community's names.
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        return [_related_only(self.model, entry) for entry in filters]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and not request.user.is_superuser:
            keep_current_choices(form, obj)
        return form

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
