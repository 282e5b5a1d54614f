"""Test helpers for security properties every form and page must keep.

Forms list their fields explicitly; anything else a request carries (``is_staff``,
``grid``, ``state`` …) must be ignored. These helpers post a form with such extra
fields added and check that nothing they name changed.

    from linli.testing_security import assert_post_ignores_extra_fields

    def test_editing_a_resident_ignores_extra_fields(login, operator, resident, other_grid):
        assert_post_ignores_extra_fields(
            login(operator),
            reverse("people:edit", args=[resident.pk]),
            {"name": "王秀英", "note": "..."},
            watch=[resident],
            extra={"grid": other_grid.pk},  # optional: defaults to EXTRA_FIELDS
        )

For a form that creates an object, pass ``created=lambda: Order.objects.latest("pk")``
instead of (or as well as) ``watch``: none of the extra fields' values may end up on
the new object.
"""

from __future__ import annotations

import copy
import importlib
import itertools
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from django import forms
from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

# Fields an attacker would like to set. Values are deliberately "interesting": a
# primary key that could belong to another grid, a privileged flag, a final state.
EXTRA_FIELDS: dict[str, str] = {
    "is_staff": "on",
    "is_superuser": "on",
    "is_active": "off",
    "id": "987654",
    "pk": "987654",
    "user": "987654",
    "owner": "987654",
    "actor": "987654",
    "acting_user": "987654",
    "created_by": "987654",
    "assignee": "987654",
    "region": "987654",
    "community": "987654",
    "grid": "987654",
    "compound": "987654",
    "household": "987654",
    "role": "admin",
    "roles": "admin",
    "groups": "1",
    "user_permissions": "1",
    "state": "closed",
    "status": "closed",
    "created_at": "2000-01-01T00:00:00",
    "at": "2000-01-01T00:00:00",
}


def _check(condition: bool, message: str) -> None:
    # Not a bare assert: this module is not under tests/, and asserts vanish under -O.
    if not condition:
        raise AssertionError(message)


def _extra_for(data: dict, extra: dict | None) -> dict:
    chosen = dict(EXTRA_FIELDS if extra is None else extra)
    # A field the form really has is not "extra".
    return {k: v for k, v in chosen.items() if k not in data}


def _field(model_or_obj, name: str) -> models.Field | None:
    try:
        field = model_or_obj._meta.get_field(name)
    except Exception:  # noqa: BLE001 — FieldDoesNotExist and reverse relations alike
        return None
    return field if getattr(field, "concrete", False) else None


def _values(obj: models.Model, names: Iterable[str]) -> dict[str, object]:
    out = {}
    for name in names:
        field = _field(obj, name)
        if field is None:
            continue
        out[name] = (
            sorted(getattr(obj, name).values_list("pk", flat=True))
            if field.many_to_many
            else getattr(obj, field.attname)
        )
    return out


def _same(field: models.Field, value, posted) -> bool:
    """Does the stored ``value`` look like what was posted as ``posted``?"""
    text = str(posted).strip().lower()
    if isinstance(field, models.BooleanField):
        return bool(value) == (text in ("on", "true", "1", "yes"))
    if isinstance(field, models.DateField | models.DateTimeField):
        return value is not None and value.isoformat()[:10] == text[:10]
    if isinstance(value, list):
        return text in [str(v) for v in value]
    return str(value).lower() == text


def post_with_extra_fields(client, url: str, data: dict, *, extra: dict | None = None, **kwargs):
    """POST ``data`` plus extra fields; returns the response."""
    return client.post(url, {**data, **_extra_for(data, extra)}, **kwargs)


def assert_post_ignores_extra_fields(
    client,
    url: str,
    data: dict,
    *,
    watch: Iterable[models.Model] = (),
    created: Callable[[], models.Model] | None = None,
    extra: dict | None = None,
    **kwargs,
):
    """POST ``data`` with extra fields and assert none of them took effect.

    ``watch``: existing objects whose fields named like an extra field must not change.
    ``created``: returns the object the POST made; none of its fields named like an
    extra field may hold the posted value. At least one extra field must name a real
    field of a watched or created object, so the check can fail.
    """
    injected = _extra_for(data, extra)
    watched = list(watch)
    before = [_values(obj, injected) for obj in watched]
    response = client.post(url, {**data, **injected}, **kwargs)
    checked = 0
    for obj, old in zip(watched, before, strict=True):
        obj.refresh_from_db()
        new = _values(obj, injected)
        changed = {k: (old[k], new[k]) for k in old if old[k] != new[k]}
        _check(not changed, f"posting extra fields changed {obj!r}: {changed}")
        checked += len(old)
    if created is not None:
        obj = created()
        for name, value in _values(obj, injected).items():
            posted = injected[name]
            _check(
                not _same(_field(obj, name), value, posted),
                f"posting {name}={posted!r} set it on the new {obj._meta.label}",
            )
            checked += 1
    _check(
        checked > 0,
        "none of the extra fields names a field of the watched objects; pass extra= "
        "with the fields that matter for this form",
    )
    return response


