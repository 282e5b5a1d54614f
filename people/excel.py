"""Excel import and export of households and residents (openpyxl).

The template has one row per resident; the household columns repeat for everyone
who lives there. Import validates every row first and writes nothing unless the
whole file is valid — or, when the user asks, only the valid rows, with the others
returned as a workbook of rejected rows carrying their errors. Everything is
written in bulk inside one transaction (100,000 rows in well under a minute, see
bench/people_import.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from linli.lib import pii
from people import text
from people.models import CareTag, Membership, Phone, Resident
from places.models import Household

# (key, header in the template, example value, note)
COLUMNS = [
    ("compound", "小区", "供销巷小区", "必填；须为本社区已有小区的全称"),
    ("building", "楼栋", "3号楼", "必填；平房院落写 1号院"),
    ("unit", "单元", "2", "可空"),
    ("room", "房号", "401", "必填"),
    ("area", "建筑面积(m²)", "86.5", "新户必填，如 86.5"),
    ("occupancy", "居住状态", "自住", "自住 / 出租 / 空置，默认自住"),
    ("use", "用途", "住宅", "住宅 / 门面房，默认住宅"),
    ("name", "姓名", "王秀兰", "必填"),
    ("sex", "性别", "女", "男 / 女，可空"),
    ("birth_year", "出生年份", "1948", "四位年份，可空"),
    ("relation", "与户关系", "产权人", "产权人 / 租户 / 家庭成员，可空"),
    ("phone1", "电话1", "13800001234", "手机11位或座机（区号-号码）"),
    ("phone1_label", "电话1说明", "本人", "如 本人、女儿、家中座机"),
    ("phone2", "电话2", "", "可空"),
    ("phone2_label", "电话2说明", "", "可空"),
    ("id_number", "身份证号", "", "可空；请设为文本格式，18位"),
    ("smartphone", "会用智能手机", "否", "是 / 否"),
    ("care_tags", "关怀标签", "独居、高龄", "用顿号或逗号分隔，须为系统中已有标签"),
    ("party", "党员", "否", "是 / 否"),
    ("notes", "备注", "", "可空"),
]
HEADERS = {header: key for key, header, _example, _note in COLUMNS}
KEYS = [key for key, *_rest in COLUMNS]
ERROR_HEADER = "错误"
MAX_ROWS = 200_000

OCCUPANCY = {
    "自住": Household.Occupancy.OWNER,
    "出租": Household.Occupancy.RENTED,
    "空置": Household.Occupancy.VACANT,
    **{v: v for v in Household.Occupancy.values},
}
USE = {"住宅": Household.Use.HOME, "门面房": Household.Use.SHOP, "门面": Household.Use.SHOP}
USE.update({v: v for v in Household.Use.values})
SEX = {"男": "M", "女": "F", "M": "M", "F": "F", "m": "M", "f": "F"}
RELATION = {
    "产权人": Membership.Relation.OWNER,
    "户主": Membership.Relation.OWNER,
    "业主": Membership.Relation.OWNER,
    "租户": Membership.Relation.TENANT,
    "家庭成员": Membership.Relation.FAMILY,
    "家属": Membership.Relation.FAMILY,
    **{v: v for v in Membership.Relation.values},
}
YES = {"是", "y", "yes", "1", "true", "会", "√"}
NO = {"否", "n", "no", "0", "false", "不会", ""}


class ImportFileError(Exception):
    """The file cannot be read as the template (not .xlsx, headers missing)."""


@dataclass
class Row:
    number: int  # the row number in the sheet (header is row 1)
    raw: dict
    errors: list[str] = field(default_factory=list)
    clean: dict = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


@dataclass
class ImportCheck:
    rows: list[Row]

    @property
    def valid(self) -> list[Row]:
        return [r for r in self.rows if r.is_valid]

    @property
    def rejected(self) -> list[Row]:
        return [r for r in self.rows if not r.is_valid]


# --- reading ----------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rows_openpyxl(data: bytes):
    """(row number, values) through openpyxl: slower, reads what the fast reader cannot."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise ImportFileError(_("This is not an Excel .xlsx file.")) from exc
    try:
        for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), 1):
            yield number, [_cell(v) for v in values]
    finally:
        workbook.close()


