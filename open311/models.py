"""Integrations that talk to linli by machine: API tokens, their rate windows, stored
answers for retried POSTs, and the Open311 submissions behind work orders.

An API token acts through a *service account*: an ``accounts.User`` that cannot log
in and holds ordinary role grants. So the very same permission rules and
``visible_to`` scopes apply to a 12345 platform's integration as to a person at a
desk; the token's own ``scopes`` only narrow what it may call.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a token may call, on top of what its service account's role allows."""

    PLACES_READ = "places:read", _("Read places")
    RESIDENTS_READ = "residents:read", _("Search residents (masked)")
    ORDERS_READ = "orders:read", _("Read work orders")
    ORDERS_WRITE = "orders:write", _("File work orders and move them along")
    CHECKINS_READ = "checkins:read", _("Read care check-ins")
    CHECKINS_WRITE = "checkins:write", _("Record care check-ins")
    INSIGHTS_READ = "insights:read", _("Read the figures (rates and breakdowns)")


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(is_active=True, revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A key one integration (a 12345 platform, a county system, a reporting app) uses.

    Only the first characters (``key_prefix``, to find the row) and a SHA-256 digest of
    the whole key are stored; the key itself is shown once, when it is made.
    """

    name = models.CharField(_("name"), max_length=60)
    user = models.OneToOneField(
        "accounts.User",
        on_delete=models.PROTECT,
        related_name="api_token",
        verbose_name=_("service account"),
    )
    community = models.ForeignKey(
        "places.Community",
        on_delete=models.PROTECT,
        related_name="api_tokens",
        verbose_name=_("community"),
        help_text=_("The community the integration files orders into by default."),
    )
    scopes = models.JSONField(_("scopes"), default=list)
    rate_limit_per_minute = models.PositiveIntegerField(_("requests per minute"), default=60)
    key_prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    AUDIT_SKIPPED_FIELDS = ("key_hash",)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    def audit_community_id(self) -> int:
        return self.community_id

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class RateWindow(models.Model):
    """How many requests one token made in one fixed one-minute window.

    Counted with a conditional UPDATE in the database, so every web process of a
    deployment shares one count (a per-process cache would multiply the limit).
    """

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "window_start"], name="unique_rate_window")
        ]

    def __str__(self) -> str:
        return f"{self.token_id} {self.window_start:%H:%M} {self.count}"


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an ``Idempotency-Key``, replayed on retries.

    ``principal`` names who sent it (a token or a session user), so two integrations
    that happen to pick the same key never see each other's answers.
    """

    class State(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        DONE = "done", _("Done")

    principal = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State, default=State.PROCESSING)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="unique_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"


class Submission(models.Model):
    """One service request posted through Open311, with what the standard carries
    beyond a work order (coordinates, address id, attributes, media link).

    ``token`` answers GET tokens/{token}; ``order`` is set as soon as the work order
    exists (at once for realtime services, after the queue for batch services).
    """

    token = models.CharField(max_length=40, unique=True)
    api_token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, related_name="submissions")
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="+")
    service_code = models.CharField(max_length=40)
    order = models.OneToOneField(
        "hotline.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="open311_submission",
    )
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    address_string = models.CharField(max_length=200, blank=True)
    address_id = models.CharField(max_length=40, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    account_id = models.CharField(max_length=60, blank=True)
    device_id = models.CharField(max_length=60, blank=True)
    contact_name = models.CharField(max_length=60, blank=True)
    phone_masked = models.CharField(max_length=20, blank=True)
    # The full number, kept encrypted only until the order is filed (a batch
    # submission needs it then to find the caller); erased as soon as it is used.
    phone_encrypted = models.TextField(blank=True)
    description = models.TextField(max_length=4000, blank=True)
    service_notice = models.CharField(max_length=300, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    AUDIT_MASKED_FIELDS = {"phone_encrypted": lambda v: "<encrypted>"}

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.token

    def audit_community_id(self) -> int:
        return self.community_id
