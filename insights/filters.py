"""The filters of every insights page, read from the URL so a view can be shared.

``?month=2026-03`` or ``?start=2026-03-01&end=2026-03-15``, then any of
``community``, ``grid``, ``compound``, ``category`` (ids), ``assignee`` (``user:5``,
``volunteer:2``, ``provider:7``, ``unit:3`` — the hotline list's spelling), ``state``
and, on the list behind a figure, ``metric`` (which figure). A place outside the
user's reach answers 404, exactly as if it did not exist.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.models import Category, Order
from insights.access import Reach
from insights.models import COUNTERS, AssigneeKind
from places.models import Community, Compound, Grid

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
ASSIGNEE_RE = re.compile(r"^(user|volunteer|provider|unit):(\d{1,18})$")
MAX_RANGE_DAYS = 3 * 366

METRIC_LABELS = {
    "received": gettext_lazy("received"),
    "response_due": gettext_lazy("due for response"),
    "responded_in_time": gettext_lazy("responded in time"),
    "late": gettext_lazy("not responded in time"),
    "solved_on_call": gettext_lazy("solved on the call"),
    "resolved": gettext_lazy("resolved"),
    "called_back": gettext_lazy("called back"),
    "confirmed": gettext_lazy("confirmed resolved"),
    "reached": gettext_lazy("called back and reached"),
    "pleased": gettext_lazy("satisfied or basically satisfied"),
    "satisfied": gettext_lazy("satisfied"),
    "basic": gettext_lazy("basically satisfied"),
    "unsatisfied": gettext_lazy("unsatisfied"),
    "unreachable": gettext_lazy("unreachable"),
    "reopened": gettext_lazy("reopened (重办)"),
    "supervised": gettext_lazy("under supervision"),
    "overdue": gettext_lazy("overdue now"),
    "several_callers": gettext_lazy("called about by several residents"),
}


def metric_q(metric: str) -> Q:
    """The facts behind one figure."""
    if metric == "pleased":
        return Q(satisfied=1) | Q(basic=1)
    if metric == "late":
        return Q(response_due=1, responded_in_time=0)
    if metric in COUNTERS:
        return Q(**{metric: 1})
    return Q()


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(first: dt.date) -> dt.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


@dataclass(frozen=True)
class Period:
    """A span of calendar days at the community, both ends included."""

    start: dt.date
    end: dt.date
    is_month: bool = False
    is_all: bool = False

    @classmethod
    def month(cls, first: dt.date) -> Period:
        first = month_start(first)
        return cls(first, month_end(first), True)

    @classmethod
    def this_month(cls) -> Period:
        return cls.month(timezone.localdate())

    @classmethod
    def all_time(cls) -> Period:
        """Every day up to today: for what is true now (overdue, supervised)."""
        return cls(dt.date(2000, 1, 1), timezone.localdate(), is_all=True)

    @property
    def label(self) -> str:
        if self.is_all:
            return _("All time")
        if self.is_month:
            return _("%(year)d-%(month)02d") % {"year": self.start.year, "month": self.start.month}
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def shifted(self, months: int) -> Period:
        """The same month ``months`` later (negative: earlier)."""
        return Period.month(add_months(self.start, months))

    @property
    def whole_months(self) -> list[dt.date] | None:
        """The first days of the months the period covers exactly, or None."""
        if self.start.day != 1 or self.end != month_end(month_start(self.end)):
            return None
        months, day = [], self.start
        while day <= self.end:
            months.append(day)
            day = add_months(day, 1)
        return months

    def params(self) -> dict[str, str]:
        if self.is_all:
            return {"all": "1"}
        if self.is_month:
            return {"month": f"{self.start:%Y-%m}"}
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def local_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware moments at the community."""
        from insights.definitions import local_zone

        zone = local_zone()
        return (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=zone),
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
        )


class FilterForm(forms.Form):
    """Parses and checks the URL; the choices are filled per user by the view."""

    month = forms.CharField(label=gettext_lazy("Month"), required=False, max_length=7)
    all = forms.BooleanField(required=False)
    start = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    community = forms.IntegerField(required=False, min_value=1)
    grid = forms.IntegerField(required=False, min_value=1)
    compound = forms.IntegerField(required=False, min_value=1)
    category = forms.IntegerField(required=False, min_value=1)
    assignee = forms.CharField(required=False, max_length=30)
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("Any state")), *Order.State.choices],
    )
    metric = forms.ChoiceField(
        required=False, choices=[("", ""), *((k, v) for k, v in METRIC_LABELS.items())]
    )

    def clean_month(self):
        value = self.cleaned_data.get("month") or ""
        if not value:
            return None
        match = MONTH_RE.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
            raise forms.ValidationError(_("Give the month as YYYY-MM, e.g. 2026-03."))
        return dt.date(int(match.group(1)), int(match.group(2)), 1)

    def clean_assignee(self):
        value = self.cleaned_data.get("assignee") or ""
        if not value:
            return None
        match = ASSIGNEE_RE.match(value)
        if not match:
            raise forms.ValidationError(_("Unknown assignee."))
        return match.group(1), int(match.group(2))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None) and not self.has_error("start"):
            if not self.has_error("end"):
                raise forms.ValidationError(_("Give both the first and the last day."))
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The first day must not be after the last day."))
            if (end - start).days > MAX_RANGE_DAYS:
                raise forms.ValidationError(_("Choose at most three years at a time."))
        return data