def read_rows(data: bytes) -> list[Row]:
    """The rows of the first sheet, keyed by template column."""
    from people import xlsx

    try:
        return _rows_from(xlsx.iter_rows(data))
    except xlsx.UnreadableSheet:
        return _rows_from(_rows_openpyxl(data))


def _rows_from(lines) -> list[Row]:
    header = None
    for _number, values in lines:
        header = values
        break
    if header is None:
        raise ImportFileError(_("The sheet is empty."))
    positions = {}
    for position, title in enumerate(header):
        title = _cell(title)
        key = HEADERS.get(title) or (title if title in KEYS else None)
        if key:
            positions[key] = position
    missing = [h for k, h, *_r in COLUMNS if k in REQUIRED and k not in positions]
    if missing:
        raise ImportFileError(
            _("Columns missing from the header row: %(columns)s. Use the template.")
            % {"columns": "、".join(missing)}
        )
    rows = []
    for number, values in lines:
        width = len(values)
        raw = {key: values[pos] if pos < width else "" for key, pos in positions.items()}
        if any(raw.values()):
            rows.append(Row(number, raw))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(
                    _("A file may hold at most %(max)d rows; split it.") % {"max": MAX_ROWS}
                )
    return rows


REQUIRED = ("compound", "building", "room", "name")


# --- checking ---------------------------------------------------------------------------


class _Places:
    """The community's compounds, buildings and households, loaded once."""

    def __init__(self, acting_user, community):
        from places.models import Building, Compound

        compounds = Compound.objects.visible_to(acting_user).filter(grid__community=community)
        self.compounds = {c.name: c for c in compounds}
        self.buildings = {
            (b.compound_id, b.name): b
            for b in Building.objects.filter(compound__in=list(self.compounds.values()))
        }
        self.households = {
            (h.building_id, h.unit, h.room): h
            for h in Household.objects.filter(
                building__compound__in=list(self.compounds.values())
            ).only("id", "building_id", "unit", "room", "occupancy")
        }


def _yes(value: str, row: Row, header: str) -> bool:
    lowered = value.lower()
    if lowered in YES:
        return True
    if lowered not in NO:
        row.errors.append(_("%(column)s: write 是 or 否.") % {"column": header})
    return False


def _area(value: str, row: Row) -> int | None:
    try:
        area = Decimal(value.replace("㎡", "").replace("m²", "").strip())
    except InvalidOperation:
        row.errors.append(
            _("%(column)s: %(value)s is not a number.")
            % {"column": _header("area"), "value": value}
        )
        return None
    if not 0 < area <= 10000:
        row.errors.append(
            _("%(column)s: enter the floor area in m², e.g. 86.5.") % {"column": _header("area")}
        )
        return None
    return int((area * 100).to_integral_value())


