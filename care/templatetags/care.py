from django import template

register = template.Library()


@register.filter
def hours(minutes: int | None) -> str:
    """Service minutes shown as hours with one decimal: 90 → 1.5."""
    if not minutes:
        return "0"
    value = round(minutes / 60, 1)
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


@register.filter
def spaced_phone(number: str) -> str:
    """A mobile number in the groups people read it out in: 13800001234 → 138 0000 1234.
    Landlines (with their area code) are shown as they are."""
    if len(number) == 11 and number.isdigit() and number.startswith("1"):
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    return number


@register.filter
def days_overdue(item, day) -> int:
    return item.days_overdue(day)


@register.inclusion_tag("care/partials/subnav.html", takes_context=True)
def care_subnav(context):
    """The care section's own links, those the user's roles open."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from care.models import CARE_STAFF_ROLES, COMMUNITY_ROLES

    request = context["request"]
    user = request.user
    staff = CARE_STAFF_ROLES
    visits = ("grid_worker", *COMMUNITY_ROLES)
    links = [
        ("care:day", _("My day"), ("grid_worker",)),
        ("care:today", _("Today's check-ins"), (*staff, "volunteer")),
        ("care:check_ins", _("Check-in history"), (*staff, "volunteer")),
        ("care:overview", _("Overview"), COMMUNITY_ROLES),
        ("care:plans", _("Care plans"), staff),
        ("care:alerts", _("Alerts"), staff),
        ("care:visits", _("Home visits"), visits),
        ("care:coverage", _("Visit coverage"), visits),
        ("care:volunteers", _("Volunteers"), staff),
        ("care:problems", _("Recurring problems"), staff),
        ("care:season", _("Before the season"), visits),
    ]
    shown = []
    for name, label, roles in links:
        if user.is_superuser or user.has_role(*roles):
            url = reverse(name)
            shown.append((url, label, request.path == url))
    # A volunteer opens one care page only: a menu of one would just repeat its title.
    return {"links": shown if len(shown) > 1 else []}
