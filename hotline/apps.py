from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "hotline"
    verbose_name = _("Hotline")
    nav_entries: list = []
    periodic_tasks = [
        (60, "hotline.tasks.sweep_deadlines"),
        (60, "hotline.tasks.deliver_notifications"),
    ]