def check_rows(rows: list[Row], *, acting_user, community) -> ImportCheck:
    """Validate every row (nothing is written) and resolve what it refers to."""
    places = _Places(acting_user, community)
    tags = {t.name: t for t in CareTag.objects.all()} | {t.code: t for t in CareTag.objects.all()}
    existing_ids = set(
        Resident.objects.filter(community=community)
        .exclude(id_number_index="")
        .values_list("id_number_index", flat=True)
    )
    existing_people = set(
        Resident.objects.filter(community=community, household__isnull=False).values_list(
            "household_id", "name"
        )
    )
    seen_ids: dict[str, int] = {}
    areas: dict[tuple, int] = {}
    needs_area: dict[tuple, list[Row]] = {}
    seen_people: dict[tuple, int] = {}
    this_year = timezone.localdate().year
    for row in rows:
        raw = row.raw
        clean = row.clean
        for key in REQUIRED:
            if not raw.get(key):
                row.errors.append(_("%(column)s is required.") % {"column": _header(key)})
        compound = places.compounds.get(raw.get("compound", ""))
        if raw.get("compound") and compound is None:
            row.errors.append(
                _("%(column)s: %(name)s is not a compound of this community (or not in your area).")
                % {"column": _header("compound"), "name": raw["compound"]}
            )
        clean["compound"] = compound
        clean["unit"] = raw.get("unit", "")[:10]
        clean["room"] = raw.get("room", "")[:10]
        clean["building_name"] = raw.get("building", "")[:30]
        building = places.buildings.get((compound.pk, clean["building_name"])) if compound else None
        household = (
            places.households.get((building.pk, clean["unit"], clean["room"])) if building else None
        )
        clean["building"] = building
        clean["household"] = household
        clean["occupancy"] = OCCUPANCY.get(raw.get("occupancy", "") or "自住")
        if clean["occupancy"] is None:
            row.errors.append(
                _("%(column)s: write 自住, 出租 or 空置.") % {"column": _header("occupancy")}
            )
        clean["use"] = USE.get(raw.get("use", "") or "住宅")
        if clean["use"] is None:
            row.errors.append(_("%(column)s: write 住宅 or 门面房.") % {"column": _header("use")})
        if household is None and compound is not None and raw.get("room"):
            key = (compound.pk, clean["building_name"], clean["unit"], clean["room"])
            clean["new_household_key"] = key
            if raw.get("area"):
                area = _area(raw["area"], row)
                if area:
                    areas.setdefault(key, area)
            else:
                needs_area.setdefault(key, []).append(row)

        errors: dict[str, list] = {}
        name = " ".join(raw.get("name", "").split())
        if len(name) > 30:
            row.errors.append(_("%(column)s: at most 30 characters.") % {"column": _header("name")})
        clean["name"] = name
        sex = raw.get("sex", "")
        clean["sex"] = SEX.get(sex, "") if sex else ""
        if sex and sex not in SEX:
            row.errors.append(_("%(column)s: write 男 or 女.") % {"column": _header("sex")})
        year = raw.get("birth_year", "")
        clean["birth_year"] = None
        if year:
            if year.isdigit() and 1900 <= int(year) <= this_year:
                clean["birth_year"] = int(year)
            else:
                row.errors.append(
                    _("%(column)s: a four-digit year, e.g. 1948.")
                    % {"column": _header("birth_year")}
                )
        relation = raw.get("relation", "")
        clean["relation"] = RELATION.get(relation) if relation else None
        if relation and clean["relation"] is None:
            row.errors.append(
                _("%(column)s: write 产权人, 租户 or 家庭成员.") % {"column": _header("relation")}
            )
        phones = []
        for key in ("phone1", "phone2"):
            if raw.get(key):
                try:
                    number = pii.validate_phone(raw[key])
                except ValidationError as exc:
                    row.errors.append(f"{_header(key)}: {exc.messages[0]}")
                    continue
                label = (raw.get(f"{key}_label") or "本人")[:20]
                if number not in [p for p, _label in phones]:
                    phones.append((number, label))
        clean["phones"] = phones
        id_value = raw.get("id_number", "")
        clean["id_number"] = ""
        if id_value:
            if "E+" in id_value.upper() or "." in id_value:
                row.errors.append(
                    _(
                        "%(column)s: the cell was stored as a number and lost digits; "
                        "format the column as text."
                    )
                    % {"column": _header("id_number")}
                )
            else:
                try:
                    clean["id_number"] = pii.validate_id_number(id_value)
                except ValidationError as exc:
                    row.errors.append(f"{_header('id_number')}: {exc.messages[0]}")
        if clean["id_number"]:
            from people.services import _check_id_against

            clean["sex"], clean["birth_year"] = _check_id_against(
                clean["id_number"], clean["sex"], clean["birth_year"], errors
            )
            index = pii.blind_index("id", clean["id_number"])
            clean["id_index"] = index
            if index in existing_ids:
                row.errors.append(
                    _("%(column)s: this person is already registered.")
                    % {"column": _header("id_number")}
                )
            elif index in seen_ids:
                row.errors.append(
                    _("%(column)s: the same number is on row %(row)d.")
                    % {"column": _header("id_number"), "row": seen_ids[index]}
                )
            else:
                seen_ids[index] = row.number
        for messages in errors.values():
            row.errors.extend(messages)
        if household is not None and (household.pk, name) in existing_people:
            row.errors.append(
                _("%(name)s is already registered in this household.") % {"name": name}
            )
        person_key = (
            raw.get("compound"),
            clean["building_name"],
            clean["unit"],
            clean["room"],
            name,
        )
        if name and person_key in seen_people:
            row.errors.append(
                _("The same person in the same household is on row %(row)d.")
                % {"row": seen_people[person_key]}
            )
        elif name:
            seen_people[person_key] = row.number
        clean["smartphone"] = _yes(raw.get("smartphone", ""), row, "会用智能手机")
        clean["party"] = _yes(raw.get("party", ""), row, "党员")
        wanted = [t for t in _split_tags(raw.get("care_tags", ""))]
        unknown = [t for t in wanted if t not in tags]
        if unknown:
            row.errors.append(
                _("%(column)s: unknown tag %(tags)s.")
                % {"column": _header("care_tags"), "tags": "、".join(unknown)}
            )
        clean["care_tags"] = [tags[t] for t in wanted if t in tags]
        clean["notes"] = raw.get("notes", "")
    for key, waiting in needs_area.items():
        if key not in areas:
            for row in waiting:
                row.errors.append(
                    _("%(column)s is required for a household not yet registered.")
                    % {"column": _header("area")}
                )
    for row in rows:
        key = row.clean.get("new_household_key")
        if key:
            row.clean["area"] = areas.get(key)
    return ImportCheck(rows)


