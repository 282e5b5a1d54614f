"""Reading the rollups: sums of counters and the three rates made from them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from insights.models import COUNTERS

SUMS = {name: Coalesce(Sum(name), 0) for name in COUNTERS}


@dataclass(frozen=True)
class RateDef:
    key: str
    label: str
    numerator: str
    denominator: str
    numerator_label: str
    denominator_label: str
    definition: str


RATES = (
    RateDef(
        "response",
        _("Response rate"),
        "responded_in_time",
        "response_due",
        _("responded in time"),
        _("due for response"),
        _(
            "Orders responded to within their response limit, out of the orders due for a "
            "response. An order is responded to when it is solved on the call, accepted, or "
            "resolved without an acceptance first; the first response counts, against the "
            "response limit recorded on the order. Due for response: responded to, or still "
            "waiting after its limit has passed; an order still waiting with time left is "
            "not counted yet. Orders count in the period they were received; merged "
            "duplicates and withdrawn orders are not counted."
        ),
    ),
    RateDef(
        "resolution",
        _("Resolution rate"),
        "confirmed",
        "called_back",
        _("confirmed resolved"),
        _("called back"),
        _(
            "Orders whose resolution the resident confirmed at the call-back, out of the "
            "orders called back. Called back: the final call-back is recorded (satisfied, "
            "basically satisfied, unsatisfied or unreachable). Confirmed: the resident was "
            "reached and the order was not sent back for redoing — including an "
            "unsatisfied resident whose order the operator kept resolved, with the reason "
            "on record. Unreachable call-backs count in the denominator only: nobody "
            "confirmed the resolution. A reopened order (重办) waits for its final "
            "call-back and counts once."
        ),
    ),
    RateDef(
        "satisfaction",
        _("Satisfaction rate"),
        "pleased",
        "reached",
        _("satisfied or basically satisfied"),
        _("called back and reached"),
        _(
            "Satisfied plus basically satisfied, out of the orders called back and reached. "
            "Unreachable call-backs are left out of this rate. An order with several callers "
            "(merged duplicates, callers attached) counts once, with its overall result: the "
            "least satisfied resident reached. A reopened order counts with its final "
            "call-back."
        ),
    ),
)
RATE_BY_KEY = {rate.key: rate for rate in RATES}


@dataclass(frozen=True)
class Rate:
    """One rate's figures: numerator over denominator, shown as a percentage."""

    definition: RateDef
    num: int
    den: int

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def value(self) -> float | None:
        return self.num / self.den if self.den else None

    @property
    def percent(self) -> str:
        if not self.den:
            return "—"
        tenths = (self.num * 1000 * 2 + self.den) // (self.den * 2)  # rounded half up
        return f"{tenths // 10}.{tenths % 10}%"

    def points_since(self, other: Rate) -> float | None:
        """The change in percentage points from ``other`` (None when either is empty)."""
        if self.value is None or other.value is None:
            return None
        return round((self.value - other.value) * 100, 1)


class Totals(dict):
    """Summed counters, with the three rates."""

    def __missing__(self, key):
        if key == "pleased":
            return self["satisfied"] + self["basic"]
        raise KeyError(key)

    @classmethod
    def empty(cls) -> Totals:
        return cls(dict.fromkeys(COUNTERS, 0))

    @classmethod
    def of(cls, values: dict) -> Totals:
        totals = cls.empty()
        for name in COUNTERS:
            totals[name] = int(values.get(name) or 0)
        return totals

    def rate(self, key: str) -> Rate:
        definition = RATE_BY_KEY[key]
        return Rate(definition, self[definition.numerator], self[definition.denominator])

    @property
    def rates(self) -> list[Rate]:
        return [self.rate(d.key) for d in RATES]

    @property
    def response(self) -> Rate:
        return self.rate("response")

    @property
    def resolution(self) -> Rate:
        return self.rate("resolution")

    @property
    def satisfaction(self) -> Rate:
        return self.rate("satisfaction")

    def __add__(self, other: Totals) -> Totals:
        return Totals({name: self[name] + other[name] for name in COUNTERS})


def total(qs: QuerySet) -> Totals:
    """The counters of ``qs`` summed (one query)."""
    return Totals.of(qs.aggregate(**SUMS))


def grouped(qs: QuerySet, *fields: str) -> dict:
    """The counters of ``qs`` summed per value of ``fields`` (one query). Keys are the
    single value, or a tuple for several fields."""
    found = {}
    for row in qs.values(*fields).annotate(**SUMS).order_by():
        key = row[fields[0]] if len(fields) == 1 else tuple(row[f] for f in fields)
        found[key] = Totals.of(row)
    return found
