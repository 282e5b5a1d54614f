"""Forms for the care pages: they only parse and validate input; the rules live in
``care.services``."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from care.models import CARE_STAFF_ROLES, CareAlert, CheckIn, ContactKind, PlanItem
from linli.lib.periods import check_period


class CheckInForm(forms.Form):
    outcome = forms.ChoiceField(choices=CheckIn.Outcome.choices)
    note = forms.CharField(required=False, max_length=500)
    kind = forms.ChoiceField(choices=ContactKind.choices, required=False)
    for_volunteer = forms.BooleanField(required=False)


class AssignForm(forms.Form):
    def __init__(self, *args, users=(), volunteers=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Nobody yet (the office)"))]
        choices += [(f"user:{u.pk}", str(u)) for u in users]
        choices += [
            (f"volunteer:{v.pk}", _("%(name)s (volunteer)") % {"name": v}) for v in volunteers
        ]
        self.fields["responsible"] = forms.ChoiceField(
            label=_("Responsible"),
            choices=choices,
            required=False,
            help_text=_("A staff member or a volunteer; empty: the office keeps the plan."),
        )
        self._users = {u.pk: u for u in users}
        self._volunteers = {v.pk: v for v in volunteers}

    def chosen(self) -> tuple[object | None, object | None]:
        value = self.cleaned_data.get("responsible") or ""
        kind, _sep, pk = value.partition(":")
        if kind == "user":
            return self._users.get(int(pk)), None
        if kind == "volunteer":
            return None, self._volunteers.get(int(pk))
        return None, None


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Contact"), choices=ContactKind.choices)
    every_days = forms.IntegerField(
        label=_("Every (days)"),
        min_value=1,
        max_value=366,
        required=False,
        help_text=_("Empty: no regular contact of this kind."),
    )
    next_due = forms.DateField(
        label=_("Next contact on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=500)


class VisitForm(forms.Form):
    met_residents = forms.ModelMultipleChoiceField(
        label=_("Residents met"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    met_note = forms.CharField(
        label=_("Who else was met"),
        max_length=200,
        required=False,
        help_text=_("e.g. the tenant, the elder's daughter"),
    )
    summary = forms.CharField(
        label=_("What was found"), required=False, max_length=2000, widget=forms.Textarea
    )
    findings = forms.CharField(
        label=_("Things to be done"),
        required=False,
        max_length=4000,
        widget=forms.Textarea,
        help_text=_("One per line; each can become a work order in one step."),
    )

    def __init__(self, *args, residents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["met_residents"].queryset = residents
        if residents is None or not residents.exists():
            del self.fields["met_residents"]

    def finding_lines(self) -> list[str]:
        return [line for line in self.cleaned_data.get("findings", "").splitlines() if line.strip()]


class PlanVisitForm(forms.Form):
    on_date = forms.DateField(label=_("Visit on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on_date"].initial = timezone.localdate()


class FindingOrderForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category"), queryset=None)
    urgency = forms.ChoiceField(label=_("Urgency"), required=False)

    def __init__(self, *args, **kwargs):
        from hotline.models import Category, Urgency

        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["urgency"].choices = [("", _("The category's default")), *Urgency.choices]


class FindingForm(forms.Form):
    text = forms.CharField(label=_("Finding"), max_length=500)


class PhotoForm(forms.Form):
    # A plain file field: the upload helper checks the content itself (and knows WebP).
    photo = forms.FileField(label=_("Photo"))
    caption = forms.CharField(label=_("Caption"), max_length=100, required=False)


class HoursForm(forms.Form):
    on_date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(
        label=_("Hours"),
        max_digits=4,
        decimal_places=2,
        min_value=-24,
        max_value=24,
        help_text=_("e.g. 1.5; a negative number corrects an earlier line."),
    )
    note = forms.CharField(label=_("What for"), max_length=200)

    def minutes(self) -> int:
        return round(self.cleaned_data["hours"] * 60)


class AssignProblemForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=None)

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = users


class SeasonCheckForm(forms.Form):
    compound = forms.IntegerField()
    building = forms.IntegerField(required=False)
    household = forms.IntegerField(required=False)
    note = forms.CharField(required=False, max_length=300)


# --- List filters ----------------------------------------------------------------------
#
# Every care list filters by period, place, category, state and the person responsible,
# all plain GET parameters so a filtered list is a link that can be shared or
# bookmarked. The choices come from what the viewer may see, and the filters are
# applied on top of ``visible_to``: they narrow a list, never widen it. A value outside
# the choices (another grid's id, someone outside the area) is refused with the
# field's error and left out, while the valid filters still apply.


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


class CareListFilterForm(forms.Form):
    """What the care lists share: the period, the place and the person responsible.

    Subclasses say which moment the period reads (``date_path``) and how to reach the grid, the compound and the person
    responsible from their rows.
    """

    date_path = ""
    grid_path = "grid"
    compound_path = ""
    # Which kinds of assignee the list knows: staff accounts, volunteers, "nobody".
    assignee_volunteers = True
    assignee_nobody = False
    # Field names in the order the form shows them and the printed heading lists them:
    # period, place, category, state, the person responsible.
    described = ("start", "end", "grid", "compound", "assignee")

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    grid = forms.ModelChoiceField(
        label=_("Grid"), queryset=None, required=False, empty_label=_("All grids")
    )
    compound = forms.ModelChoiceField(
        label=_("Compound"), queryset=None, required=False, empty_label=_("All compounds")
    )
    assignee = forms.ChoiceField(label=_("Responsible"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from places.models import Compound, Grid

        self.user = user
        self.order_fields(self.described)
        self.fields["grid"].queryset = Grid.objects.visible_to(user).order_by(
            "community_id", "number"
        )
        self.fields["compound"].queryset = Compound.objects.visible_to(user).order_by("name")
        self.fields["assignee"].choices = self._assignee_choices()

    def _is_staff(self) -> bool:
        return self.user.is_superuser or self.user.has_role(*CARE_STAFF_ROLES)

    def _assignee_choices(self):
        from accounts.models import Role, User
        from accounts.scopes import scope_filter, scope_of
        from people.models import Volunteer

        choices = [("", _("Anyone")), ("me", _("Me"))]
        if self.assignee_nobody:
            choices.append(("none", _("Nobody responsible")))
        if not self._is_staff():
            # A volunteer's list holds only their own residents: "me" is all there is.
            return choices
        # Staff of the viewer's area: grid workers of the grids they see and the office
        # staff of the communities they work in, who may hold plans there too.
        scope = scope_of(self.user, CARE_STAFF_ROLES)
        users = User.objects.filter(
            is_active=True,
            grants__role__in=(Role.GRID_WORKER, Role.OPERATOR, Role.LEADER),
        )
        if not scope.everything:
            grid_ids = self.fields["grid"].queryset.values("id")
            users = users.filter(
                Q(grants__grid__in=grid_ids) | Q(grants__community__in=scope.all_community_ids())
            )
        choices += [
            (f"user:{u.pk}", str(u)) for u in users.distinct().order_by("display_name", "username")
        ]
        if self.assignee_volunteers:
            volunteers = Volunteer.objects.filter(
                scope_filter(
                    self.user, community_path="community", grid_path="grid", roles=CARE_STAFF_ROLES
                ),
                is_active=True,
            ).order_by("name")
            choices += [
                (f"volunteer:{v.pk}", _("%(name)s (volunteer)") % {"name": v}) for v in volunteers
            ]
        return choices

    def clean(self):
        return check_period(super().clean())

    def filters(self) -> dict:
        """The filters that are valid (all of them for an unbound form: none)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def apply(self, rows):
        """``rows`` (already ``visible_to`` the viewer) narrowed by the valid filters."""
        data = self.filters()
        rows = self.apply_period(rows, data.get("start"), data.get("end"))
        if data.get("grid"):
            rows = rows.filter(**{self.grid_path: data["grid"]})
        if data.get("compound"):
            rows = rows.filter(**{self.compound_path: data["compound"]})
        assignee = data.get("assignee") or ""
        if assignee:
            kind, _sep, pk = assignee.partition(":")
            rows = rows.filter(self.assignee_q(kind, int(pk) if pk else None))
        return self.apply_more(rows, data)

    def apply_period(self, rows, start, end):
        """Whole local days, from the start of ``start`` to the end of ``end``."""
        if start:
            rows = rows.filter(**{f"{self.date_path}__gte": _day_start(start)})
        if end:
            next_day = _day_start(end + dt.timedelta(days=1))
            rows = rows.filter(**{f"{self.date_path}__lt": next_day})
        return rows

    def assignee_q(self, kind: str, pk: int | None) -> Q:
        raise NotImplementedError

    def apply_more(self, rows, data):
        return rows

    def describe(self) -> str:
        """The filters in words, for the printed list's heading."""
        data = self.filters()
        parts = []
        for name in self.described:
            value = data.get(name)
            if not value:
                continue
            field = self.fields[name]
            if isinstance(field, forms.ChoiceField) and not isinstance(
                field, forms.ModelChoiceField
            ):
                value = dict(field.choices).get(value, value)
            parts.append(f"{field.label}: {value}")
        return "；".join(parts)

    def query(self) -> str:
        """The filters as a query string, for the pager's links (without ``page``)."""
        params = QueryDict(mutable=True)
        if self.is_bound:
            for key, values in self.data.lists():
                kept = [v for v in values if v]
                if kept and key not in ("page", *self.dropped_parameters()):
                    params.setlist(key, kept)
        return params.urlencode()

    def dropped_parameters(self) -> tuple[str, ...]:
        return ()