def _split_tags(value: str) -> list[str]:
    for separator in ("、", "，", ";", "；", " "):
        value = value.replace(separator, ",")
    return [t.strip() for t in value.split(",") if t.strip()]


def _header(key: str) -> str:
    return next(header for k, header, *_rest in COLUMNS if k == key)


# --- writing ----------------------------------------------------------------------------


def _reserve_ids(model, count: int) -> list[int]:
    """Primary keys for ``count`` new rows, taken before inserting them.

    PostgreSQL hands them out from the table's sequence. On SQLite the import's
    transaction began IMMEDIATE, so it holds the write lock and nobody else can
    insert before it: the next ids are simply those above the current maximum.
    """
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quote(table)}")  # noqa: S608
        first = cursor.fetchone()[0] + 1
        return list(range(first, first + count))


def _insert_objects(model, fields: list[str], objects: list) -> None:
    """Insert unsaved model instances with reserved ids, without Django's per-field
    bulk_create machinery; the instances get their ``pk``."""
    if not objects:
        return
    ops = connection.ops
    getters = []
    for name in fields:
        field = model._meta.get_field(name)
        internal = field.get_internal_type()
        if internal == "DateTimeField":
            getters.append(lambda o, a=field.attname: ops.adapt_datetimefield_value(getattr(o, a)))
        elif internal == "DateField":
            getters.append(lambda o, a=field.attname: ops.adapt_datefield_value(getattr(o, a)))
        else:
            getters.append(lambda o, a=field.attname: _plain(getattr(o, a)))
    ids = _reserve_ids(model, len(objects))
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
    rows = [(obj.pk, *(get(obj) for get in getters)) for obj in objects]
    _insert(model, ["id", *fields], rows)


def _plain(value):
    # TextChoices members are str subclasses; the database drivers want plain values.
    return str(value) if isinstance(value, str) else value


