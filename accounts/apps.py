from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from linli.navigation import NavEntry


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")
    nav_entries = [
        NavEntry(
            "accounts:audit_log",
            _("Audit log"),
            _("Every change and every reveal of personal data, for review."),
            roles=("leader", "admin"),
            order=90,
        ),
        NavEntry(
            "admin:index",
            _("Administration"),
            _("Staff accounts, roles, categories and other settings."),
            roles=("admin",),
            order=95,
            staff_only=True,
        ),
    ]
