"""The hotline's notion of "now", which the demo can wind back.

Services read the time through ``now()``. The demo loader replays a year of orders
through the real services inside ``at(moment)``; tests use time-machine, which
moves ``timezone.now`` itself and so needs nothing from here.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from contextlib import contextmanager

from django.utils import timezone

_frozen: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar(
    "hotline_clock", default=None
)


def now() -> dt.datetime:
    return _frozen.get() or timezone.now()


@contextmanager
def at(moment: dt.datetime):
    """Run the block as if it were ``moment`` (aware datetime)."""
    if timezone.is_naive(moment):
        raise ValueError("the clock needs an aware datetime")
    token = _frozen.set(moment)
    try:
        yield
    finally:
        _frozen.reset(token)