def _insert(model, fields: list[str], rows: list[tuple], batch: int = 5000) -> None:
    """INSERT plain rows (already in database form) into ``model``'s table."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
    if connection.vendor == "postgresql":
        # COPY streams the rows in one statement; executemany would have the server
        # parse and run one INSERT per row (about half the import's time at 100,000).
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, rows[start : start + batch])


def write_rows(rows: list[Row], *, acting_user, community, channel: str) -> dict:
    """Create the households and residents of already checked rows, in bulk.

    The caller holds the transaction. Returns counts for the audit row.
    """
    from accounts.models import AuditLog
    from places.models import Building

    today = timezone.localdate()
    # Buildings and households that do not exist yet, created once each.
    new_buildings: dict[tuple, Building] = {}
    for row in rows:
        c = row.clean
        if c["building"] is None:
            key = (c["compound"].pk, c["building_name"])
            if key not in new_buildings:
                new_buildings[key] = Building(
                    compound=c["compound"], name=c["building_name"], floors=1
                )
    Building.objects.bulk_create(list(new_buildings.values()), batch_size=1000)
    new_households: dict[tuple, Household] = {}
    for row in rows:
        c = row.clean
        if c["building"] is None:
            c["building"] = new_buildings[(c["compound"].pk, c["building_name"])]
        if c["household"] is None:
            key = (c["building"].pk, c["unit"], c["room"])
            if key not in new_households:
                new_households[key] = Household(
                    building=c["building"],
                    unit=c["unit"],
                    room=c["room"],
                    floor_area_centi_m2=c.get("area") or 0,
                    occupancy=c["occupancy"],
                    use=c["use"],
                )
            c["household"] = new_households[key]
    _insert_objects(
        Household,
        ["building", "unit", "room", "floor_area_centi_m2", "occupancy", "use"],
        list(new_households.values()),
    )

    pinyin_cache: dict[str, tuple[str, str]] = {}
    residents = []
    for row in rows:
        c = row.clean
        household = c["household"]
        household.building = c["building"]
        c["building"].compound = c["compound"]
        if c["name"] not in pinyin_cache:
            pinyin_cache[c["name"]] = (text.name_pinyin(c["name"]), text.name_initials(c["name"]))
        pinyin, initials = pinyin_cache[c["name"]]
        resident = Resident(
            community=community,
            household=household,
            name=c["name"],
            name_pinyin=pinyin,
            name_initials=initials,
            sex=c["sex"],
            birth_year=c["birth_year"],
            uses_smartphone=c["smartphone"],
            is_party_member=c["party"],
            notes=c["notes"],
            search_text=text.search_text(c["name"], pinyin, initials, household),
        )
        if c["id_number"]:
            resident.set_id_number(c["id_number"])
        residents.append(resident)
    stamp = timezone.now()
    for resident in residents:
        resident.created_at = resident.updated_at = stamp
    _insert_objects(
        Resident,
        [
            "community",
            "household",
            "name",
            "name_pinyin",
            "name_initials",
            "sex",
            "birth_year",
            "id_number_encrypted",
            "id_number_index",
            "id_number_last4_index",
            "id_number_masked",
            "uses_smartphone",
            "is_party_member",
            "notes",
            "search_text",
            "moved_away_on",
            "created_at",
            "updated_at",
        ],
        residents,
    )

    # The dependent rows need no ids back, so they go in as plain parameter lists
    # through executemany: Django's per-object bulk_create costs more than the
    # whole rest of the import at 100,000 rows.
    phones, memberships, tag_links, audit_rows = [], [], [], []
    owners = set(
        Membership.objects.filter(
            household__in=[r.clean["household"] for r in rows if r.clean["household"].pk],
            relation=Membership.Relation.OWNER,
            end_date__isnull=True,
        ).values_list("household_id", flat=True)
    )
    ops = connection.ops
    start_date = ops.adapt_datefield_value(today)
    now = ops.adapt_datetimefield_value(timezone.now())
    actor_id = acting_user.pk if acting_user is not None else None
    after_field = AuditLog._meta.get_field("after")
    for row, resident in zip(rows, residents, strict=True):
        c = row.clean
        for position, (number, label) in enumerate(c["phones"]):
            index, last4 = pii.phone_indexes(number)
            phones.append(
                (
                    resident.pk,
                    label,
                    position == 0,
                    pii.encrypt(number),
                    index,
                    last4,
                    pii.mask_phone(number),
                    pii.phone_kind(number),
                )
            )
        household = c["household"]
        relation = c["relation"]
        if relation is None:
            if household.occupancy == Household.Occupancy.RENTED:
                relation = Membership.Relation.TENANT
            elif household.pk not in owners:
                relation = Membership.Relation.OWNER
            else:
                relation = Membership.Relation.FAMILY
        if relation == Membership.Relation.OWNER:
            owners.add(household.pk)
        memberships.append((resident.pk, household.pk, str(relation), start_date))
        tag_links.extend((resident.pk, tag.pk) for tag in c["care_tags"])
        # One row per resident, so each resident's history starts with its import.
        after = {
            "name": resident.name,
            "household": household.pk,
            "relation": str(relation),
            "phones": [pii.mask_phone(n) for n, _label in c["phones"]],
            "id_number_masked": resident.id_number_masked,
            "care_tags": [t.code for t in c["care_tags"]],
            "row": row.number,
        }
        audit_rows.append(
            (
                now,
                actor_id,
                "resident.import",
                channel,
                "people.resident",
                str(resident.pk),
                resident.name,
                community.pk,
                after_field.get_db_prep_save(after, connection),
                "",
            )
        )
    _insert(
        Phone,
        [
            "resident",
            "label",
            "is_primary",
            "number_encrypted",
            "number_index",
            "last4_index",
            "masked",
            "kind",
        ],
        phones,
    )
    _insert(Membership, ["resident", "household", "relation", "start_date"], memberships)
    _insert(Resident.care_tags.through, ["resident", "caretag"], tag_links)
    _insert(
        AuditLog,
        [
            "at",
            "actor",
            "action",
            "channel",
            "object_type",
            "object_id",
            "object_repr",
            "community",
            "after",
            "note",
        ],
        audit_rows,
    )
    return {
        "residents": len(residents),
        "households": len(new_households),
        "buildings": len(new_buildings),
        "phones": len(phones),
    }


# --- workbooks ----------------------------------------------------------------------------


def _save(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_workbook() -> bytes:
    """The import template: headers, one example row, and a sheet explaining each column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "居民"
    sheet.append([header for _k, header, *_r in COLUMNS])
    sheet.append([example for _k, _h, example, _n in COLUMNS])
    for position, (key, *_rest) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = 16
        if key in ("phone1", "phone2", "id_number", "room", "unit"):
            # Text format, so Excel keeps long numbers and leading zeros intact.
            for cell in sheet[letter][1:200]:
                cell.number_format = "@"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    notes = workbook.create_sheet("填写说明")
    notes.append(["列", "说明"])
    for _key, header, _example, note in COLUMNS:
        notes.append([header, note])
    notes.append([])
    notes.append(["", "每行一位居民；同一户的多位居民重复填写小区、楼栋、单元、房号。"])
    notes.append(["", "关怀标签可选：" + "、".join(CareTag.objects.values_list("name", flat=True))])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 60
    return _save(workbook)


