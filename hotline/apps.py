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

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from hotline.models import CalendarDay
        from linli.lib import workdays

        # The time limits count working days; the days an administrator entered
        # (holidays of a year the calendar package does not know yet) are part of it.
        workdays.set_entered_days(CalendarDay.days_of)

        def forget(**kwargs):
            workdays.forget_entered_days()

        # weak=False: the receiver is a local function that nothing else holds on to.
        post_save.connect(forget, sender=CalendarDay, weak=False, dispatch_uid="hotline.day_saved")
        post_delete.connect(
            forget, sender=CalendarDay, weak=False, dispatch_uid="hotline.day_deleted"
        )
