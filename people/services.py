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
from linli.lib.errors import NotAllowed, NotFound, ServiceError
from people import policy, search, text
from people.models import CareTag, Membership, Phone, Resident
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
    found = Resident.objects.filter(pk__in=ids).for_cards().in_bulk()
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
