from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinliConfig(AppConfig):
    """The project package itself: shared templates, static files and translations."""

    name = "linli"
    verbose_name = _("Linli")