def assert_form_ignores_extra_fields(
    form_class: type[forms.BaseForm], data: dict, *, extra: dict | None = None, **form_kwargs
):
    """Bind ``form_class`` with and without extra fields: same validity, same
    cleaned data, and (for a ModelForm) the same values on the unsaved instance."""
    injected = {k: v for k, v in _extra_for(data, extra).items() if k not in form_class.base_fields}
    plain = form_class(data=dict(data), **_fresh(form_kwargs))
    padded = form_class(data={**data, **injected}, **_fresh(form_kwargs))
    _check(plain.is_valid() == padded.is_valid(), f"extra fields changed validity: {padded.errors}")
    if not plain.is_valid():
        return padded
    _check(padded.cleaned_data == plain.cleaned_data, "extra fields changed the cleaned data")
    _check(not set(injected) & set(padded.cleaned_data), "extra fields reached cleaned_data")
    if isinstance(padded, forms.ModelForm):
        names = [n for n in injected if _field(padded._meta.model, n)]
        _check(
            _values(padded.instance, names) == _values(plain.instance, names),
            "extra fields reached the form's instance",
        )
    return padded


def _fresh(form_kwargs: dict) -> dict:
    # Each bound form gets its own copy of an instance, so one cannot change the other.
    out = dict(form_kwargs)
    if "instance" in out and out["instance"] is not None:
        out["instance"] = copy.copy(out["instance"])
    return out


def model_forms_without_explicit_fields() -> list[str]:
    """ModelForms in the project's ``<app>/forms.py`` that use ``__all__`` or ``exclude``.

    Such a form silently starts accepting every field a later migration adds.
    """
    found = []
    for config in apps.get_app_configs():
        if Path(config.path).parent != Path(settings.BASE_DIR):
            continue  # Django's and third-party apps
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError as exc:
            if exc.name == f"{config.name}.forms":
                continue
            raise
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.ModelForm)
                and value.__module__ == module.__name__
                and getattr(value, "_meta", None) is not None
                and value._meta.model is not None
            ):
                # Django turns fields = "__all__" into None.
                fields, exclude = value._meta.fields, value._meta.exclude
                if fields is None or fields == forms.ALL_FIELDS or exclude:
                    found.append(f"{module.__name__}.{value.__name__}")
    return found


# --- walking every URL of the project ---------------------------------------------


def named_url_patterns(resolver=None, namespace: str = ""):
    """Yield ``(name, pattern)`` for every named URL pattern, namespaces included
    (``"people:resident"``), so a sweep covers new routes without being told."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_url_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


# Path arguments that choose a format, not an object.
NON_OBJECT_ARGUMENTS = frozenset({"fmt"})
# Tried in turn for a regex route's arguments (e.g. Open311's ``\.(?P<fmt>xml|json)$``).
_REGEX_CANDIDATES = ("1", "x", "json", "xml")


def url_arguments(pattern: URLPattern) -> list[str]:
    """The names of a pattern's path arguments, for ``path()`` and ``re_path()`` alike."""
    return list(pattern.pattern.regex.groupindex)


def object_url_patterns(resolver=None):
    """Yield ``(name, pattern)`` for every named pattern whose path names an object (an
    id, a number, a token): what an outsider sweep must cover."""
    for name, pattern in named_url_patterns(resolver):
        if set(url_arguments(pattern)) - NON_OBJECT_ARGUMENTS:
            yield name, pattern


def _placeholder(converter) -> object:
    return {"IntConverter": 1, "UUIDConverter": uuid.UUID(int=1)}.get(type(converter).__name__, "x")


def _reverse(name: str, pattern: URLPattern, values) -> str | None:
    converters = getattr(pattern.pattern, "converters", {}) or {}
    kwargs, open_args = {}, []
    for arg in url_arguments(pattern):
        conv = converters.get(arg)
        chosen = values(name, arg, conv) if values else None
        if chosen is not None:
            kwargs[arg] = chosen
        elif conv is not None:
            kwargs[arg] = _placeholder(conv)
        else:
            open_args.append(arg)
    # A regex route's free arguments: the first combination of candidates it accepts.
    for combination in itertools.product(_REGEX_CANDIDATES, repeat=len(open_args)):
        try:
            return reverse(
                name, kwargs={**kwargs, **dict(zip(open_args, combination, strict=True))}
            )
        except NoReverseMatch:
            continue
    return None


def every_url(values: Callable[[str, str, object], object] | None = None):
    """Yield ``(name, url)`` for every named URL pattern that can be reversed.

    Path arguments get placeholders (1 for ints, "x" for strings; for a regex route the
    first of "1", "x", "json", "xml" it accepts); pass ``values``
    (``(url_name, argument, converter) -> value``, converter None for a regex route)
    to put real object ids in instead, e.g. an object of another grid for an outsider
    sweep. Patterns that cannot be reversed with the values given are skipped.
    """
    seen = set()
    for name, pattern in named_url_patterns():
        url = _reverse(name, pattern, values)
        if url is not None and (name, url) not in seen:
            seen.add((name, url))
            yield name, url
