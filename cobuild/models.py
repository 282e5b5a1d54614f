"""Units that serve the community: county departments, 包联单位, utilities."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitQuerySet(models.QuerySet):
    def serving(self, community):
        return self.filter(communities=community, is_active=True)


class Unit(models.Model):
    """A government unit, county department or public utility linked to communities.

    Hotline orders whose category belongs to a unit (e.g. street lighting) are
    dispatched to it; later the co-building module adds registration, needs and claims.
    """

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("County department")
        PAIRED_UNIT = "paired_unit", _("Paired unit (包联单位)")
        UTILITY = "utility", _("Public utility")
        OTHER = "other", _("Other")

    region = models.ForeignKey("places.Region", on_delete=models.PROTECT, related_name="units")
    communities = models.ManyToManyField(
        "places.Community", blank=True, related_name="units", verbose_name=_("communities served")
    )
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.DEPARTMENT)
    contact_name = models.CharField(_("contact person"), max_length=30, blank=True)
    contact_phone_masked = models.CharField(_("contact phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unique_unit_per_region")
        ]

    def __str__(self) -> str:
        return self.name
