from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from linli.navigation import NavEntry

# Role values as strings: models cannot be imported while the app registry loads.
_DESK = ("operator", "leader", "admin")


class HotlineConfig(AppConfig):
    name = "hotline"
    verbose_name = _("Hotline")
    nav_entries = [
        NavEntry(
            "hotline:console",
            _("Hotline console"),
            _("Take calls: the caller's card pops up, an order in three steps."),
            roles=_DESK,
            order=10,
        ),
        NavEntry(
            "hotline:orders",
            _("Work orders"),
            _("Every order of your area, with filters, deadlines and print-outs."),
            roles=(*_DESK, "grid_worker"),
            order=11,
        ),
        NavEntry(
            "hotline:callbacks",
            _("Call-backs"),
            _("Resolved orders waiting for the call to the resident."),
            roles=_DESK,
            order=12,
        ),
        NavEntry(
            "hotline:mine",
            _("My orders"),
            _("Orders dispatched to you, on your phone: accept, note, resolve."),
            roles=("grid_worker", "volunteer"),
            order=13,
        ),
    ]
    periodic_tasks = [
        (60, "hotline.tasks.sweep_deadlines"),
        (60, "hotline.tasks.deliver_notifications"),
    ]
