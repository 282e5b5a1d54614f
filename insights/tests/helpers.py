"""Walking work orders through the real hotline services at chosen moments."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hotline import clock, services
from hotline.tests.factories import category
from insights import figures, rollups
from insights.models import MonthCount

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> dt.datetime:
    """An aware moment at the community: local(2026, 3, 10, 9, 0)."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


def new_order(operator, place, when, *, code="appliance_repair", **kwargs):
    if "caller" not in kwargs:
        kwargs.setdefault("contact_name", "李先生")
    place_kind = type(place).__name__.lower()
    with clock.at(when):
        return services.create_order(
            acting_user=operator,
            category=category(code),
            description=kwargs.pop("description", "电视机不亮了"),
            **{place_kind: place},
            **kwargs,
        )


def dispatch(operator, order, when, **target):
    with clock.at(when):
        return services.dispatch_order(acting_user=operator, order=order, **target)


def accept(worker, order, when):
    with clock.at(when):
        return services.accept_order(acting_user=worker, order=order)


def resolve(worker, order, when, resolution="修好了"):
    with clock.at(when):
        return services.resolve_order(acting_user=worker, order=order, resolution=resolution)


def call_back(operator, order, when, result, **kwargs):
    with clock.at(when):
        return services.record_callback(acting_user=operator, order=order, result=result, **kwargs)


def handled(operator, worker, order, start, *, accept_after=dt.timedelta(hours=1)):
    """Dispatch to ``worker``, accept after ``accept_after``, resolve a day later."""
    dispatch(operator, order, start, user=worker)
    accept(worker, order, start + accept_after)
    resolve(worker, order, start + accept_after + dt.timedelta(days=1))
    return order


def month_totals(community, month: dt.date, *, now: dt.datetime) -> figures.Totals:
    """Refresh the rollups as of ``now`` and read one month of one community."""
    rollups.refresh_all(now=now)
    return figures.total(MonthCount.objects.filter(community_id=community.pk, month=month))
