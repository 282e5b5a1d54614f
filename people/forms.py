"""Forms of the registry pages. They only collect input: validation that matters
(phone and ID numbers, scope, duplicates) happens in ``people.services``."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.lib.periods import check_period
from people.models import CareTag, Membership, Resident
from places.models import Compound


class ResidentForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=30)
    sex = forms.ChoiceField(
        label=_("sex"), choices=[("", "—"), *Resident.Sex.choices], required=False
    )
    birth_year = forms.IntegerField(label=_("year of birth"), required=False)
    phone = forms.CharField(
        label=_("phone"),
        required=False,
        max_length=30,
        help_text=_("Mobile (11 digits) or landline with area code, e.g. 0359-4021234."),
    )
    phone_label = forms.CharField(label=_("label"), required=False, max_length=20, initial="本人")
    id_number = forms.CharField(
        label=_("ID number"),
        required=False,
        max_length=18,
        help_text=_("Optional. Stored encrypted and shown masked."),
    )
    relation = forms.ChoiceField(
        label=_("relation"), choices=Membership.Relation.choices, required=False
    )
    uses_smartphone = forms.BooleanField(label=_("uses a smartphone"), required=False)
    is_party_member = forms.BooleanField(label=_("party member"), required=False)
    care_tags = forms.ModelMultipleChoiceField(
        label=_("care tags"),
        queryset=CareTag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea)

    # Keys of the service's ValidationError that are shown on another field.
    ERROR_FIELDS = {"phones": "phone"}

    def __init__(self, *args, editing=False, show_care_tags=True, with_household=False, **kw):
        super().__init__(*args, **kw)
        if editing:
            # Phones are managed on the detail page, one by one.
            del self.fields["phone"], self.fields["phone_label"], self.fields["relation"]
            self.fields["id_number"].help_text = _(
                "Leave empty to keep the recorded number. Stored encrypted and shown masked."
            )
        elif not with_household:
            del self.fields["relation"]
        if not show_care_tags:
            del self.fields["care_tags"]

    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for key, errors in exc.message_dict.items():
            field = self.ERROR_FIELDS.get(key, key)
            self.add_error(field if field in self.fields else None, errors)


class PhoneForm(forms.Form):
    number = forms.CharField(label=_("phone"), max_length=30)
    label = forms.CharField(label=_("label"), max_length=20, required=False, initial="子女")


class ContactForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=30)
    relation = forms.CharField(label=_("relation"), max_length=20)
    number = forms.CharField(label=_("phone"), max_length=30)


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the full number?"), max_length=200, min_length=2
    )


class MoveForm(forms.Form):
    compound = forms.ModelChoiceField(label=_("compound"), queryset=Compound.objects.none())
    door = forms.CharField(
        label=_("door"),
        max_length=30,
        help_text=_("Building-unit-room as residents say it, e.g. 3-2-401."),
    )
    relation = forms.ChoiceField(label=_("relation"), choices=Membership.Relation.choices)
    on = forms.DateField(label=_("moved in on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, compounds=None, **kw):
        super().__init__(*args, **kw)
        if compounds is not None:
            self.fields["compound"].queryset = compounds


class MoveOutForm(forms.Form):
    on = forms.DateField(label=_("moved out on"), widget=forms.DateInput(attrs={"type": "date"}))
    leaves_community = forms.BooleanField(
        label=_("Leaves the community"), required=False, initial=True
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))


class ExportForm(forms.Form):
    compound = forms.ModelChoiceField(
        label=_("compound"), queryset=Compound.objects.none(), required=False
    )
    full_values = forms.BooleanField(label=_("Full phone and ID numbers"), required=False)
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)

    def __init__(self, *args, compounds=None, allow_full=False, **kw):
        super().__init__(*args, **kw)
        if compounds is not None:
            self.fields["compound"].queryset = compounds
        if not allow_full:
            del self.fields["full_values"]


class ResidentFilterForm(forms.Form):
    """The registry list's filters: plain GET parameters, so a filtered list is a link
    that can be shared or bookmarked. (Searching by phone or ID number is the search
    box's job and goes by POST, so no personal data ends up in a URL.)"""

    STATE_CHOICES = [
        ("", _("Living here")),
        ("away", _("Moved away")),
        ("all", _("Everyone on record")),
    ]

    state = forms.ChoiceField(label=_("State"), choices=STATE_CHOICES, required=False)
    start = forms.DateField(
        label=_("Moved in (or away) from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    grid = forms.ModelChoiceField(
        label=_("Grid"), queryset=None, required=False, empty_label=_("All grids")
    )
    compound = forms.ModelChoiceField(
        label=_("Compound"), queryset=None, required=False, empty_label=_("All compounds")
    )
    relation = forms.ChoiceField(
        label=_("Living as"),
        choices=[("", _("Owners, tenants and family")), *Membership.Relation.choices],
        required=False,
    )
    tag = forms.ChoiceField(label=_("Care tag"), required=False)

    def __init__(self, *args, user, show_tags: bool, **kwargs):
        super().__init__(*args, **kwargs)
        from places.models import Grid

        self.fields["grid"].queryset = Grid.objects.visible_to(user).order_by(
            "community_id", "number"
        )
        self.fields["compound"].queryset = Compound.objects.visible_to(user).order_by("name")
        if show_tags:
            self.fields["tag"].choices = [("", _("Any care tag"))] + [
                (t.code, t.name) for t in CareTag.objects.all()
            ]
        else:
            # Care tags are sensitive: a role that may not see them cannot filter by them.
            del self.fields["tag"]

    def clean(self):
        return check_period(super().clean())

    def apply(self, residents):
        """``residents`` narrowed by the valid filters (living here when none is given)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        state = data.get("state", "")
        if state == "away":
            residents = residents.filter(moved_away_on__isnull=False)
        elif state != "all":
            residents = residents.current()
        start, end = data.get("start"), data.get("end")
        if start or end:
            if state == "away":
                span = {"moved_away_on__gte": start, "moved_away_on__lte": end}
            else:
                span = {"memberships__start_date__gte": start, "memberships__start_date__lte": end}
            residents = residents.filter(**{k: v for k, v in span.items() if v is not None})
        if data.get("grid"):
            residents = residents.filter(household__building__compound__grid=data["grid"])
        if data.get("compound"):
            residents = residents.filter(household__building__compound=data["compound"])
        if data.get("relation"):
            residents = residents.filter(
                memberships__relation=data["relation"], memberships__end_date__isnull=True
            )
        if data.get("tag"):
            residents = residents.filter(care_tags__code=data["tag"])
        return residents.distinct() if (start or end or data.get("relation")) else residents
