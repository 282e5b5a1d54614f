"""Writing to the audit log. Called by services, admin actions and commands.

Values are stored as JSON-safe snapshots. Fields named in ``MASKED_FIELDS`` of a
model (phone and ID numbers, care tags) are stored masked, so the audit log never
becomes a second copy of the personal data it protects.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import models

from accounts.models import AuditLog
from linli.lib import rows

Channel = AuditLog.Channel


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return "<binary>"
    return value


def snapshot(obj: models.Model | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a model's concrete fields, personal data masked."""
    if obj is None:
        return None
    masked = getattr(obj, "AUDIT_MASKED_FIELDS", {})
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        name = field.attname
        if name in getattr(obj, "AUDIT_SKIPPED_FIELDS", ()):
            continue
        value = getattr(obj, name)
        if name in masked:
            value = masked[name](value) if value else value
        data[name] = _jsonable(value)
    return data


def changed_fields(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Only the fields that differ, so the log shows what really changed."""
    if before is None or after is None:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def community_of(obj: models.Model | None):
    """The community a record belongs to, when it can be found cheaply."""
    if obj is None:
        return None
    getter = getattr(obj, "audit_community_id", None)
    if callable(getter):
        return getter()
    return getattr(obj, "community_id", None)


def record(
    actor,
    action: str,
    obj: models.Model | None = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    channel: str = Channel.WEB,
    note: str = "",
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
    community_id: int | None = None,
) -> AuditLog:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr if object_repr is not None else str(obj)[:200]
        community_id = community_id or community_of(obj)
    before, after = changed_fields(before, after)
    return rows.insert(
        AuditLog(
            actor=actor if actor is not None and actor.is_authenticated else None,
            action=action,
            channel=channel,
            object_type=object_type or "",
            object_id=object_id or "",
            object_repr=(object_repr or "")[:200],
            community_id=community_id,
            before=before,
            after=after,
            note=note[:300],
        )
    )