def _care_tag_field(form: CareListFilterForm, *, show_tags: bool) -> None:
    """The care tag filter, only for roles that may see care tags (PIPL: a role that
    may not see who lives alone must not be able to list them by filtering either)."""
    if show_tags:
        from people.models import CareTag

        form.fields["tag"].choices = [("", _("Any care tag"))] + [
            (t.code, t.name) for t in CareTag.objects.all()
        ]
    else:
        del form.fields["tag"]


class CheckInFilterForm(CareListFilterForm):
    """The check-in history: when, where, with what outcome, made by whom."""

    date_path = "at"
    grid_path = "plan__grid"
    compound_path = "plan__resident__household__building__compound"
    described = ("start", "end", "grid", "compound", "outcome", "kind", "tag", "assignee")

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", _("Any outcome")), *CheckIn.Outcome.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Contact"),
        choices=[("", _("Calls and visits")), *ContactKind.choices],
        required=False,
    )
    tag = forms.ChoiceField(label=_("Care tag"), required=False)

    def __init__(self, *args, user, show_tags: bool, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["assignee"].label = _("Made by")
        _care_tag_field(self, show_tags=show_tags)

    def assignee_q(self, kind, pk):
        # Who made the contact: the volunteer when one did, else the staff member who
        # recorded it (staff entering a volunteer's call did not make it themselves).
        if kind == "me":
            return Q(done_by__user=self.user) | Q(recorded_by=self.user, done_by__isnull=True)
        if kind == "user":
            return Q(recorded_by_id=pk, done_by__isnull=True)
        return Q(done_by_id=pk)

    def apply_more(self, rows, data):
        if data.get("outcome"):
            rows = rows.filter(outcome=data["outcome"])
        if data.get("kind"):
            rows = rows.filter(kind=data["kind"])
        if data.get("tag"):
            # One tag code matches at most one of a resident's tags: no duplicate rows.
            rows = rows.filter(plan__resident__care_tags__code=data["tag"])
        return rows


class PlanFilterForm(CareListFilterForm):
    """The care plans: started when, where, for which care tag or contact, in which
    state, held by whom."""

    STATE_CHOICES = [
        ("", _("Active plans")),
        ("missed", _("With missed contacts")),
        ("paused", _("Paused")),
        ("all", _("Active and paused")),
    ]
    # The list's first filters, still linked from the overview and from bookmarks:
    # ``show=missed|paused`` is a state, ``show=unassigned`` is "nobody responsible".
    LEGACY_SHOW = {
        "missed": ("state", "missed"),
        "paused": ("state", "paused"),
        "unassigned": ("assignee", "none"),
    }

    date_path = "created_at"
    compound_path = "resident__household__building__compound"
    assignee_nobody = True
    described = ("start", "end", "grid", "compound", "tag", "kind", "state", "assignee")

    tag = forms.ChoiceField(label=_("Care tag"), required=False)
    kind = forms.ChoiceField(
        label=_("Contact"),
        choices=[("", _("Calls and visits")), *ContactKind.choices],
        required=False,
    )
    state = forms.ChoiceField(label=_("State"), choices=STATE_CHOICES, required=False)

    def __init__(self, data=None, *args, user, show_tags: bool, today: dt.date, **kwargs):
        legacy = self.LEGACY_SHOW.get(data.get("show", "")) if data is not None else None
        if legacy is not None:
            name, value = legacy
            data = data.copy()
            del data["show"]
            if not data.get(name):
                data[name] = value
        super().__init__(data, *args, user=user, **kwargs)
        self.today = today
        self.fields["start"].label = _("Started from")
        _care_tag_field(self, show_tags=show_tags)

    def dropped_parameters(self):
        return ("show",)

    def assignee_q(self, kind, pk):
        if kind == "me":
            return Q(responsible_user=self.user) | Q(responsible_volunteer__user=self.user)
        if kind == "none":
            return Q(responsible_user__isnull=True, responsible_volunteer__isnull=True)
        if kind == "user":
            return Q(responsible_user_id=pk)
        return Q(responsible_volunteer_id=pk)

    def apply_more(self, rows, data):
        state = data.get("state") or ""
        if state == "paused":
            rows = rows.filter(is_active=False)
        elif state == "missed":
            missed = PlanItem.objects.filter(plan=OuterRef("pk"), next_due__lt=self.today)
            rows = rows.filter(Exists(missed), is_active=True)
        elif state != "all":
            rows = rows.filter(is_active=True)
        if data.get("tag"):
            rows = rows.filter(resident__care_tags__code=data["tag"])
        if data.get("kind"):
            rows = rows.filter(
                Exists(PlanItem.objects.filter(plan=OuterRef("pk"), kind=data["kind"]))
            )
        return rows


class AlertFilterForm(CareListFilterForm):
    """The alerts: raised when, where, open, escalated or handled, for whose resident."""

    STATE_CHOICES = [
        ("", _("Open and handled")),
        ("open", _("Open")),
        ("escalated", _("Escalated to the community")),
        ("handled", _("Handled")),
    ]

    date_path = "raised_at"
    compound_path = "plan__resident__household__building__compound"
    described = ("start", "end", "grid", "compound", "state", "assignee")

    state = forms.ChoiceField(label=_("State"), choices=STATE_CHOICES, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["start"].label = _("Raised from")

    def assignee_q(self, kind, pk):
        # The person responsible for the resident's plan, whose resident did not answer.
        if kind == "me":
            return Q(plan__responsible_user=self.user) | Q(
                plan__responsible_volunteer__user=self.user
            )
        if kind == "user":
            return Q(plan__responsible_user_id=pk)
        return Q(plan__responsible_volunteer_id=pk)

    def apply_more(self, rows, data):
        state = data.get("state") or ""
        if state == "open":
            rows = rows.filter(state=CareAlert.State.OPEN)
        elif state == "handled":
            rows = rows.filter(state=CareAlert.State.HANDLED)
        elif state == "escalated":
            rows = rows.filter(escalated_at__isnull=False)
        return rows

    def shows(self, state: str) -> bool:
        """Whether the open (or handled) section belongs on the page."""
        chosen = self.filters().get("state") or ""
        return chosen in ("", "escalated", state)


class VisitFilterForm(CareListFilterForm):
    """The home visits: on which day, where, planned or recorded, with what findings,
    by whom."""

    STATE_CHOICES = [
        ("", _("Planned and recorded")),
        ("planned", _("Planned")),
        ("done", _("Recorded")),
    ]
    FINDING_CHOICES = [
        ("", _("With or without findings")),
        ("found", _("With findings")),
        ("no_order", _("With findings not yet a work order")),
        ("nothing", _("Without findings")),
    ]

    date_path = "visited_at"
    compound_path = "household__building__compound"
    assignee_volunteers = False
    described = ("start", "end", "grid", "compound", "findings", "state", "assignee")

    findings = forms.ChoiceField(label=_("Findings"), choices=FINDING_CHOICES, required=False)
    state = forms.ChoiceField(label=_("State"), choices=STATE_CHOICES, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["assignee"].label = _("Visitor")

    def apply_period(self, rows, start, end):
        # A recorded visit's day is when it happened; a planned one's, the day it is
        # planned for.
        if not (start or end):
            return rows
        done, planned = Q(visited_at__isnull=False), Q(visited_at__isnull=True)
        if start:
            done &= Q(visited_at__gte=_day_start(start))
            planned &= Q(planned_for__gte=start)
        if end:
            done &= Q(visited_at__lt=_day_start(end + dt.timedelta(days=1)))
            planned &= Q(planned_for__lte=end)
        return rows.filter(done | planned)

    def assignee_q(self, kind, pk):
        return Q(visitor=self.user) if kind == "me" else Q(visitor_id=pk)

    def apply_more(self, rows, data):
        from care.models import VisitFinding

        findings = data.get("findings") or ""
        if findings:
            found = VisitFinding.objects.filter(visit=OuterRef("pk"))
            if findings == "found":
                rows = rows.filter(Exists(found))
            elif findings == "no_order":
                rows = rows.filter(Exists(found.filter(order__isnull=True)))
            else:
                rows = rows.filter(~Exists(found))
        return rows

    def shows(self, state: str) -> bool:
        chosen = self.filters().get("state") or ""
        return chosen in ("", state)
