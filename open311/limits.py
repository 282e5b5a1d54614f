"""Per-token rate limits: a fixed one-minute window counted in the database.

Several gunicorn workers (and several machines sharing one PostgreSQL) must share
one count, so the count lives in a row and is raised with a conditional UPDATE
(``count < limit``): two workers racing for the last request of a window cannot both
win. A window that does not exist yet is created by INSERT; losing that race to
another worker only means trying the UPDATE again.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from open311.models import ApiToken, RateWindow

WINDOW = timedelta(minutes=1)


def _window_start(now):
    return now.replace(second=0, microsecond=0)


def take(token: ApiToken, now=None) -> int | None:
    """Count one request. None when allowed, else the seconds until the next window."""
    now = now or timezone.now()
    start = _window_start(now)
    limit = token.rate_limit_per_minute
    retry_after = max(1, math.ceil((start + WINDOW - now).total_seconds()))
    if limit <= 0:
        return retry_after
    for _attempt in range(2):
        updated = RateWindow.objects.filter(
            token=token, window_start=start, count__lt=limit
        ).update(count=F("count") + 1)
        if updated:
            return None
        if RateWindow.objects.filter(token=token, window_start=start).exists():
            return retry_after
        try:
            with transaction.atomic():
                RateWindow.objects.create(token=token, window_start=start, count=1)
        except IntegrityError:
            continue  # another worker opened the window first: count in it instead
        # A new window is a good moment to forget this token's old ones.
        RateWindow.objects.filter(token=token, window_start__lt=start - WINDOW).delete()
        return None
    return retry_after
