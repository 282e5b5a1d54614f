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
            "accounts:otp_setup",
            _("Second factor"),
            _("Protect your log-in with a code from an authenticator app."),
            roles=("leader", "admin"),
            order=92,
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

    def ready(self):
        from accounts import checks  # noqa: F401 — registers the system checks
