"""Small template helpers for the insights pages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def rate_cell(cell) -> str:
    """A rate as "95.3% 123 / 129", each number linking to the orders behind it.

    Written in Python rather than as an included template: a county's dashboard shows
    a few hundred of these.
    """
    rate = cell["rate"]
    definition = rate.definition
    if not cell.get("num_url"):
        return format_html(
            '<span class="rate"><span class="rate-value">{}</span> '
            '<span class="rate-parts">{} / {}</span></span>',
            rate.percent,
            rate.num,
            rate.den,
        )
    return format_html(
        '<span class="rate"><span class="rate-value">{}</span> <span class="rate-parts">'
        '<a href="{}" title="{}">{}</a> / <a href="{}" title="{}">{}</a></span></span>',
        rate.percent,
        cell["num_url"],
        definition.numerator_label,
        rate.num,
        cell["den_url"],
        definition.denominator_label,
        rate.den,
    )
