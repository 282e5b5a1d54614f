"""The layers of places: Region (县) › Street (街道) › Community (社区) › Grid (网格)
› Compound (小区/片区) › Building (楼栋) › Household (户).

Every record below a community belongs to exactly one community, and staff see only
the places inside their scope (see ``visible_to``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to restrict itself to what a staff user may see.

    ``scope_path`` is the ORM path from the model to its Grid (or "" for Grid itself);
    the scope rules live in ``accounts.scopes``.
    """

    community_path: str = "community"
    grid_path: str | None = None
    compound_path: str | None = None

    def visible_to(self, user):
        from accounts.scopes import scope_filter

        return self.filter(
            scope_filter(
                user,
                community_path=self.community_path,
                grid_path=self.grid_path,
                compound_path=self.compound_path,
            )
        )


class Region(models.Model):
    """A county-level region (县/区), e.g. 临猗县."""

    name = models.CharField(_("name"), max_length=50)
    code = models.CharField(_("administrative code"), max_length=12, unique=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Street(models.Model):
    """A street office or township (街道/乡镇)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="streets")
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["region_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unique_street_per_region")
        ]

    def __str__(self) -> str:
        return self.name


class CommunityQuerySet(ScopedQuerySet):
    community_path = ""


class Community(models.Model):
    """A residents' community (社区) with its office; the unit every record belongs to."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="communities")
    name = models.CharField(_("name"), max_length=50)
    code = models.CharField(_("code"), max_length=20, unique=True)
    office_phone = models.CharField(_("office phone"), max_length=30, blank=True)
    hotline_name = models.CharField(
        _("hotline name"), max_length=50, blank=True, help_text=_("e.g. 小刘热线")
    )
    address = models.CharField(_("office address"), max_length=200, blank=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class GridQuerySet(ScopedQuerySet):
    community_path = "community"
    grid_path = ""


class Grid(models.Model):
    """A grid (网格): the patch of one grid worker, where small matters are settled."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="grids")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=50)

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["community_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="unique_grid_number")
        ]

    def __str__(self) -> str:
        return self.name


class CompoundQuerySet(ScopedQuerySet):
    community_path = "grid__community"
    grid_path = "grid"
    compound_path = ""


class Compound(models.Model):
    """A residential compound (小区) or an open block of lanes (片区).

    Old compounds (老旧小区) and open compounds (开放式) without a property company are
    where most of the community's problems come from.
    """

    class Kind(models.TextChoices):
        COMPOUND = "compound", _("Compound (小区)")
        AREA = "area", _("Block (片区)")
        LANE = "lane", _("Lane or street (巷/路)")

    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="compounds")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.COMPOUND)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_old = models.BooleanField(_("old compound"), default=True)
    is_open = models.BooleanField(_("open compound"), default=True)
    year_built = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    has_property_company = models.BooleanField(_("has a property company"), default=False)

    objects = CompoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        ordering = ["grid_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "name"], name="unique_compound_per_grid")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def community(self) -> Community:
        return self.grid.community


class BuildingQuerySet(ScopedQuerySet):
    community_path = "compound__grid__community"
    grid_path = "compound__grid"
    compound_path = "compound"


class Building(models.Model):
    """A building (楼栋) or, in a bungalow lane, a numbered yard (院)."""

    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="buildings")
    name = models.CharField(_("name"), max_length=30, help_text=_("e.g. 3号楼"))
    floors = models.PositiveSmallIntegerField(_("floors"), default=1)

    objects = BuildingQuerySet.as_manager()

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["compound_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["compound", "name"], name="unique_building_name")
        ]

    def __str__(self) -> str:
        return f"{self.compound.name} {self.name}"


class HouseholdQuerySet(ScopedQuerySet):
    community_path = "building__compound__grid__community"
    grid_path = "building__compound__grid"
    compound_path = "building__compound"

    def with_place(self):
        return self.select_related("building__compound__grid")


class Household(models.Model):
    """A household (户): one dwelling or shop, with its floor area and occupancy.

    Floor area is stored in hundredths of a square metre (an integer), because
    area-weighted votes and cost shares must add up exactly.
    """

    class Occupancy(models.TextChoices):
        OWNER = "owner", _("Owner-occupied")
        RENTED = "rented", _("Rented")
        VACANT = "vacant", _("Vacant")

    class Use(models.TextChoices):
        HOME = "home", _("Residence")
        SHOP = "shop", _("Shop (门面房)")

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="households")
    unit = models.CharField(_("unit (单元)"), max_length=10, blank=True)
    room = models.CharField(_("room"), max_length=10)
    floor_area_centi_m2 = models.PositiveIntegerField(
        _("floor area (0.01 m²)"), help_text=_("Stored in hundredths of a square metre.")
    )
    occupancy = models.CharField(
        _("occupancy"), max_length=10, choices=Occupancy, default=Occupancy.OWNER
    )
    use = models.CharField(_("use"), max_length=10, choices=Use, default=Use.HOME)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["building_id", "unit", "room"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "unit", "room"], name="unique_household_address"
            )
        ]
        # A door label said without its compound ("2-2-202") picks a unit and room
        # across every building; the unique index above starts with the building.
        indexes = [models.Index(fields=["unit", "room", "building"], name="household_door")]

    def __str__(self) -> str:
        return self.address

    @property
    def door(self) -> str:
        """The short door label residents say on the phone, e.g. 3-2-401."""
        number = self.building.name.removesuffix("号楼").removesuffix("号院")
        return "-".join(part for part in (number, self.unit, self.room) if part)

    @property
    def address(self) -> str:
        unit = f"{self.unit}单元" if self.unit else ""
        return f"{self.building.compound.name}{self.building.name}{unit}{self.room}"

    @property
    def floor_area_m2(self) -> str:
        whole, cents = divmod(self.floor_area_centi_m2, 100)
        return f"{whole}.{cents:02d}"