@dataclass
class Filters:
    """The resolved filters of one request: real objects, checked against the reach."""

    reach: Reach
    period: Period
    community: Community | None = None
    grid: Grid | None = None
    compound: Compound | None = None
    category: Category | None = None
    assignee: tuple[str, int] | None = None
    state: str = ""
    metric: str = ""
    errors: list[str] = field(default_factory=list)

    # --- which communities -------------------------------------------------------------

    @property
    def community_ids(self) -> frozenset[int] | None:
        """The communities the figures cover; None for all (a superuser, unfiltered)."""
        if self.community is not None:
            return frozenset({self.community.pk})
        return self.reach.community_ids

    @property
    def assignee_param(self) -> str:
        return f"{self.assignee[0]}:{self.assignee[1]}" if self.assignee else ""

    @property
    def place_label(self) -> str:
        for place in (self.compound, self.grid, self.community):
            if place is not None:
                return str(place)
        return ""

    # --- querying --------------------------------------------------------------------------

    def rollup_q(self, *, period_field: str | None = "day", has: tuple[str, ...] = ()) -> Q:
        """A filter for a rollup table (or the facts) with the period on ``period_field``
        ("day", "month", or None for no period).

        ``has`` names the optional dimensions the table keeps; asking a table for a
        dimension it lacks is a programming error.
        """
        q = Q()
        ids = self.community_ids
        if ids is not None:
            q &= Q(community_id__in=sorted(ids))
        if period_field == "day":
            q &= Q(day__gte=self.period.start, day__lte=self.period.end)
        elif period_field == "month":
            q &= Q(month__gte=month_start(self.period.start), month__lte=self.period.end)
        for name, value in (
            ("grid_id", self.grid.pk if self.grid else None),
            ("compound_id", self.compound.pk if self.compound else None),
            ("category_id", self.category.pk if self.category else None),
        ):
            if value is not None:
                if name not in has:
                    raise ValueError(f"this table has no {name}")
                q &= Q(**{name: value})
        if self.assignee is not None:
            if "assignee" not in has:
                raise ValueError("this table has no assignee")
            q &= Q(assignee_kind=self.assignee[0], assignee_id=self.assignee[1])
        return q

    # --- links -------------------------------------------------------------------------------

    def params(self, **overrides) -> dict[str, str]:
        """The URL parameters of these filters, with ``overrides`` (None drops one)."""
        values: dict[str, str] = dict(self.period.params())
        for name, obj in (
            ("community", self.community),
            ("grid", self.grid),
            ("compound", self.compound),
            ("category", self.category),
        ):
            if obj is not None:
                values[name] = str(obj.pk)
        if self.assignee is not None:
            values["assignee"] = f"{self.assignee[0]}:{self.assignee[1]}"
        if self.state:
            values["state"] = self.state
        if self.metric:
            values["metric"] = self.metric
        for name, value in overrides.items():
            if name == "period":
                for key in ("month", "start", "end", "all"):
                    values.pop(key, None)
                values.update(value.params())
            elif value is None or value == "":
                values.pop(name, None)
            else:
                values[name] = str(value)
        return values

    def query(self, **overrides) -> str:
        return "?" + urlencode(self.params(**overrides))

    def with_period(self, period: Period) -> Filters:
        return replace(self, period=period)


def resolve(request, reach: Reach, *, default: Period | None = None) -> tuple[FilterForm, Filters]:
    """Read the filters from ``request.GET``; 404 for a place outside ``reach``.

    Malformed values are reported on the page (``filters.errors``) and ignored.
    """
    form = FilterForm(request.GET)
    form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    errors = [str(e) for errs in form.errors.values() for e in errs]

    period = default or Period.this_month()
    if data.get("all"):
        period = Period.all_time()
    elif data.get("start") and data.get("end") and "__all__" not in form.errors:
        period = Period(data["start"], data["end"])
        if period.whole_months == [period.start]:
            period = Period.month(period.start)
    elif data.get("month"):
        period = Period.month(data["month"])

    filters = Filters(reach=reach, period=period, errors=errors)
    if data.get("community"):
        community = Community.objects.filter(pk=data["community"]).first()
        if community is None or not reach.covers(community.pk):
            raise Http404(_("This place does not exist or is outside your area."))
        filters.community = community
    if data.get("grid"):
        grid = Grid.objects.select_related("community").filter(pk=data["grid"]).first()
        if grid is None or not reach.covers(grid.community_id):
            raise Http404(_("This place does not exist or is outside your area."))
        if filters.community is not None and grid.community_id != filters.community.pk:
            raise Http404(_("This place does not exist or is outside your area."))
        filters.grid, filters.community = grid, grid.community
    if data.get("compound"):
        compound = (
            Compound.objects.select_related("grid__community").filter(pk=data["compound"]).first()
        )
        if compound is None or not reach.covers(compound.grid.community_id):
            raise Http404(_("This place does not exist or is outside your area."))
        if filters.grid is not None and compound.grid_id != filters.grid.pk:
            raise Http404(_("This place does not exist or is outside your area."))
        filters.compound, filters.grid = compound, compound.grid
        filters.community = compound.grid.community
    if data.get("category"):
        filters.category = Category.objects.filter(pk=data["category"]).first()
        if filters.category is None:
            raise Http404(_("Unknown category."))
    if data.get("assignee"):
        kind, _pk = data["assignee"]
        if kind in AssigneeKind.values:
            filters.assignee = data["assignee"]
    filters.state = data.get("state") or ""
    filters.metric = data.get("metric") or ""
    return form, filters
