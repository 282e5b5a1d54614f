"""API keys: how they are made, stored and recognised.

A key reads ``linli_<prefix>_<secret>``. The prefix finds the row; the SHA-256 digest
of the whole key is compared in constant time. A key has 256 bits of randomness, so
a fast digest is enough (a slow password hash would only slow every request down).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.utils import timezone

from open311.models import ApiToken

KEY_PREFIX = "linli_"
PREFIX_LENGTH = 8
# Writing last_used_at on every request would turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """(the full key to hand out once, its prefix)."""
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    return f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def find_token(raw: str | None) -> ApiToken | None:
    """The usable token for a presented key, or None. Never says why a key failed."""
    raw = (raw or "").strip()
    if not raw.startswith(KEY_PREFIX) or len(raw) > 200:
        return None
    prefix, _, secret = raw[len(KEY_PREFIX) :].partition("_")
    if len(prefix) != PREFIX_LENGTH or not secret:
        return None
    token = (
        ApiToken.objects.usable()
        .select_related("user", "community")
        .filter(key_prefix=prefix)
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, hash_key(raw)):
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
