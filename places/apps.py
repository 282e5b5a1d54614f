from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from linli.navigation import NavEntry


class PlacesConfig(AppConfig):
    name = "places"
    verbose_name = _("Places")
    nav_entries = [
        NavEntry(
            "places:tree",
            _("Places"),
            _("Grids, compounds, buildings and households in your area."),
            roles=None,
            order=60,
        ),
    ]
