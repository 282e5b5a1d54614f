"""Staff accounts, their roles and scopes, and the append-only audit log."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a staff member does. One account may hold several roles."""

    OPERATOR = "operator", _("Hotline operator / community worker")
    GRID_WORKER = "grid_worker", _("Grid worker")
    VOLUNTEER = "volunteer", _("Volunteer")
    COMMITTEE = "committee", _("Compound committee member")
    LIAISON = "liaison", _("Unit liaison")
    LEADER = "leader", _("Community leader")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    """A staff account. Residents do not need accounts; staff act for them (代办)."""

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone_extension = models.CharField(
        _("phone extension"),
        max_length=20,
        blank=True,
        help_text=_("The desk phone extension; incoming calls to it pop up on this account."),
    )

    class Meta:
        verbose_name = _("staff account")
        verbose_name_plural = _("staff accounts")

    def __str__(self) -> str:
        return self.display_name or self.get_username()

    @property
    def grant_rows(self) -> list[tuple[str, int | None, int | None, int | None, int | None]]:
        """(role, region_id, community_id, grid_id, compound_id) of every grant, read
        once per user object: roles and scopes are both worked out from it."""
        cached = getattr(self, "_grant_rows_cache", None)
        if cached is None:
            cached = list(
                self.grants.values_list(
                    "role", "region_id", "community_id", "grid_id", "compound_id"
                )
            )
            self._grant_rows_cache = cached
        return cached

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row[0] for row in self.grant_rows)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class RoleGrant(models.Model):
    """One role held over one place: a county, a community, a grid or a compound.

    A grid worker of two grids has two grants. Exactly one place is set per grant.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("role"), max_length=20, choices=Role)
    region = models.ForeignKey(
        "places.Region", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("county")
    )
    community = models.ForeignKey(
        "places.Community",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("community"),
    )
    grid = models.ForeignKey(
        "places.Grid", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("grid")
    )
    compound = models.ForeignKey(
        "places.Compound",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("compound"),
    )

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.CheckConstraint(
                name="grant_has_exactly_one_place",
                condition=(
                    models.Q(
                        region__isnull=False,
                        community__isnull=True,
                        grid__isnull=True,
                        compound__isnull=True,
                    )
                    | models.Q(
                        region__isnull=True,
                        community__isnull=False,
                        grid__isnull=True,
                        compound__isnull=True,
                    )
                    | models.Q(
                        region__isnull=True,
                        community__isnull=True,
                        grid__isnull=False,
                        compound__isnull=True,
                    )
                    | models.Q(
                        region__isnull=True,
                        community__isnull=True,
                        grid__isnull=True,
                        compound__isnull=False,
                    )
                ),
            )
        ]

    def __str__(self) -> str:
        place = self.region or self.community or self.grid or self.compound
        return f"{self.get_role_display()} @ {place}"


class AuditLog(models.Model):
    """The append-only record of every change and every reveal of personal data.

    Rows are only ever inserted (``accounts.audit.record``); the admin is read-only
    and nothing in the app updates or deletes them.
    """

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", _("API")
        ADMIN = "admin", _("Admin")
        COMMAND = "command", _("Command")
        TASK = "task", _("Background task")
        PHONE = "phone", _("Phone (entered by staff)")
        OPEN311 = "open311", _("Open311")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("who")
    )
    action = models.CharField(_("action"), max_length=60)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel, default=Channel.WEB)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    community = models.ForeignKey(
        "places.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("community"),
    )
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_repr}"
