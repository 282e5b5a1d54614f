from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from linli.navigation import NavEntry


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = _("Residents")
    # Unit liaisons work with units, not with residents' records (people.policy).
    nav_entries = [
        NavEntry(
            "people:list",
            _("Residents"),
            _("Find a resident by phone, name, pinyin or address; households and care."),
            roles=(
                "operator",
                "grid_worker",
                "leader",
                "admin",
                "committee",
                "volunteer",
            ),
            order=20,
        ),
    ]
