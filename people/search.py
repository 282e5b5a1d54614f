"""The one search box the hotline leans on: find a resident by whatever the caller says.

A query is split into terms, and each term is read the way a caller means it:

- a full phone number (7+ digits) or ID number → the keyed blind index (exact);
- four digits alone → the last four of a phone or ID number;
- ``3-2-401`` / ``3号楼`` / ``2单元`` / ``401`` / a compound's name (供销巷) → the
  address: all address terms together pick households;
- Latin letters → full pinyin or initials of the name (prefix);
- other Chinese → the name (prefix).

Every term must match (AND). Each part is resolved through an index into a short
list of ids first, so the final query filters the resident table on its own indexed
columns and never scans it (bench/people_search.py measures this at a million
residents). Exact name matches are fetched first, then prefix matches; candidates
are ranked in Python and only the best ``limit`` are loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, Q, Value
from django.db.models.functions import Collate
from django.db.models.lookups import GreaterThanOrEqual, LessThan

from linli.lib import pii
from people.models import Phone, Resident
from people.text import building_number

CANDIDATES = 200  # per tier: enough to rank, few enough to stay fast
MAX_HOUSEHOLDS = 3000  # an address broader than this is too vague to be useful
FEW_HOUSEHOLDS = 500  # on PostgreSQL, more than this go to the database as a subquery
ADDRESS_ONLY_HOUSEHOLDS = CANDIDATES // 2  # an address alone: enough households for the candidates
_TERM = re.compile(
    r"\d+(?:-\d+)+"  # door label 3-2-401
    r"|\d+(?:号楼|号院|栋|幢|单元|室|号)?"  # numbers, with a building/unit/room suffix
    r"|[A-Za-z]+"  # pinyin or initials
    r"|[^\sA-Za-z\d\-]+"  # Chinese words
)
_PHONE_CHARS = re.compile(r"[\s\-+()（）]")
_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")
_BUILDING_SUFFIXES = ("号楼", "号院", "栋", "幢")


def _bytes(field_name: str):
    """The column compared in byte order: COLLATE "C" on PostgreSQL (served by the
    indexes of people migration 0005), the column itself on SQLite, which compares
    bytes already."""
    if connection.vendor == "postgresql":
        return Collate(F(field_name), "C")
    return F(field_name)


def prefix(field_name: str, value: str) -> Q:
    """An index-friendly prefix match: a range in byte order, which one index serves
    together with ``ordered_by`` (SQLite uses an index for LIKE only under NOCASE;
    PostgreSQL's LIKE cannot use an index that also gives the order)."""
    column = _bytes(field_name)
    return Q(GreaterThanOrEqual(column, Value(value))) & Q(
        LessThan(column, Value(value + "\U0010ffff"))
    )


def ordered_by(field_name: str):
    """The order that goes with ``prefix``: the first rows of the same index."""
    return _bytes(field_name).asc()


def building_names(number: str) -> list[str]:
    """The ways a building numbered ``number`` may be named: 3号楼, 3号院, 3栋 …"""
    return [number + suffix for suffix in _BUILDING_SUFFIXES] + [number]


@dataclass
class Parsed:
    """What a query asks for, term by term."""

    phone: str = ""  # normalised full number
    id_number: str = ""
    last4: str = ""
    latin: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    compounds: list[list[int]] = field(default_factory=list)  # one id list per term
    place_words: list[str] = field(default_factory=list)
    buildings: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    rooms: list[str] = field(default_factory=list)
    doors: list[list[str]] = field(default_factory=list)

    @property
    def has_address(self) -> bool:
        return bool(self.compounds or self.buildings or self.units or self.rooms or self.doors)

    @property
    def is_empty(self) -> bool:
        return not (
            self.phone or self.id_number or self.last4 or self.latin or self.names
        ) and not (self.has_address)


def _compound_ids(text: str, acting_user) -> list[int]:
    """Compounds in the user's scope whose name contains ``text`` (供销巷 → 供销巷小区).

    A community has tens of compounds and a county a few thousand: a substring
    scan of that small table is cheaper than an index would be.
    """
    from places.models import Compound

    if len(text) < 2:
        return []
    return list(
        Compound.objects.visible_to(acting_user)
        .filter(name__contains=text)
        .order_by()
        .values_list("id", flat=True)[:50]
    )


def parse(query: str, acting_user) -> Parsed:
    """Turn what the operator typed into the parts of a search."""
    parsed = Parsed()
    query = (query or "").strip()
    compact = _PHONE_CHARS.sub("", query)
    if _ID_LIKE.match(compact):
        parsed.id_number = compact.upper()
        return parsed
    if compact.isdigit() and len(compact) >= 7:
        parsed.phone = pii.normalise_phone(compact)
        return parsed
    terms = _TERM.findall(query)[:8]
    if terms and all(t.isascii() and t.isalpha() for t in terms):
        terms = ["".join(terms)]  # "wang xiu lan" is one name in pinyin
    numbers = []
    for term in terms:
        if term[0].isdigit() and "-" in term:
            parsed.doors.append(term.split("-"))
        elif term[0].isdigit():
            if term.endswith(_BUILDING_SUFFIXES):
                parsed.buildings.append(building_number(term))
            elif term.endswith("单元"):
                parsed.units.append(term.removesuffix("单元"))
            elif term.endswith(("室", "号")):
                parsed.rooms.append(term.rstrip("室号"))
            else:
                numbers.append(term)
        elif term.isascii():
            parsed.latin.append(term.lower())
        else:
            ids = _compound_ids(term, acting_user)
            if ids:
                parsed.compounds.append(ids)
                parsed.place_words.append(term)
            else:
                parsed.names.append(term)
    for number in numbers:
        # Four digits alone are the end of a phone number; next to an address they
        # are a room; short numbers are buildings, longer ones rooms.
        if len(number) == 4 and not parsed.has_address and not parsed.last4:
            parsed.last4 = number
        elif len(number) <= 2:
            parsed.buildings.append(number)
        else:
            parsed.rooms.append(number)
    return parsed


def _household_ids(parsed: Parsed, acting_user):
    """The households the address terms pick: a list of ids on SQLite (an IN over a
    subquery would make it scan the resident table), and on PostgreSQL too when they
    are few; many go as a subquery there (the driver would spend more time spelling
    out thousands of ids than the database takes to join them)."""
    from places.models import Household

    households = Household.objects.visible_to(acting_user)
    for ids in parsed.compounds:
        households = households.filter(building__compound_id__in=ids)
    for number in parsed.buildings:
        households = households.filter(building__name__in=building_names(number))
    for unit in parsed.units:
        households = households.filter(unit=unit)
    for room in parsed.rooms:
        households = households.filter(room=room)
    for parts in parsed.doors:
        q = Q(building__name__in=building_names(parts[0]))
        if len(parts) == 2:  # 3-401 (no unit) or 3-2 (building and unit)
            q &= Q(room=parts[1]) | Q(unit=parts[1])
        else:
            q &= Q(unit=parts[1], room="-".join(parts[2:]))
        households = households.filter(q)
    picked = households.order_by().values_list("id", flat=True)
    if not (parsed.phone or parsed.id_number or parsed.last4 or parsed.names or parsed.latin):
        # The address is all there is: every household it picks is an equally good
        # match, and the candidates (``CANDIDATES`` residents, two or so a household)
        # come from the first hundred anyway (with a name as well, the named person
        # may live in any of them).
        return list(picked[:ADDRESS_ONLY_HOUSEHOLDS])
    if connection.vendor == "postgresql":
        few = list(picked[: FEW_HOUSEHOLDS + 1])
        return few if len(few) <= FEW_HOUSEHOLDS else picked[:MAX_HOUSEHOLDS]
    return list(picked[:MAX_HOUSEHOLDS])


def _filters(parsed: Parsed, acting_user) -> tuple[Q, list[tuple[Q, str]]] | None:
    """The exact filter and the prefix tiers (filter, ordering) on the resident table,
    or None when nothing can match."""
    exact = Q()
    broad = Q()
    if parsed.phone:
        index = pii.blind_index("phone", parsed.phone)
        ids = list(
            Phone.objects.filter(number_index=index)
            .order_by()
            .values_list("resident_id", flat=True)
        )
        if not ids:
            return None
        exact &= Q(pk__in=ids)
        broad &= Q(pk__in=ids)
    if parsed.id_number:
        q = Q(id_number_index=pii.blind_index("id", parsed.id_number))
        exact &= q
        broad &= q
    if parsed.last4:
        # Two indexed lookups resolved to ids: an OR across them would make SQLite
        # scan the resident table.
        ids = set(
            Phone.objects.filter(last4_index=pii.blind_index("phone4", parsed.last4))
            .order_by()
            .values_list("resident_id", flat=True)[:2000]
        )
        ids.update(
            Resident.objects.filter(id_number_last4_index=pii.blind_index("id4", parsed.last4))
            .order_by()
            .values_list("id", flat=True)[:2000]
        )
        if not ids:
            return None
        exact &= Q(pk__in=sorted(ids))
        broad &= Q(pk__in=sorted(ids))
    if parsed.has_address:
        households = _household_ids(parsed, acting_user)
        if not households:
            return None
        q = Q(household_id__in=households)
        exact &= q
        broad &= q
    for name in parsed.names:
        exact &= Q(name=name)
        broad &= prefix("name", name)
    for latin in parsed.latin:
        exact &= Q(name_pinyin=latin) | Q(name_initials=latin)
    # The prefix tiers, each with the ordering of its own index, so that even "w"
    # (a sixth of everyone) is answered by reading the first rows of one index
    # instead of collecting and sorting every match.
    if len(parsed.latin) == 1:
        latin = parsed.latin[0]
        tiers = [
            (broad & prefix("name_pinyin", latin), "name_pinyin"),
            (broad & prefix("name_initials", latin), "name_initials"),
        ]
    elif parsed.latin:
        for latin in parsed.latin:
            broad &= prefix("name_pinyin", latin) | prefix("name_initials", latin)
        tiers = [(broad, "name_pinyin")]
    elif parsed.names:
        tiers = [(broad, "name")]
    else:
        tiers = []  # phone, ID, last four, address: the exact tier is everything
    return exact, tiers


def _score(parsed: Parsed, row: dict) -> int:
    """How well one candidate matches (higher is better)."""
    score = 0
    if parsed.phone or parsed.id_number:
        score += 100
    if parsed.last4:
        score += 85
    if parsed.has_address:
        score += 40
    for latin in parsed.latin:
        score += 80 if latin in (row["name_pinyin"], row["name_initials"]) else 50
    for name in parsed.names:
        score += 90 if row["name"] == name else 60
    return score


def rank(parsed: Parsed, rows: list[dict]) -> list[int]:
    def key(row):
        gone = row["moved_away_on"] is not None
        return (-_score(parsed, row), gone, len(row["name"]), row["name_pinyin"], row["id"])

    return [row["id"] for row in sorted(rows, key=key)]


_FIELDS = ("id", "name", "name_pinyin", "name_initials", "moved_away_on")


def _tiers_lead_with_exact(parsed: Parsed) -> bool:
    """True when the prefix tiers return the exact matches first by themselves, so the
    exact tier would only read them again: one name, or one word of pinyin, alone
    (an exact value is the first of its prefix range in the tier's own order)."""
    one_name = len(parsed.names) == 1 and not parsed.latin
    one_latin = len(parsed.latin) == 1 and not parsed.names
    return one_name or one_latin


def search(base, query: str, *, acting_user, limit: int = 20) -> list[int]:
    """Ids of the best matches in ``base`` (already scoped), best first."""
    parsed = parse(query, acting_user)
    if parsed.is_empty:
        return []
    filters = _filters(parsed, acting_user)
    if filters is None:
        return []
    exact, tiers = filters
    rows = {}
    if not _tiers_lead_with_exact(parsed):
        rows = {r["id"]: r for r in base.filter(exact).order_by().values(*_FIELDS)[:CANDIDATES]}
    for q, ordering in tiers:
        for row in base.filter(q).order_by(ordered_by(ordering)).values(*_FIELDS)[:CANDIDATES]:
            rows.setdefault(row["id"], row)
    return rank(parsed, list(rows.values()))[:limit]


__all__ = ["Resident", "building_names", "parse", "prefix", "rank", "search"]
