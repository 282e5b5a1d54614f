"""Residents, their phones, their homes and the care they need.

Phone and ID numbers are never stored in the clear: see ``linli.lib.pii``. Care tags
(独居, 失独, …) are sensitive personal information under PIPL art. 28 and are shown
only to roles that need them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.lib import pii
from places.models import ScopedQuerySet


class CareTag(models.Model):
    """A vulnerability that calls for regular care (独居, 失独, 空巢, 行动不便 …).

    The list is data: administrators add and rename tags.
    """

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=30)
    description = models.CharField(_("description"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("care tag")
        verbose_name_plural = _("care tags")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class ResidentQuerySet(ScopedQuerySet):
    community_path = "community"
    grid_path = "household__building__compound__grid"
    compound_path = "household__building__compound"

    def visible_to(self, user, roles: tuple[str, ...] | None = None):
        """Residents ``user`` may see (see ``people.policy``).

        Staff see the residents of their place scope; a volunteer sees only the
        residents assigned to them; a unit liaison sees none. ``roles`` narrows the
        grants considered (e.g. only those allowed to edit).
        """
        from accounts.models import Role
        from accounts.scopes import scope_filter
        from people import assignments, policy

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        registry_roles = tuple(r for r in (roles or policy.REGISTRY_ROLES) if r != Role.VOLUNTEER)
        q = Q(pk__in=[])
        if registry_roles and user.has_role(*registry_roles):
            q = scope_filter(
                user,
                community_path=self.community_path,
                grid_path=self.grid_path,
                compound_path=self.compound_path,
                roles=registry_roles,
            )
        if (roles is None or Role.VOLUNTEER in roles) and user.has_role(Role.VOLUNTEER):
            for ids in assignments.assigned_resident_ids(user):
                q |= Q(pk__in=ids)
        return self.filter(q)

    def current(self):
        return self.filter(moved_away_on__isnull=True)

    def for_cards(self):
        """What a result row or a caller's card shows, fetched in three queries."""
        return self.select_related("household__building__compound__grid").prefetch_related(
            "phones", "care_tags"
        )


