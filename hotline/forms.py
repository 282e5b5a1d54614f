"""Forms of the hotline pages. They turn what was typed into objects in the user's
scope; the rules of the order's life stay in ``hotline.services``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hotline.models import Call, Category, Order, Urgency
from linli.lib.periods import check_period
from people.models import Membership, Resident
from places.models import Building, Compound, Household

INTAKE_STEPS = 3
_DOOR = re.compile(r"^(\d+)-(\d+)(?:-(\d+))?$")


# --- categories: Chinese, pinyin or initials -------------------------------------------


def match_categories(query: str, categories=None, limit: int = 8) -> list[Category]:
    """Active categories matching what the operator typed, best first.

    "下水", "xiashui", "xsd" and "drain" all find 下水道堵塞: exact name or initials
    first, then prefixes of name, pinyin and initials, then any part of them.
    """
    if categories is None:
        categories = list(Category.objects.filter(is_active=True))
    q = (query or "").strip().lower().replace(" ", "")
    if not q:
        return list(categories)[:limit]
    ranked = []
    for category in categories:
        name = category.name.lower()
        pinyin = category.name_pinyin.lower()
        initials = category.name_initials.lower()
        code = category.code.lower()
        if q in (name, initials, code):
            rank = 0
        elif name.startswith(q) or pinyin.startswith(q) or initials.startswith(q):
            rank = 1
        elif q in name or q in pinyin or q in initials or q in code or q in category.group.lower():
            rank = 2
        else:
            continue
        ranked.append((rank, category.order, category.code, category))
    ranked.sort(key=lambda row: row[:3])
    return [row[3] for row in ranked[:limit]]


# --- places: a household, a building, a compound, or words ------------------------------


@dataclass
class PlaceChoice:
    kind: str  # household, building or compound
    object: object
    label: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.object.pk}"


def match_places(user, query: str, limit: int = 10) -> list[PlaceChoice]:
    """Places in the user's scope for what was typed: a compound's name, optionally
    followed by a door label (3-2-401) or a building number (3号楼)."""
    words = (query or "").split()
    if not words:
        return []
    door = None
    names = []
    for word in words:
        match = _DOOR.match(word)
        if match:
            door = match.groups()
        else:
            names.append(word.removesuffix("号楼").removesuffix("号院") if names else word)
    compounds = Compound.objects.visible_to(user).order_by("name")
    if names:
        compounds = compounds.filter(name__icontains=names[0])
    choices: list[PlaceChoice] = []
    if door is not None:
        building_no, unit, room = door
        if room is None:  # 3-401: a building without units
            unit, room = "", unit
        households = (
            Household.objects.visible_to(user)
            .filter(
                building__compound__in=compounds,
                building__name__startswith=building_no,
                room=room,
            )
            .select_related("building__compound")
        )
        if unit:
            households = households.filter(unit=unit)
        for household in households[:limit]:
            choices.append(PlaceChoice("household", household, household.address))
        return choices
    if not names:
        return []
    compound_list = list(compounds[:limit])
    for compound in compound_list:
        choices.append(PlaceChoice("compound", compound, compound.name))
    if len(names) > 1 and compound_list:
        buildings = (
            Building.objects.filter(compound__in=compound_list, name__startswith=names[1])
            .select_related("compound")
            .order_by("compound__name", "id")
        )
        choices = [PlaceChoice("building", b, str(b)) for b in buildings[:limit]] + choices
    return choices[:limit]


def resolve_place(user, key: str):
    """(household, building, compound) for a key such as "household:12", in scope."""
    kind, _sep, pk = (key or "").partition(":")
    if not pk.isdigit():
        return None, None, None
    if kind == "household":
        found = Household.objects.visible_to(user).select_related("building__compound")
        return found.filter(pk=pk).first(), None, None
    if kind == "building":
        return None, Building.objects.visible_to(user).filter(pk=pk).first(), None
    if kind == "compound":
        return None, None, Compound.objects.visible_to(user).filter(pk=pk).first()
    return None, None, None


# --- the intake form ------------------------------------------------------------------


class IntakeForm(forms.Form):
    """受理 in three steps: category → what happened → urgency (and place), then save.

    Each step is one POST; the fields of the steps already done travel along, so the
    operator can still correct them before saving.
    """

    step = forms.IntegerField(min_value=1, max_value=INTAKE_STEPS, initial=1)
    caller = forms.ModelChoiceField(
        queryset=Resident.objects.none(), required=False, widget=forms.HiddenInput
    )
    call = forms.ModelChoiceField(
        queryset=Call.objects.none(), required=False, widget=forms.HiddenInput
    )
    category = forms.CharField(
        label=_("Category"),
        max_length=40,
        required=False,
        help_text=_("Type Chinese, pinyin or initials (e.g. xsd); Enter takes the first match."),
    )
    description = forms.CharField(
        label=_("What happened"), max_length=4000, required=False, widget=forms.Textarea
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, required=False)
    channel = forms.ChoiceField(
        label=_("How it came in"),
        choices=[
            (Order.Channel.PHONE, Order.Channel.PHONE.label),
            (Order.Channel.WALK_IN, Order.Channel.WALK_IN.label),
            (Order.Channel.VISIT, Order.Channel.VISIT.label),
        ],
        required=False,
    )
    place = forms.CharField(required=False, widget=forms.HiddenInput)
    place_text = forms.CharField(label=_("Where"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Caller's name"), max_length=30, required=False)
    contact_phone = forms.CharField(label=_("Caller's phone"), max_length=30, required=False)
    solved_on_call = forms.BooleanField(label=_("Solved on the call"), required=False)
    resolution = forms.CharField(
        label=_("What was said or done"), max_length=4000, required=False, widget=forms.Textarea
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["caller"].queryset = Resident.objects.visible_to(user).select_related(
            "household__building__compound__grid__community"
        )
        self.fields["call"].queryset = Call.objects.visible_to(user)
        self.category_obj: Category | None = None
        self.place_parts = (None, None, None)

    def clean(self):
        data = super().clean()
        step = data.get("step") or 1
        typed = (data.get("category") or "").strip()
        if typed:
            found = match_categories(typed, limit=1)
            if found:
                self.category_obj = found[0]
            else:
                self.add_error(
                    "category",
                    _("No category matches “%(typed)s”. Choose one from the list.")
                    % {"typed": typed},
                )
        else:
            self.add_error("category", _("Choose a category."))
        if step >= 2 and not (data.get("description") or "").strip():
            self.add_error("description", _("Say what happened."))
        if data.get("place"):
            self.place_parts = resolve_place(self.user, data["place"])
            if not any(self.place_parts):
                self.add_error(
                    "place_text", _("That place does not exist or is outside your area.")
                )
        if step >= INTAKE_STEPS and data.get("solved_on_call"):
            if not (data.get("resolution") or "").strip():
                self.add_error("resolution", _("Say how the matter was settled on the call."))
        return data

    def first_error_step(self) -> int:
        if "category" in self.errors:
            return 1
        if "description" in self.errors:
            return 2
        return INTAKE_STEPS

    @property
    def household(self):
        return self.place_parts[0]

    @property
    def building(self):
        return self.place_parts[1]

    @property
    def compound(self):
        return self.place_parts[2]


class NewResidentForm(forms.Form):
    """A caller the registry does not know yet, added in the middle of the call."""

    name = forms.CharField(label=_("Name"), max_length=30)
    place = forms.CharField(required=False, widget=forms.HiddenInput)
    place_text = forms.CharField(label=_("Home (household)"), max_length=200, required=False)
    relation = forms.ChoiceField(
        label=_("Lives there as"), choices=[("", "—"), *Membership.Relation.choices], required=False
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        help_text=_("Leave empty to keep the number the call came from."),
    )
    call = forms.ModelChoiceField(
        queryset=Call.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["call"].queryset = Call.objects.visible_to(user)
        self.household = None

    def clean(self):
        data = super().clean()
        if data.get("place"):
            household, _b, _c = resolve_place(self.user, data["place"])
            if household is None:
                self.add_error(
                    "place_text", _("Choose a household from the list (e.g. 供销巷 3-2-401).")
                )
            self.household = household
        if not data.get("phone") and not data.get("call"):
            self.add_error("phone", _("Give the caller's phone number."))
        return data


# --- order pages ----------------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea)
    on_behalf_of = forms.CharField(label=_("On behalf of"), max_length=60, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea)
    on_behalf_of = forms.CharField(label=_("On behalf of"), max_length=60, required=False)


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("What was done"), max_length=4000, widget=forms.Textarea)
    on_behalf_of = forms.CharField(label=_("On behalf of"), max_length=60, required=False)


class CallbackForm(forms.Form):
    contact = forms.IntegerField(required=False, widget=forms.HiddenInput)
    result = forms.ChoiceField(
        label=_("Result"), choices=Order.Satisfaction.choices, widget=forms.RadioSelect
    )
    words = forms.CharField(
        label=_("The resident's words"), max_length=2000, required=False, widget=forms.Textarea
    )
    keep_closed_reason = forms.CharField(
        label=_("Why not reopen (only if unsatisfied)"), max_length=500, required=False
    )


class DispatchForm(forms.Form):
    target = forms.CharField(label=_("Dispatch to"), max_length=40, required=False)
    target_other = forms.CharField(label=_("Or choose"), max_length=40, required=False)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)
    reassign = forms.BooleanField(required=False, widget=forms.HiddenInput)


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Number of the order to merge into"),
        max_length=20,
        help_text=_("This order closes as a duplicate; its callers move to that order."),
    )


class SuperviseForm(forms.Form):
    note = forms.CharField(label=_("What you expect"), max_length=1000, widget=forms.Textarea)


# --- the order list's filters ------------------------------------------------------------


class OrderFilterForm(forms.Form):
    """The list's filters; every one is a plain GET parameter, so a filtered list is a
    link that can be shared or bookmarked."""

    STATE_CHOICES = [
        ("", _("Any state")),
        ("open", pgettext_lazy("order state", "Open")),
        ("overdue", _("Overdue")),
        ("supervised", _("Under supervision")),
        *Order.State.choices,
    ]

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
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=None, required=False, empty_label=_("All categories")
    )
    state = forms.ChoiceField(label=_("State"), choices=STATE_CHOICES, required=False)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    q = forms.CharField(label=_("Number"), max_length=20, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from places.models import Grid

        self.user = user
        self.fields["grid"].queryset = Grid.objects.visible_to(user).order_by(
            "community_id", "number"
        )
        self.fields["compound"].queryset = Compound.objects.visible_to(user).order_by("name")
        self.fields["category"].queryset = Category.objects.all()
        self.fields["assignee"].choices = self._assignee_choices()

    def _assignee_choices(self):
        from accounts.models import Role, User
        from accounts.scopes import scope_of
        from hotline.models import ServiceProvider

        choices = [("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody yet"))]
        community_ids = scope_of(self.user).all_community_ids()
        users = (
            User.objects.filter(is_active=True, grants__role__in=(Role.GRID_WORKER, Role.OPERATOR))
            .filter(
                models.Q(grants__community__in=community_ids)
                | models.Q(grants__grid__community__in=community_ids)
            )
            .distinct()
            .order_by("display_name", "username")
        )
        choices += [(f"user:{u.pk}", str(u)) for u in users]
        providers = ServiceProvider.objects.filter(community__in=community_ids).order_by("name")
        choices += [(f"provider:{p.pk}", str(p)) for p in providers]
        return choices

    def clean(self):
        return check_period(super().clean())

    def apply(self, orders):
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        if data.get("start"):
            orders = orders.filter(
                created_at__gte=dt.datetime.combine(data["start"], dt.time.min, tzinfo=tz)
            )
        if data.get("end"):
            next_day = data["end"] + dt.timedelta(days=1)
            orders = orders.filter(
                created_at__lt=dt.datetime.combine(next_day, dt.time.min, tzinfo=tz)
            )
        if data.get("grid"):
            orders = orders.filter(grid=data["grid"])
        if data.get("compound"):
            orders = orders.filter(compound=data["compound"])
        if data.get("category"):
            orders = orders.filter(category=data["category"])
        state = data.get("state")
        if state == "open":
            orders = orders.open()
        elif state == "overdue":
            orders = orders.overdue()
        elif state == "supervised":
            orders = orders.supervised()
        elif state:
            orders = orders.filter(state=state)
        assignee = data.get("assignee") or ""
        if assignee == "me":
            orders = orders.filter(
                models.Q(assignee_user=self.user) | models.Q(assignee_volunteer__user=self.user)
            )
        elif assignee == "none":
            orders = orders.filter(
                assignee_user__isnull=True,
                assignee_volunteer__isnull=True,
                assignee_provider__isnull=True,
                assignee_unit__isnull=True,
            )
        elif assignee.startswith("user:"):
            orders = orders.filter(assignee_user_id=int(assignee[5:]))
        elif assignee.startswith("provider:"):
            orders = orders.filter(assignee_provider_id=int(assignee[9:]))
        if data.get("q"):
            orders = orders.filter(number__icontains=data["q"].strip())
        return orders

    def describe(self) -> str:
        """The filters in words, for the printed list's heading."""
        if not self.is_bound or not self.is_valid():
            return ""
        parts = []
        for name in ("start", "end", "grid", "compound", "category", "state", "assignee", "q"):
            value = self.cleaned_data.get(name)
            if not value:
                continue
            field = self.fields[name]
            if hasattr(field, "choices") and not isinstance(field, forms.ModelChoiceField):
                value = dict(field.choices).get(value, value)
            parts.append(f"{field.label}: {value}")
        return "；".join(parts)
