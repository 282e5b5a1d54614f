from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from linli.navigation import NavEntry


class InsightsConfig(AppConfig):
    """The three rates (三率), the leader's dashboard, monthly reports and exports."""

    name = "insights"
    verbose_name = _("Insights")
    nav_entries = [
        NavEntry(
            "insights:dashboard",
            _("Data dashboard"),
            _("The three rates, order volume, grids and overdue orders in your area."),
            roles=("leader", "admin"),
            order=20,
        ),
    ]
    periodic_tasks = [(60, "insights.tasks.refresh_rollups")]
