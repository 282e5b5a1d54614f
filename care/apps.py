from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    """Anticipate and care (三前): check-in plans, home visits, volunteers, recurrences."""

    name = "care"
    verbose_name = _("Care")
    nav_entries: list = []
