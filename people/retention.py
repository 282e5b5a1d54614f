"""Removing the personal data of residents who left the community long ago.

The policy (docs/security.md, "Retention"): a resident's name, numbers and
circumstances are kept while they live here and for ``LINLI_RESIDENT_RETENTION_YEARS``
(default 3) after the last of their household memberships ended. After that
``manage.py purge_residents`` removes them.

The resident's row is *anonymised*, not deleted. Work orders, call-backs, visits and
check-ins point at it, and the hotline's figures (the three rates, "called about by
several residents") and the volunteers' hours count those rows; deleting the person
would either be refused by the database or change last year's figures. What goes:

* the resident: name (and its pinyin, initials and search line), sex, year of birth,
  ID number (encrypted value, both blind indexes, masked form), notes, care tags,
  smartphone and party-member flags;
* their phones and emergency contacts (rows deleted: encrypted numbers and indexes);
* the copies of their name and number on the orders they called about
  (``OrderContact``) and the numbers of their calls to the hotline (``Call``);
* their care plan is ended (inactive) and its notes, the check-in notes and the
  alert notes are emptied — the check-ins themselves stay, they are volunteers' hours;
* a volunteer record that pointed at them no longer does.

What stays: the row itself (marked ``personal_data_removed_at``, shown as "former
resident"), its community, its household memberships (dates and relation only: the
history of who lived where, now of nobody in particular), the orders with their
timeline, and the visits.

Never purged: anyone with a current home or a membership that ended inside the
retention period, anyone on an order that is still open, anyone with an open care
alert. Each purged resident gets an audit row without personal data (the id, the
community, the day they left), and the run gets one summary row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Role
from accounts.permissions import require_role
from linli.lib.errors import Conflict, ServiceError
from people.models import EmergencyContact, Membership, Phone, Resident, Volunteer


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def cutoff_for(years: int, today: dt.date | None = None) -> dt.date:
    """Residents who left before this day are past the retention period."""
    return years_before(today or timezone.localdate(), years)


def _open_order_filters() -> list[Q]:
    if not apps.is_installed("hotline"):
        return []
    from hotline.models import Order, OrderContact

    open_orders = Order.objects.exclude(state__in=Order.FINISHED_STATES)
    return [
        Exists(open_orders.filter(caller_id=OuterRef("pk"))),
        Exists(
            OrderContact.objects.filter(
                resident_id=OuterRef("pk"), order__in=open_orders.values("pk")
            )
        ),
    ]


def _open_alert_filters() -> list[Q]:
    if not apps.is_installed("care"):
        return []
    from care.models import CareAlert

    return [
        Exists(
            CareAlert.objects.filter(plan__resident_id=OuterRef("pk"), state=CareAlert.State.OPEN)
        )
    ]


def due_for_purge(cutoff: dt.date, residents=None):
    """Residents whose every household membership ended before ``cutoff``.

    A resident with no membership counts as gone only when they were marked as moved
    away before the cut-off; one who still has a home, a membership without an end, a
    membership that ended on or after the cut-off, an open order or an open care
    alert is never included.
    """
    qs = residents if residents is not None else Resident.objects.all()
    qs = qs.filter(household__isnull=True, personal_data_removed_at__isnull=True).exclude(
        moved_away_on__gte=cutoff
    )
    recent = Membership.objects.filter(resident_id=OuterRef("pk")).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=cutoff)
    )
    qs = qs.exclude(Exists(recent))
    any_membership = Membership.objects.filter(resident_id=OuterRef("pk"))
    qs = qs.filter(Exists(any_membership) | Q(moved_away_on__isnull=False))
    for still_open in _open_order_filters() + _open_alert_filters():
        qs = qs.exclude(still_open)
    return qs.annotate(last_membership_end=Max("memberships__end_date")).order_by("pk")


@dataclass
class ResidentPurge:
    """What a purge run removed (or, for a dry run, would remove): counts only."""

    cutoff: dt.date
    years: int
    dry_run: bool
    residents: int = 0
    by_community: dict[str, int] = field(default_factory=dict)
    phones: int = 0
    emergency_contacts: int = 0
    order_contacts: int = 0
    calls: int = 0
    care_plans: int = 0


def _check_years(years: int | None) -> int:
    minimum = settings.LINLI_RESIDENT_RETENTION_YEARS
    if years is None:
        return minimum
    if isinstance(years, bool) or not isinstance(years, int) or years < minimum:
        raise ServiceError(
            _(
                "Residents' records are kept for %(years)d years after they leave; "
                "a purge cannot use a shorter period."
            )
            % {"years": minimum},
            code="inside_retention",
        )
    return years


def _residents_for(acting_user, community_ids):
    residents = Resident.objects.all()
    if acting_user is not None:
        from accounts.scopes import scope_of

        require_role(acting_user, Role.ADMIN)
        scope = scope_of(acting_user, (Role.ADMIN,))
        if not scope.everything:
            residents = residents.filter(community_id__in=scope.all_community_ids())
    if community_ids is not None:
        residents = residents.filter(community_id__in=community_ids)
    return residents


def purge_residents(
    *,
    acting_user=None,
    years: int | None = None,
    community_ids=None,
    dry_run: bool = False,
    today: dt.date | None = None,
    channel: str = audit.Channel.COMMAND,
) -> ResidentPurge:
    """Anonymise the residents who left more than ``years`` ago (see the module).

    ``years`` defaults to ``LINLI_RESIDENT_RETENTION_YEARS`` and may only be longer.
    ``acting_user`` None is the deployment's administrator at the command line; an
    account must be an administrator and purges only its own communities. With
    ``dry_run`` nothing is written; the counts say what would go.
    """
    years = _check_years(years)
    cutoff = cutoff_for(years, today)
    candidates = due_for_purge(cutoff, _residents_for(acting_user, community_ids))
    result = ResidentPurge(cutoff=cutoff, years=years, dry_run=dry_run)
    with transaction.atomic():
        rows = [
            (pk, community_id, code, max(d for d in (ended, moved) if d is not None))
            for pk, community_id, code, ended, moved in candidates.values_list(
                "pk", "community_id", "community__code", "last_membership_end", "moved_away_on"
            )
        ]
        ids = [pk for pk, *_rest in rows]
        result.residents = len(ids)
        for _pk, _community_id, code, _left_on in rows:
            result.by_community[code] = result.by_community.get(code, 0) + 1
        result.phones = Phone.objects.filter(resident_id__in=ids).count()
        result.emergency_contacts = EmergencyContact.objects.filter(resident_id__in=ids).count()
        if apps.is_installed("hotline"):
            from hotline.models import Call, OrderContact

            contacts = OrderContact.objects.filter(resident_id__in=ids)
            calls = Call.objects.filter(resident_id__in=ids)
            result.order_contacts = contacts.count()
            result.calls = calls.count()
        if apps.is_installed("care"):
            from care.models import CarePlan

            result.care_plans = CarePlan.objects.filter(resident_id__in=ids).count()
        if dry_run or not ids:
            return result

        now = timezone.now()
        Phone.objects.filter(resident_id__in=ids).delete()
        EmergencyContact.objects.filter(resident_id__in=ids).delete()
        Resident.care_tags.through.objects.filter(resident_id__in=ids).delete()
        Volunteer.objects.filter(resident_id__in=ids).update(resident=None)
        # Conditional, like every read-modify-write: someone moving one of them back in
        # meanwhile makes the whole run stop and leaves everything as it was.
        updated = Resident.objects.filter(
            pk__in=ids, household__isnull=True, personal_data_removed_at__isnull=True
        ).update(
            name="",
            name_pinyin="",
            name_initials="",
            sex="",
            birth_year=None,
            id_number_encrypted="",
            id_number_index="",
            id_number_last4_index="",
            id_number_masked="",
            uses_smartphone=False,
            is_party_member=False,
            notes="",
            search_text="",
            personal_data_removed_at=now,
            updated_at=now,
        )
        if updated != len(ids):
            raise Conflict(
                _("A resident changed during the purge; nothing was removed. Run it again.")
            )
        if apps.is_installed("hotline"):
            contacts.update(name="", phone_masked="", phone_encrypted="")
            calls.update(number_encrypted="", number_index="", last4_index="", masked="")
        if apps.is_installed("care"):
            from care.models import CareAlert, CheckIn

            plans = CarePlan.objects.filter(resident_id__in=ids)
            CheckIn.objects.filter(plan__in=plans).update(note="")
            CareAlert.objects.filter(plan__in=plans).update(handling_note="")
            plans.update(is_active=False, note="")

        note = f"left before {cutoff.isoformat()} (retention {years} years)"
        for pk, community_id, _code, left_on in rows:
            audit.record(
                acting_user,
                "resident.purge",
                object_type="people.resident",
                object_id=str(pk),
                object_repr="",
                community_id=community_id,
                channel=channel,
                note=f"left on {left_on.isoformat()}; retention {years} years",
            )
        audit.record(
            acting_user,
            "resident.purge_run",
            object_type="people.resident",
            channel=channel,
            note=(
                f"removed the personal data of {result.residents} residents who {note}; "
                f"{result.phones} phones, {result.emergency_contacts} emergency contacts, "
                f"{result.order_contacts} order contacts, {result.calls} calls, "
                f"{result.care_plans} care plans"
            ),
        )
    return result