class Resident(models.Model):
    """A person living (or having lived) in the community.

    ``household`` is the current home, kept in step with the memberships by the
    move-in/move-out services; the membership rows keep the history (a tenant who
    moved out keeps it). ``search_text`` holds name, pinyin, initials and address
    words so one box can find a caller by any of them.
    """

    class Sex(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")

    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="residents"
    )
    household = models.ForeignKey(
        "places.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("current household"),
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=30, db_index=True)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=120, db_index=True)
    name_initials = models.CharField(_("pinyin initials"), max_length=30, db_index=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    id_number_encrypted = models.TextField(_("ID number (encrypted)"), blank=True)
    id_number_index = models.CharField(max_length=40, blank=True, db_index=True)
    id_number_last4_index = models.CharField(max_length=40, blank=True, db_index=True)
    id_number_masked = models.CharField(_("ID number"), max_length=20, blank=True)
    uses_smartphone = models.BooleanField(_("uses a smartphone"), default=False)
    is_party_member = models.BooleanField(_("party member"), default=False)
    care_tags = models.ManyToManyField(
        CareTag, blank=True, related_name="residents", verbose_name=_("care tags")
    )
    notes = models.TextField(_("notes"), blank=True)
    search_text = models.TextField(editable=False, blank=True)
    moved_away_on = models.DateField(_("moved away on"), null=True, blank=True)
    # Set by the retention purge (people.retention): the row stays so that the orders,
    # visits and check-ins that point at it keep their figures, but nothing in it
    # says who the person was any more.
    personal_data_removed_at = models.DateTimeField(
        _("personal data removed at"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResidentQuerySet.as_manager()

    AUDIT_MASKED_FIELDS = {"id_number_encrypted": lambda v: "<encrypted>"}
    AUDIT_SKIPPED_FIELDS = ("id_number_index", "id_number_last4_index", "search_text")

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        if self.personal_data_removed_at is not None:
            return str(_("Former resident (record removed)"))
        return self.name

    @property
    def age(self) -> int | None:
        if not self.birth_year:
            return None
        return timezone.localdate().year - self.birth_year

    def audit_community_id(self) -> int:
        return self.community_id

    def set_id_number(self, value: str) -> None:
        """Store a validated ID number encrypted, indexed and masked ('' clears it)."""
        if not value:
            self.id_number_encrypted = self.id_number_index = ""
            self.id_number_last4_index = self.id_number_masked = ""
            return
        self.id_number_encrypted = pii.encrypt(value)
        self.id_number_index, self.id_number_last4_index = pii.id_indexes(value)
        self.id_number_masked = pii.mask_id(value)


class EncryptedPhone(models.Model):
    """An encrypted phone number with its blind indexes and masked form."""

    number_encrypted = models.TextField()
    number_index = models.CharField(max_length=40, db_index=True)
    last4_index = models.CharField(max_length=40, db_index=True)
    masked = models.CharField(pgettext_lazy("phone", "number"), max_length=20)
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=[("mobile", _("Mobile")), ("landline", _("Landline"))],
    )

    AUDIT_MASKED_FIELDS = {"number_encrypted": lambda v: "<encrypted>"}
    AUDIT_SKIPPED_FIELDS = ("number_index", "last4_index")

    class Meta:
        abstract = True

    def set_number(self, number: str) -> None:
        """Store an already validated, normalised number (see pii.validate_phone)."""
        self.number_encrypted = pii.encrypt(number)
        self.number_index, self.last4_index = pii.phone_indexes(number)
        self.masked = pii.mask_phone(number)
        self.kind = pii.phone_kind(number)

    def reveal(self) -> str:
        """The full number. Callers must log the reveal (people.services.reveal_phone)."""
        return pii.decrypt(self.number_encrypted)


class Phone(EncryptedPhone):
    """A number a resident can be reached at or calls from (本人, 子女, 家中座机 …)."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="phones")
    label = models.CharField(_("label"), max_length=20, default="本人")
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return f"{self.label} {self.masked}"

    def audit_community_id(self) -> int:
        return self.resident.community_id


class EmergencyContact(EncryptedPhone):
    """Someone to call when the resident cannot be reached (often a child living elsewhere)."""

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="emergency_contacts"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=30)
    relation = models.CharField(_("relation"), max_length=20, help_text=_("e.g. 儿子, 女儿"))

    class Meta:
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.relation})"

    def audit_community_id(self) -> int:
        return self.resident.community_id


class Membership(models.Model):
    """A resident's tie to a household over time: owner, tenant or family member.

    Owners' memberships are what votes and cost shares count; tenants' end dates keep
    the history of who lived where.
    """

    class Relation(models.TextChoices):
        OWNER = "owner", _("Owner")
        TENANT = "tenant", _("Tenant")
        FAMILY = "family", _("Family member")

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="memberships")
    household = models.ForeignKey(
        "places.Household", on_delete=models.PROTECT, related_name="memberships"
    )
    relation = models.CharField(_("relation"), max_length=10, choices=Relation)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("household membership")
        verbose_name_plural = _("household memberships")
        ordering = ["household_id", "-end_date", "relation"]
        indexes = [models.Index(fields=["household", "end_date"])]

    def __str__(self) -> str:
        return f"{self.resident} · {self.get_relation_display()}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None

    def audit_community_id(self) -> int:
        return self.resident.community_id


class VolunteerQuerySet(ScopedQuerySet):
    community_path = "community"
    grid_path = "grid"

    def active(self):
        return self.filter(is_active=True)


class Volunteer(models.Model):
    """A member of the service team behind the hotline: retired cadres, community
    workers, in-service party members and other residents.

    A volunteer may have a staff account (``user``) or be managed by staff on their
    behalf; ``resident`` links to the registry when they live in the community.
    """

    class Kind(models.TextChoices):
        RETIRED_CADRE = "retired_cadre", _("Retired cadre")
        COMMUNITY_WORKER = "community_worker", _("Community worker")
        PARTY_MEMBER = "party_member", _("In-service party member")
        RESIDENT = "resident", _("Resident")

    class Skill(models.TextChoices):
        COMPANIONSHIP = "companionship", _("Companionship and chats")
        ERRANDS = "errands", _("Errands (medicine, shopping)")
        REPAIR = "repair", _("Small repairs")
        ELECTRICAL = "electrical", _("Electrical and appliances")
        MEDIATION = "mediation", _("Mediating disputes")
        HEALTH = "health", _("Health and first aid")
        LABOUR = "labour", _("Labour days")

    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="volunteers"
    )
    grid = models.ForeignKey(
        "places.Grid",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteers",
        verbose_name=_("home grid"),
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=30)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.RESIDENT)
    user = models.OneToOneField(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer",
        verbose_name=_("staff account"),
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="volunteering"
    )
    skills = models.JSONField(_("skills"), default=list, blank=True)
    availability = models.CharField(
        _("availability"), max_length=100, blank=True, help_text=_("e.g. 工作日上午, 周末")
    )
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    is_active = models.BooleanField(pgettext_lazy("volunteer", "active"), default=True)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