def rejected_workbook(rows: list[Row]) -> bytes:
    """The rejected rows as they were, with their errors, ready to fix and upload again."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("未导入")
    sheet.append([header for _k, header, *_r in COLUMNS] + [ERROR_HEADER, "原行号"])
    for row in rows:
        sheet.append([row.raw.get(key, "") for key in KEYS] + ["；".join(row.errors), row.number])
    return _save(workbook)


EXPORT_COLUMNS = [
    "小区",
    "楼栋",
    "单元",
    "房号",
    "姓名",
    "性别",
    "出生年份",
    "年龄",
    "与户关系",
    "电话1",
    "电话1说明",
    "电话2",
    "电话2说明",
    "身份证号",
    "会用智能手机",
    "党员",
    "迁出日期",
]


def export_rows(residents, *, full_values: bool, care_tags: bool) -> Iterator[list]:
    relation_names = {v: k for k, v in RELATION.items() if k in ("产权人", "租户", "家庭成员")}
    sex_names = {"M": "男", "F": "女"}
    for resident in residents:
        household = resident.household
        building = household.building if household else None
        phones = list(resident.phones.all())[:2]
        phone_cells = []
        for phone in phones:
            phone_cells += [phone.reveal() if full_values else phone.masked, phone.label]
        phone_cells += ["", ""] * (2 - len(phones))
        current = [m for m in resident.memberships.all() if m.end_date is None]
        id_cell = ""
        if resident.id_number_encrypted:
            id_cell = (
                pii.decrypt(resident.id_number_encrypted)
                if full_values
                else resident.id_number_masked
            )
        line = [
            building.compound.name if building else "",
            building.name if building else "",
            household.unit if household else "",
            household.room if household else "",
            resident.name,
            sex_names.get(resident.sex, ""),
            resident.birth_year or "",
            resident.age if resident.age is not None else "",
            relation_names.get(current[0].relation, "") if current else "",
            *phone_cells,
            id_cell,
            "是" if resident.uses_smartphone else "否",
            "是" if resident.is_party_member else "否",
            resident.moved_away_on.isoformat() if resident.moved_away_on else "",
        ]
        if care_tags:
            line.append("、".join(t.name for t in resident.care_tags.all()))
        yield line


def export_workbook(residents, *, full_values: bool, care_tags: bool, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("居民")
    sheet.append([title])
    sheet.append(EXPORT_COLUMNS + (["关怀标签"] if care_tags else []))
    for line in export_rows(residents, full_values=full_values, care_tags=care_tags):
        sheet.append(line)
    return _save(workbook)
