"""Key rotation: re-encrypt every protected number with the current data key and
rebuild every blind index with the current index key.

Any model holding numbers the ``linli.lib.pii`` way takes part if it subclasses
``people.models.EncryptedPhone`` (phones, emergency contacts, service providers,
calls) or is listed in ``ROTATABLE`` below with its encrypted field and how to
re-index it. Rows are processed in batches, each in its own transaction; running
the command twice is harmless.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.db import transaction

from linli.lib import pii
from people.models import EncryptedPhone, Resident


def _phone_fields(obj) -> list[str]:
    number = pii.decrypt(obj.number_encrypted)
    obj.number_encrypted = pii.rotate(obj.number_encrypted)
    obj.number_index, obj.last4_index = pii.phone_indexes(number)
    return ["number_encrypted", "number_index", "last4_index"]


def _id_fields(obj) -> list[str]:
    if not obj.id_number_encrypted:
        return []
    value = pii.decrypt(obj.id_number_encrypted)
    obj.id_number_encrypted = pii.rotate(obj.id_number_encrypted)
    obj.id_number_index, obj.id_number_last4_index = pii.id_indexes(value)
    return ["id_number_encrypted", "id_number_index", "id_number_last4_index"]


# model label → (field that must be non-empty, function updating one object)
ROTATABLE: dict[str, tuple[str, Callable]] = {
    Resident._meta.label: ("id_number_encrypted", _id_fields),
}


def rotatable_models() -> list[tuple[type, str, Callable]]:
    found = []
    for model in apps.get_models():
        if issubclass(model, EncryptedPhone):
            found.append((model, "number_encrypted", _phone_fields))
        elif model._meta.label in ROTATABLE:
            field, updater = ROTATABLE[model._meta.label]
            found.append((model, field, updater))
    return found


def rotate_all(*, batch_size: int = 1000, progress=None) -> dict[str, int]:
    """Re-encrypt and re-index every protected value; returns counts per model."""
    counts: dict[str, int] = {}
    for model, field, updater in rotatable_models():
        done = 0
        last_pk = 0
        manager = model._base_manager
        while True:
            with transaction.atomic():
                batch = list(
                    manager.filter(pk__gt=last_pk)
                    .exclude(**{field: ""})
                    .order_by("pk")[:batch_size]
                )
                if not batch:
                    break
                changed: list[str] = []
                for obj in batch:
                    changed = updater(obj) or changed
                if changed:
                    manager.bulk_update(batch, changed)
                done += len(batch)
                last_pk = batch[-1].pk
            if progress:
                progress(model._meta.label, done)
        counts[model._meta.label] = done
    return counts
