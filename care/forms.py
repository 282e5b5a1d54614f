"""Forms for the care pages: they only parse and validate input; the rules live in
``care.services``."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from care.models import CheckIn, ContactKind


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
