"""Every change to the resident registry, and the searches the hotline relies on.

Each service takes ``acting_user`` keyword-only, checks the role and scope first,
runs in one transaction and writes its audit row itself. Phone and ID numbers enter
only through ``linli.lib.pii`` (validated, encrypted, blind-indexed, masked) and
leave in full only through ``reveal_*``, which logs who, whose, which and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.permissions import require_role
from linli.lib import pii
from linli.lib.errors import Conflict, NotAllowed, NotFound, ServiceError
from people import policy, search, text
from people.models import CareTag, EmergencyContact, Membership, Phone, Resident
from places.models import Household

Relation = Membership.Relation
MAX_NAME = 30
MAX_LABEL = 20


# --- searching ------------------------------------------------------------------


def search_residents(*, acting_user, query: str, limit: int = 20) -> list[Resident]:
    """Find residents by phone (full or last four), name, pinyin, initials or address.

    Only residents the acting user may see are searched; the best match comes first.
    Each result has its household → building → compound → grid, phones and care
    tags loaded (the care tags must still be shown only where
    ``policy.can_see_care_tags`` allows).
    """
    limit = max(1, min(int(limit), 100))
    if not (query or "").strip():
        return []
    base = Resident.objects.visible_to(acting_user)
    ids = search.search(base, query, acting_user=acting_user, limit=limit)
    if not ids:
        return []
    found = Resident.objects.filter(pk__in=ids).order_by().for_cards().in_bulk()
    return [found[pk] for pk in ids if pk in found]


def find_by_phone(number: str, *, community=None) -> list[Resident]:
    """The residents whose own phone is ``number`` (for the caller's screen-pop).

    Called by the phone system, not by a person: no scope applies here, so the
    caller's card must still be shown through the operator's own scope. Current
    residents come first, then those who moved away.
    """
    normalised = pii.normalise_phone(number)
    if len(normalised) < 7:
        return []
    index = pii.blind_index("phone", normalised)
    residents = Resident.objects.filter(phones__number_index=index)
    if community is not None:
        residents = residents.filter(community=community)
    residents = (
        residents.distinct()
        .annotate(
            _gone=Case(
                When(moved_away_on__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("_gone", "name", "id")
        .for_cards()
    )
    return list(residents)


# --- validation helpers ---------------------------------------------------------


def _clean_name(name: str, errors: dict) -> str:
    name = " ".join((name or "").split())
    if not name:
        errors.setdefault("name", []).append(_("Please enter the resident's name."))
    elif len(name) > MAX_NAME:
        errors.setdefault("name", []).append(
            _("A name has at most %(max)d characters.") % {"max": MAX_NAME}
        )
    return name


def _clean_birth_year(birth_year, errors: dict) -> int | None:
    if birth_year in (None, ""):
        return None
    try:
        year = int(birth_year)
    except (TypeError, ValueError):
        year = 0
    if not 1900 <= year <= timezone.localdate().year:
        errors.setdefault("birth_year", []).append(
            _("Enter a year of birth between 1900 and this year.")
        )
        return None
    return year


def _clean_phones(phones: Iterable, errors: dict) -> list[tuple[str, str]]:
    """Validated, normalised (number, label) pairs without duplicates."""
    cleaned: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in phones or ():
        number, label = (item, "") if isinstance(item, str) else (item[0], item[1])
        if not (number or "").strip():
            continue
        try:
            normalised = pii.validate_phone(number)
        except ValidationError as exc:
            errors.setdefault("phones", []).extend(exc.messages)
            continue
        label = (label or "").strip() or _("Own phone")
        if len(label) > MAX_LABEL:
            errors.setdefault("phones", []).append(
                _("A phone label has at most %(max)d characters.") % {"max": MAX_LABEL}
            )
            continue
        if normalised not in seen:
            seen.add(normalised)
            cleaned.append((normalised, label))
    return cleaned


def _clean_id(id_number: str, errors: dict) -> str:
    if not (id_number or "").strip():
        return ""
    try:
        return pii.validate_id_number(id_number)
    except ValidationError as exc:
        errors.setdefault("id_number", []).extend(exc.messages)
        return ""


def _check_id_against(value: str, sex: str, birth_year: int | None, errors: dict):
    """An ID number carries the year of birth and the sex; they must agree."""
    if not value:
        return sex, birth_year
    id_year = int(value[6:10])
    id_sex = Resident.Sex.MALE if int(value[16]) % 2 else Resident.Sex.FEMALE
    if birth_year and birth_year != id_year:
        errors.setdefault("birth_year", []).append(
            _("The year of birth does not match the ID number (%(year)d).") % {"year": id_year}
        )
    if sex and sex != id_sex:
        errors.setdefault("sex", []).append(_("The sex does not match the ID number."))
    return sex or id_sex, birth_year or id_year


def _clean_sex(sex: str, errors: dict) -> str:
    sex = (sex or "").strip().upper()
    if sex and sex not in Resident.Sex.values:
        errors.setdefault("sex", []).append(_("Choose female or male, or leave it empty."))
        return ""
    return sex


def _care_tags(care_tags: Iterable, errors: dict) -> list[CareTag]:
    wanted = list(care_tags or ())
    if not wanted:
        return []
    objects = [t for t in wanted if isinstance(t, CareTag)]
    codes = [t for t in wanted if not isinstance(t, CareTag)]
    if codes:
        found = list(CareTag.objects.filter(code__in=codes))
        missing = set(codes) - {t.code for t in found}
        if missing:
            errors.setdefault("care_tags", []).append(
                _("Unknown care tag: %(codes)s.") % {"codes": ", ".join(sorted(missing))}
            )
        objects += found
    return objects


def _id_taken(value: str, community, exclude_pk=None) -> bool:
    others = Resident.objects.filter(
        community=community, id_number_index=pii.blind_index("id", value)
    )
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    return others.exists()


def _default_relation(household: Household) -> str:
    if household.occupancy == Household.Occupancy.RENTED:
        return Relation.TENANT
    if not household.memberships.filter(relation=Relation.OWNER, end_date__isnull=True).exists():
        return Relation.OWNER
    return Relation.FAMILY


def refresh_search_fields(resident: Resident) -> None:
    """Keep pinyin, initials and the search line in step with the name and home."""
    resident.name_pinyin = text.name_pinyin(resident.name)
    resident.name_initials = text.name_initials(resident.name)
    household = resident.household if resident.household_id else None
    resident.search_text = text.search_text(
        resident.name, resident.name_pinyin, resident.name_initials, household
    )


def resident_snapshot(resident: Resident) -> dict:
    """The audit snapshot of a resident with its phones (masked) and care tag codes."""
    data = audit.snapshot(resident)
    data["phones"] = [f"{p.label} {p.masked}" for p in resident.phones.all()]
    data["care_tags"] = sorted(t.code for t in resident.care_tags.all())
    return data


def _household_in_scope(acting_user, household: Household) -> Household:
    visible = Household.objects.visible_to(acting_user).filter(pk=household.pk)
    found = visible.select_related("building__compound__grid").first()
    if found is None or not _may_edit_household(acting_user, found):
        raise NotFound(_("This household does not exist or is outside your area."))
    return found


def _may_edit_household(acting_user, household: Household) -> bool:
    from accounts.scopes import scope_of

    if acting_user.is_superuser:
        return True
    scope = scope_of(acting_user, policy.EDIT_ROLES)
    compound = household.building.compound
    return (
        scope.everything
        or compound.grid.community_id in scope.community_ids
        or compound.grid_id in scope.grid_ids
        or compound.pk in scope.compound_ids
    )


# --- registering residents --------------------------------------------------------


def create_resident(
    *,
    acting_user,
    community,
    name: str,
    household: Household | None = None,
    relation: str | None = None,
    phones: Sequence = (),
    sex: str = "",
    birth_year: int | None = None,
    id_number: str = "",
    uses_smartphone: bool = False,
    care_tags: Iterable = (),
    is_party_member: bool = False,
    notes: str = "",
    moved_in_on: dt.date | None = None,
    channel: str = audit.Channel.WEB,
) -> Resident:
    """Register a resident (a new caller at the hotline, a tenant moving in, a visit).

    Raises ValidationError (by field: name, sex, birth_year, phones, id_number,
    household, relation, care_tags) for bad input, NotAllowed/NotFound for role and
    scope. Nothing is written unless everything is valid.
    """
    require_role(acting_user, *policy.EDIT_ROLES)
    if household is not None:
        household = _household_in_scope(acting_user, household)
        if household.building.compound.grid.community_id != community.pk:
            raise ServiceError(_("The household is not in this community."))
    elif not policy.covers_community(acting_user, policy.EDIT_ROLES, community.pk):
        raise NotAllowed(_("Choose a household in your grid for the new resident."))

    errors: dict[str, list] = {}
    name = _clean_name(name, errors)
    sex = _clean_sex(sex, errors)
    birth_year = _clean_birth_year(birth_year, errors)
    phone_rows = _clean_phones(phones, errors)
    id_value = _clean_id(id_number, errors)
    sex, birth_year = _check_id_against(id_value, sex, birth_year, errors)
    tags = _care_tags(care_tags, errors)
    if relation and relation not in Relation.values:
        errors.setdefault("relation", []).append(_("Choose owner, tenant or family member."))
    if relation and household is None:
        errors.setdefault("household", []).append(_("Choose the household first."))
    if id_value and _id_taken(id_value, community):
        errors.setdefault("id_number", []).append(
            _("A resident with this ID number is already registered in this community.")
        )
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        resident = Resident(
            community=community,
            household=household,
            name=name,
            sex=sex,
            birth_year=birth_year,
            uses_smartphone=bool(uses_smartphone),
            is_party_member=bool(is_party_member),
            notes=(notes or "").strip(),
        )
        resident.set_id_number(id_value)
        refresh_search_fields(resident)
        resident.save()
        for position, (number, label) in enumerate(phone_rows):
            phone = Phone(resident=resident, label=label, is_primary=position == 0)
            phone.set_number(number)
            phone.save()
        if tags:
            resident.care_tags.set(tags)
        if household is not None:
            Membership.objects.create(
                resident=resident,
                household=household,
                relation=relation or _default_relation(household),
                start_date=moved_in_on or timezone.localdate(),
            )
        audit.record(
            acting_user,
            "resident.create",
            resident,
            after=resident_snapshot(resident),
            channel=channel,
        )
    return resident


# --- keeping records up to date ----------------------------------------------------


def _resident_in_scope(acting_user, resident: Resident, roles: tuple[str, ...]) -> Resident:
    found = (
        Resident.objects.visible_to(acting_user, roles=roles)
        .filter(pk=resident.pk)
        .select_related("household__building__compound__grid", "community")
        .first()
    )
    if found is None:
        raise NotFound(_("This resident does not exist or is outside your area."))
    return found


def _claim(resident: Resident, expected_updated_at) -> None:
    """Optimistic lock for edit forms: fail if someone saved the record meanwhile."""
    if expected_updated_at is None:
        return
    claimed = Resident.objects.filter(pk=resident.pk, updated_at=expected_updated_at).update(
        updated_at=timezone.now()
    )
    if not claimed:
        raise Conflict(
            _("Someone else changed this resident while you were editing. Reload and try again.")
        )


def update_resident(
    *,
    acting_user,
    resident: Resident,
    name: str | None = None,
    sex: str | None = None,
    birth_year=None,
    id_number: str | None = None,
    uses_smartphone: bool | None = None,
    is_party_member: bool | None = None,
    care_tags: Iterable | None = None,
    notes: str | None = None,
    expected_updated_at=None,
    channel: str = audit.Channel.WEB,
) -> Resident:
    """Correct a resident's record. Arguments left as None are not changed.

    An empty ``id_number`` keeps the stored number (forms never show it). Care tags
    change only for roles that may see them; ``expected_updated_at`` (from the edit
    form) turns a concurrent edit into a Conflict instead of a silent overwrite.
    """
    require_role(acting_user, *policy.EDIT_ROLES)
    resident = _resident_in_scope(acting_user, resident, policy.EDIT_ROLES)
    errors: dict[str, list] = {}
    before = resident_snapshot(resident)
    if name is not None:
        resident.name = _clean_name(name, errors)
    if sex is not None:
        resident.sex = _clean_sex(sex, errors)
    if birth_year is not None:
        resident.birth_year = _clean_birth_year(birth_year, errors)
    new_id = _clean_id(id_number, errors) if id_number else ""
    if new_id:
        resident.sex, resident.birth_year = _check_id_against(
            new_id, resident.sex, resident.birth_year, errors
        )
        if _id_taken(new_id, resident.community, exclude_pk=resident.pk):
            errors.setdefault("id_number", []).append(
                _("A resident with this ID number is already registered in this community.")
            )
    tags = None
    if care_tags is not None and policy.can_see_care_tags(acting_user, resident):
        tags = _care_tags(care_tags, errors)
    if errors:
        raise ValidationError(errors)
    if uses_smartphone is not None:
        resident.uses_smartphone = bool(uses_smartphone)
    if is_party_member is not None:
        resident.is_party_member = bool(is_party_member)
    if notes is not None:
        resident.notes = notes.strip()
    with transaction.atomic():
        _claim(resident, expected_updated_at)
        if new_id:
            resident.set_id_number(new_id)
        refresh_search_fields(resident)
        resident.save()
        if tags is not None:
            resident.care_tags.set(tags)
        audit.record(
            acting_user,
            "resident.update",
            resident,
            before=before,
            after=resident_snapshot(resident),
            channel=channel,
        )
    return resident


def add_phone(
    *,
    acting_user,
    resident: Resident,
    number: str,
    label: str = "",
    make_primary: bool = False,
    channel: str = audit.Channel.WEB,
) -> Phone:
    """Add a number the resident can be reached at (a child's mobile, a new landline)."""
    require_role(acting_user, *policy.EDIT_ROLES)
    resident = _resident_in_scope(acting_user, resident, policy.EDIT_ROLES)
    errors: dict[str, list] = {}
    cleaned = _clean_phones([(number, label)], errors)
    if not cleaned and not errors:
        errors["phones"] = [_("Please enter a phone number.")]
    if errors:
        raise ValidationError({"number": errors["phones"]})
    normalised, label = cleaned[0]
    index = pii.blind_index("phone", normalised)
    if resident.phones.filter(number_index=index).exists():
        raise ValidationError({"number": [_("This resident already has this number.")]})
    with transaction.atomic():
        first = not resident.phones.exists()
        if make_primary and not first:
            resident.phones.update(is_primary=False)
        phone = Phone(resident=resident, label=label, is_primary=first or make_primary)
        phone.set_number(normalised)
        phone.save()
        audit.record(
            acting_user,
            "resident.add_phone",
            resident,
            after={"phone": f"{phone.label} {phone.masked}"},
            channel=channel,
        )
    return phone


def remove_phone(*, acting_user, phone: Phone, channel: str = audit.Channel.WEB) -> None:
    """Remove a number that is no longer in use; the next one becomes primary."""
    require_role(acting_user, *policy.EDIT_ROLES)
    resident = _resident_in_scope(acting_user, phone.resident, policy.EDIT_ROLES)
    with transaction.atomic():
        deleted, _rows = Phone.objects.filter(pk=phone.pk, resident=resident).delete()
        if not deleted:
            raise Conflict(_("This number was already removed."))
        if phone.is_primary:
            successor = resident.phones.order_by("id").first()
            if successor:
                Phone.objects.filter(pk=successor.pk).update(is_primary=True)
        audit.record(
            acting_user,
            "resident.remove_phone",
            resident,
            before={"phone": f"{phone.label} {phone.masked}"},
            channel=channel,
        )


def add_emergency_contact(
    *,
    acting_user,
    resident: Resident,
    name: str,
    relation: str,
    number: str,
    channel: str = audit.Channel.WEB,
) -> EmergencyContact:
    """Someone to call when the resident does not answer (a child living elsewhere)."""
    require_role(acting_user, *policy.EDIT_ROLES)
    resident = _resident_in_scope(acting_user, resident, policy.EDIT_ROLES)
    errors: dict[str, list] = {}
    contact_name = " ".join((name or "").split())
    if not contact_name:
        errors["name"] = [_("Please enter the contact's name.")]
    relation = (relation or "").strip()
    if not relation:
        errors["relation"] = [_("Please say how the contact is related (e.g. 儿子).")]
    try:
        normalised = pii.validate_phone(number)
    except ValidationError as exc:
        errors["number"] = exc.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        contact = EmergencyContact(
            resident=resident, name=contact_name[:MAX_NAME], relation=relation[:20]
        )
        contact.set_number(normalised)
        contact.save()
        audit.record(
            acting_user,
            "resident.add_contact",
            resident,
            after={"contact": f"{contact} {contact.masked}"},
            channel=channel,
        )
    return contact


def remove_emergency_contact(
    *, acting_user, contact: EmergencyContact, channel: str = audit.Channel.WEB
) -> None:
    require_role(acting_user, *policy.EDIT_ROLES)
    resident = _resident_in_scope(acting_user, contact.resident, policy.EDIT_ROLES)
    with transaction.atomic():
        deleted, _rows = EmergencyContact.objects.filter(pk=contact.pk, resident=resident).delete()
        if not deleted:
            raise Conflict(_("This contact was already removed."))
        audit.record(
            acting_user,
            "resident.remove_contact",
            resident,
            before={"contact": f"{contact} {contact.masked}"},
            channel=channel,
        )


# --- moving in and out --------------------------------------------------------------


def _end_current_memberships(resident: Resident, on: dt.date) -> list[Membership]:
    ended = []
    for membership in resident.memberships.filter(end_date__isnull=True):
        # Conditional: two staff ending the same tenancy at once — one wins.
        if not Membership.objects.filter(pk=membership.pk, end_date__isnull=True).update(
            end_date=on
        ):
            raise Conflict(_("Someone else changed this resident's home just now. Reload."))
        membership.end_date = on
        ended.append(membership)
    return ended


def move_in(
    *,
    acting_user,
    resident: Resident,
    household: Household,
    relation: str,
    on: dt.date | None = None,
    channel: str = audit.Channel.WEB,
) -> Membership:
    """The resident now lives in ``household`` (a tenant moving in, a family move).

    The previous home's membership ends the day before; it stays as history.
    """
    require_role(acting_user, *policy.EDIT_ROLES)
    resident = _resident_in_scope(acting_user, resident, policy.EDIT_ROLES)
    household = _household_in_scope(acting_user, household)
    if household.building.compound.grid.community_id != resident.community_id:
        raise ServiceError(_("The household is not in this resident's community."))
    if relation not in Relation.values:
        raise ValidationError({"relation": [_("Choose owner, tenant or family member.")]})
    on = on or timezone.localdate()
    if on > timezone.localdate() + dt.timedelta(days=31):
        raise ValidationError({"on": [_("A move-in date more than a month ahead is a mistake.")]})
    if resident.household_id == household.pk and resident.moved_away_on is None:
        raise ServiceError(_("%(name)s already lives here.") % {"name": resident.name})
    before = resident_snapshot(resident)
    with transaction.atomic():
        _end_current_memberships(resident, on - dt.timedelta(days=1))
        membership = Membership.objects.create(
            resident=resident, household=household, relation=relation, start_date=on
        )
        resident.household = household
        resident.moved_away_on = None
        refresh_search_fields(resident)
        resident.save()
        audit.record(
            acting_user,
            "resident.move_in",
            resident,
            before=before,
            after=resident_snapshot(resident) | {"relation": relation},
            note=household.address,
            channel=channel,
        )
    return membership


def move_out(
    *,
    acting_user,
    resident: Resident,
    on: dt.date | None = None,
    leaves_community: bool = True,
    note: str = "",
    channel: str = audit.Channel.WEB,
) -> Resident:
    """The resident no longer lives in their household (a tenant's lease ended).

    Memberships end on ``on`` and are kept; with ``leaves_community`` the resident is
    marked as moved away (kept for history, found after current residents).
    """
    require_role(acting_user, *policy.EDIT_ROLES)
    resident = _resident_in_scope(acting_user, resident, policy.EDIT_ROLES)
    on = on or timezone.localdate()
    if resident.household_id is None and resident.moved_away_on:
        raise ServiceError(_("%(name)s has already moved away.") % {"name": resident.name})
    before = resident_snapshot(resident)
    with transaction.atomic():
        _end_current_memberships(resident, on)
        resident.household = None
        if leaves_community:
            resident.moved_away_on = on
        refresh_search_fields(resident)
        resident.save()
        audit.record(
            acting_user,
            "resident.move_out",
            resident,
            before=before,
            after=resident_snapshot(resident),
            note=note,
            channel=channel,
        )
    return resident


# --- revealing protected numbers ----------------------------------------------------

REVEALS_PER_HOUR = 60  # more than an operator's honest hour; stops quiet harvesting


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) < 2:
        raise ValidationError(
            {"reason": [_("Say why you need the full number (e.g. 回访, 联系家属).")]}
        )
    return reason[:200]


def _check_reveal_rate(acting_user) -> None:
    from accounts.models import AuditLog

    since = timezone.now() - dt.timedelta(hours=1)
    recent = AuditLog.objects.filter(
        actor=acting_user, action__startswith="resident.reveal", at__gte=since
    ).count()
    if recent >= REVEALS_PER_HOUR:
        raise NotAllowed(
            _("You have revealed %(count)d numbers in the last hour. Ask a leader for help.")
            % {"count": recent}
        )


def reveal_phone(
    *,
    acting_user,
    phone: Phone | EmergencyContact,
    reason: str,
    channel: str = audit.Channel.WEB,
) -> str:
    """The full number of one of a resident's phones or emergency contacts.

    Writes ``resident.reveal_phone`` (or ``resident.reveal_contact_phone``) to the
    audit log — who, whose, which number (masked), why, when — before answering.
    """
    require_role(acting_user, *policy.REVEAL_PHONE_ROLES)
    resident = _resident_in_scope(acting_user, phone.resident, policy.REVEAL_PHONE_ROLES)
    reason = _clean_reason(reason)
    _check_reveal_rate(acting_user)
    is_contact = isinstance(phone, EmergencyContact)
    label = f"{phone.name}（{phone.relation}）" if is_contact else phone.label
    with transaction.atomic():
        audit.record(
            acting_user,
            "resident.reveal_contact_phone" if is_contact else "resident.reveal_phone",
            resident,
            after={
                "field": "emergency_contact" if is_contact else "phone",
                "id": phone.pk,
                "label": label,
                "masked": phone.masked,
            },
            note=reason,
            channel=channel,
        )
    return phone.reveal()


def reveal_id_number(
    *, acting_user, resident: Resident, reason: str, channel: str = audit.Channel.WEB
) -> str:
    """The full ID number, logged as ``resident.reveal_id_number`` with the reason."""
    require_role(acting_user, *policy.REVEAL_ID_ROLES)
    resident = _resident_in_scope(acting_user, resident, policy.REVEAL_ID_ROLES)
    if not resident.id_number_encrypted:
        raise ServiceError(_("No ID number is recorded for this resident."))
    reason = _clean_reason(reason)
    _check_reveal_rate(acting_user)
    with transaction.atomic():
        audit.record(
            acting_user,
            "resident.reveal_id_number",
            resident,
            after={"field": "id_number", "masked": resident.id_number_masked},
            note=reason,
            channel=channel,
        )
    return pii.decrypt(resident.id_number_encrypted)


# --- Excel import and export ----------------------------------------------------------


class ImportRejected(ServiceError):
    """Some rows are invalid and the user did not ask to import only the valid ones."""

    code = "import_rejected"

    def __init__(self, check):
        self.check = check
        super().__init__(
            _("%(count)d rows have errors; nothing was imported.") % {"count": len(check.rejected)}
        )


def _import_scope(acting_user, community) -> None:
    require_role(acting_user, *policy.IMPORT_ROLES)
    if not policy.covers_community(acting_user, policy.IMPORT_ROLES, community.pk):
        raise NotFound(_("This community does not exist or is outside your area."))


def _read(data: bytes):
    from people import excel

    try:
        return excel.read_rows(data)
    except excel.ImportFileError as exc:
        raise ServiceError(str(exc), code="bad_file") from None


def check_import(*, acting_user, community, data: bytes):
    """Validate an import file row by row without writing anything (the preview)."""
    from people import excel

    _import_scope(acting_user, community)
    return excel.check_rows(_read(data), acting_user=acting_user, community=community)


def import_residents(
    *,
    acting_user,
    community,
    data: bytes,
    only_valid: bool = False,
    file_name: str = "",
    channel: str = audit.Channel.WEB,
):
    """Import households and residents from an .xlsx in the template's format.

    Every row is checked first. If any row is invalid, nothing is written and
    ImportRejected carries the check (row-by-row errors) — unless ``only_valid``,
    in which case the valid rows are written and the others are returned in the
    check for download. Returns (check, counts).
    """
    from django.db import IntegrityError

    from people import excel

    _import_scope(acting_user, community)
    rows = _read(data)
    try:
        with transaction.atomic():
            # Checked inside the transaction, so two imports at once cannot both
            # create the same household.
            check = excel.check_rows(rows, acting_user=acting_user, community=community)
            if check.rejected and not only_valid:
                raise ImportRejected(check)
            if not check.valid:
                raise ImportRejected(check)
            counts = excel.write_rows(
                check.valid, acting_user=acting_user, community=community, channel=channel
            )
            counts["rejected"] = len(check.rejected)
            audit.record(
                acting_user,
                "resident.import_file",
                object_type="people.import",
                object_repr=(file_name or "import.xlsx")[:200],
                community_id=community.pk,
                after=counts,
                channel=channel,
            )
    except IntegrityError:
        raise Conflict(
            _("Someone else changed the same households meanwhile. Upload the file again.")
        ) from None
    return check, counts


def export_residents(
    *,
    acting_user,
    community,
    compound=None,
    full_values: bool = False,
    reason: str = "",
    channel: str = audit.Channel.WEB,
) -> bytes:
    """The residents of a community (or one compound) in the acting user's scope, as .xlsx.

    Phone and ID numbers are masked unless ``full_values`` — allowed to leaders and
    administrators only, with a reason. Every export is written to the audit log.
    """
    from people import excel

    require_role(acting_user, *policy.EXPORT_ROLES)
    if not policy.covers_community(acting_user, policy.EXPORT_ROLES, community.pk):
        raise NotFound(_("This community does not exist or is outside your area."))
    if full_values:
        if not policy.covers_community(acting_user, policy.FULL_EXPORT_ROLES, community.pk):
            raise NotAllowed(_("Only leaders and administrators may export full numbers."))
        reason = _clean_reason(reason)
    residents = (
        Resident.objects.visible_to(acting_user, roles=policy.EXPORT_ROLES)
        .filter(community=community)
        .select_related("household__building__compound")
        .prefetch_related("phones", "care_tags", "memberships")
        .order_by("household__building__compound__name", "household_id", "id")
    )
    if compound is not None:
        residents = residents.filter(household__building__compound=compound)
    count = residents.count()
    title = f"{community.name} {compound.name if compound else ''} 居民名册 {timezone.localdate()}"
    with transaction.atomic():
        audit.record(
            acting_user,
            "resident.export",
            object_type="people.export",
            object_repr=title[:200],
            community_id=community.pk,
            after={
                "count": count,
                "compound": compound.pk if compound else None,
                "full_values": bool(full_values),
            },
            note=reason,
            channel=channel,
        )
    return excel.export_workbook(
        residents.iterator(chunk_size=2000),
        full_values=full_values,
        care_tags=policy.can_see_care_tags(acting_user),
        title=title,
    )
