"""The areas of the product, as each app declares them (``AppConfig.nav_entries``).

The home page and the top navigation show the entries a user's roles allow; an
entry whose URL does not exist yet is left out, so apps can land one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str
    description: str
    roles: tuple[str, ...] | None = None  # None: every staff role
    order: int = 50
    staff_only: bool = False  # needs Django's is_staff (the admin site)

    def allowed(self, user) -> bool:
        if self.staff_only and not user.is_staff:
            return False
        if user.is_superuser or self.roles is None:
            return True
        return user.has_role(*self.roles)

    @property
    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


def entries_for(user) -> list[tuple[NavEntry, str]]:
    if not user.is_authenticated:
        return []
    found: list[tuple[NavEntry, str]] = []
    for config in apps.get_app_configs():
        for entry in getattr(config, "nav_entries", ()):
            url = entry.url
            if url and entry.allowed(user):
                found.append((entry, url))
    return sorted(found, key=lambda item: item[0].order)
