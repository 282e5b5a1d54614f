"""The period of a list's filters: one rule for every app's filter form."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def check_period(data: dict, start: str = "start", end: str = "end") -> dict:
    """Refuse a backwards period in a form's ``clean``. Neither end of it is kept:
    half of a backwards period would filter the list in a way nobody asked for."""
    first, last = data.get(start), data.get(end)
    if first and last and first > last:
        data.pop(start)
        data.pop(end)
        raise ValidationError(_("The start date is after the end date."))
    return data
