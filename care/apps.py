from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from linli.navigation import NavEntry


class CareConfig(AppConfig):
    """Anticipate and care (三前): check-in plans, home visits, volunteers, recurrences."""

    name = "care"
    verbose_name = _("Care")
    nav_entries = [
        NavEntry(
            "care:today",
            _("Today's check-ins"),
            _("The residents to call or visit today: fine, needs help or no answer."),
            roles=("volunteer",),
            order=25,
        ),
        NavEntry(
            "care:day",
            _("My day"),
            _("Today's check-ins, alerts, your open orders and planned visits on one page."),
            roles=("grid_worker",),
            order=24,
        ),
        NavEntry(
            "care:overview",
            _("Care overview"),
            _("Care plans, missed check-ins, alerts, recurring problems and visit coverage."),
            roles=("leader", "operator", "admin"),
            order=40,
        ),
    ]
    # (seconds, task): alerts are checked often so the evening escalation is on time;
    # recurrences and hours need no more than an hourly sweep.
    periodic_tasks = [
        (600, "care.tasks.escalate_care_alerts"),
        (3600, "care.tasks.detect_recurring_problems"),
        (3600, "care.tasks.accrue_order_hours"),
    ]

    def ready(self) -> None:
        from care import selectors

        try:
            from people import assignments
        except ImportError:  # pragma: no cover - the people app always ships it
            return
        # A volunteer may see the residents whose check-ins they make (and no others).
        assignments.register(selectors.residents_in_care_of)
