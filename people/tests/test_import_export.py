"""Excel import (all-or-nothing, or valid rows only) and export (masked, logged)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import AuditLog
from linli.lib.errors import NotAllowed, NotFound
from people import excel, services
from people.models import Membership, Phone, Resident
from people.tests.factories import make_resident
from places.models import Household

HEADER = [header for _key, header, *_rest in excel.COLUMNS]


def workbook(*rows: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append([row.get(key, "") for key in excel.KEYS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(**values):
    base = {
        "compound": "供销巷小区",
        "building": "3号楼",
        "unit": "2",
        "room": "401",
        "area": "86.5",
        "name": "王秀兰",
        "sex": "女",
        "birth_year": "1948",
        "phone1": "13800001234",
        "phone1_label": "本人",
        "care_tags": "独居、高龄",
        "smartphone": "否",
    }
    return base | values


GOOD = [
    row(),
    row(name="李建国", sex="男", phone1="0359-4021234", care_tags="", relation="家庭成员"),
    row(room="502", name="赵六", phone1="13900001111", care_tags="", occupancy="出租", area="60"),
]


def test_a_valid_file_imports_households_residents_phones_and_tags(operator, community, compound):
    check, counts = services.import_residents(
        acting_user=operator, community=community, data=workbook(*GOOD)
    )
    assert counts["residents"] == 3 and counts["households"] == 2 and counts["rejected"] == 0
    wang = Resident.objects.get(name="王秀兰")
    assert wang.household.door == "3-2-401" and wang.household.floor_area_centi_m2 == 8650
    assert wang.phones.get().reveal() == "13800001234"
    assert sorted(t.name for t in wang.care_tags.all()) == ["独居", "高龄"]
    assert wang.name_initials == "wxl" and "供销巷小区" in wang.search_text
    assert Membership.objects.get(resident__name="赵六").relation == "tenant"
    assert Membership.objects.get(resident=wang).relation == "owner"
    assert AuditLog.objects.filter(action="resident.import").count() == 3
    assert AuditLog.objects.get(action="resident.import_file").after["residents"] == 3
    found = services.search_residents(acting_user=operator, query="wxl")
    assert [r.name for r in found] == ["王秀兰"]


def test_one_bad_row_writes_nothing_and_reports_that_row(operator, community, compound):
    bad = row(room="601", name="钱七", phone1="12345")
    with pytest.raises(services.ImportRejected) as caught:
        services.import_residents(
            acting_user=operator, community=community, data=workbook(*GOOD, bad)
        )
    rejected = caught.value.check.rejected
    assert [r.number for r in rejected] == [5]
    assert "电话1" in rejected[0].errors[0]
    assert not Resident.objects.exists() and not Phone.objects.exists()
    assert not Household.objects.filter(room__in=["401", "502", "601"]).exists()


def test_only_valid_rows_can_be_imported_and_the_others_downloaded(operator, community, compound):
    bad = row(room="601", name="钱七", id_number="142701195003150016")
    check, counts = services.import_residents(
        acting_user=operator, community=community, data=workbook(*GOOD, bad), only_valid=True
    )
    assert counts["residents"] == 3 and counts["rejected"] == 1
    rejected = load_workbook(io.BytesIO(excel.rejected_workbook(check.rejected))).active
    lines = list(rejected.iter_rows(values_only=True))
    assert lines[1][KEYS_INDEX("name")] == "钱七" and "校验位" in lines[1][-2]


def KEYS_INDEX(key):  # noqa: N802 — reads like a constant lookup
    return excel.KEYS.index(key)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"compound": "不存在小区"}, "不是本社区的小区"),
        ({"area": "", "room": "999"}, "建筑面积"),
        ({"sex": "x"}, "性别"),
        ({"birth_year": "48"}, "四位年份"),
        ({"care_tags": "富裕"}, "没有这个标签"),
        ({"id_number": "1.42701E+17"}, "文本格式"),
        ({"name": ""}, "姓名"),
    ],
)
def test_each_kind_of_bad_cell_is_explained(operator, community, compound, values, message):
    check = services.check_import(
        acting_user=operator, community=community, data=workbook(row(**values))
    )
    assert message in " ".join(check.rejected[0].errors)


def test_duplicates_within_the_file_and_against_the_registry_are_rejected(
    operator, community, compound
):
    id_number = "142701195003150013"
    first = row(id_number=id_number, sex="男", birth_year="1950")
    twin = row(name="王秀英", id_number=id_number, sex="男", birth_year="1950")
    check = services.check_import(
        acting_user=operator, community=community, data=workbook(first, twin)
    )
    assert [r.number for r in check.rejected] == [3]
    make_resident(operator, community, "张三", id_number=id_number)
    check = services.check_import(acting_user=operator, community=community, data=workbook(first))
    assert "已登记" in " ".join(check.rejected[0].errors)


def test_a_file_that_is_not_excel_is_refused(operator, community):
    with pytest.raises(services.ServiceError):
        services.check_import(acting_user=operator, community=community, data=b"not a workbook")


@pytest.mark.parametrize("actor", ["grid_worker", "volunteer", "committee_member", "outsider"])
def test_only_office_roles_of_the_community_may_import(request, actor, community, compound):
    with pytest.raises((NotAllowed, NotFound)):
        services.import_residents(
            acting_user=request.getfixturevalue(actor), community=community, data=workbook(*GOOD)
        )


def test_the_pages_walk_from_upload_to_import(login, operator, community, compound):
    client = login(operator)
    assert client.get(reverse("people:import_template")).status_code == 200
    upload = io.BytesIO(workbook(*GOOD, row(room="601", name="钱七", phone1="12345")))
    upload.name = "residents.xlsx"
    response = client.post(reverse("people:import"), {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200 and "钱七" in html and not Resident.objects.exists()
    token = response.context["token"]
    response = client.post(reverse("people:import_confirm", args=[token]))
    assert response.status_code == 400 and not Resident.objects.exists()
    response = client.get(reverse("people:import_rejected", args=[token]))
    assert response.status_code == 200
    response = client.post(reverse("people:import_confirm", args=[token]), {"only_valid": "1"})
    assert response.status_code == 200 and Resident.objects.count() == 3


def test_another_user_cannot_use_someone_elses_upload(login, operator, leader, community, compound):
    upload = io.BytesIO(workbook(*GOOD))
    upload.name = "residents.xlsx"
    response = login(operator).post(reverse("people:import"), {"file": upload})
    token = response.context["token"]
    assert login(leader).post(reverse("people:import_confirm", args=[token])).status_code == 404


# --- export ---------------------------------------------------------------------------


@pytest.fixture
def registered(operator, community, household):
    return make_resident(
        operator,
        community,
        "王秀兰",
        household=household,
        phones=["13800001234"],
        id_number="142701195003150013",
        care_tags=["living_alone"],
    )


def _cells(data: bytes) -> str:
    sheet = load_workbook(io.BytesIO(data)).active
    return " ".join(str(c) for line in sheet.iter_rows(values_only=True) for c in line if c)


def test_an_export_is_masked_and_logged(operator, community, registered):
    data = services.export_residents(acting_user=operator, community=community)
    text = _cells(data)
    assert "王秀兰" in text and "138****1234" in text and "1427**********0013" in text
    assert "13800001234" not in text and "独居" in text
    entry = AuditLog.objects.get(action="resident.export")
    assert entry.after == {"count": 1, "compound": None, "full_values": False}


def test_a_leader_may_export_full_values_with_a_reason(leader, community, registered):
    data = services.export_residents(
        acting_user=leader, community=community, full_values=True, reason="高龄补贴申报"
    )
    assert "13800001234" in _cells(data)
    entry = AuditLog.objects.get(action="resident.export")
    assert entry.after["full_values"] is True and entry.note == "高龄补贴申报"


def test_an_operator_cannot_export_full_values(operator, community, registered):
    with pytest.raises(NotAllowed):
        services.export_residents(
            acting_user=operator, community=community, full_values=True, reason="x y"
        )


@pytest.mark.parametrize("actor", ["outsider", "grid_worker", "committee_member", "liaison"])
def test_others_cannot_export(request, actor, community, registered):
    with pytest.raises((NotAllowed, NotFound)):
        services.export_residents(acting_user=request.getfixturevalue(actor), community=community)


def test_the_export_page_downloads_a_workbook(login, operator, registered):
    response = login(operator).post(reverse("people:export"), {})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "138****1234" in _cells(response.content)


def test_the_fast_reader_reads_what_openpyxl_reads():
    from people import xlsx

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["供销巷小区", "3号楼", 2, 401, 86.5, None, None, "王秀兰", "女", 1948])
    sheet.append(["供销巷小区", "3号楼", "2", "402", None, None, None, "李四", None, None])
    sheet.append([])  # a blank row is skipped, and row numbers stay those of the sheet
    sheet.append(["供销巷小区", "3号楼", "2", "403"] + [None] * 7 + [13800001234])
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()

    def trimmed(rows):
        result = {}
        for number, values in rows:
            values = list(values)
            while values and values[-1] == "":
                values.pop()
            if values:
                result[number] = values
        return result

    fast = trimmed(xlsx.iter_rows(data))
    assert fast == trimmed(excel._rows_openpyxl(data))
    assert fast[2][:5] == ["供销巷小区", "3号楼", "2", "401", "86.5"]
    assert fast[5][11] == "13800001234"
    assert [row.number for row in excel.read_rows(data)] == [2, 3, 5]


def test_a_file_that_is_not_a_zip_is_not_a_sheet():
    from people import xlsx

    with pytest.raises(xlsx.UnreadableSheet):
        list(xlsx.iter_rows(b"PK\x03\x04 not really"))


def test_an_upload_that_can_no_longer_be_read_is_gone_not_an_error(
    login, operator, community, compound
):
    from people import views

    client = login(operator)
    upload = io.BytesIO(workbook(*GOOD, row(room="601", name="钱七", phone1="12345")))
    upload.name = "residents.xlsx"
    token = client.post(reverse("people:import"), {"file": upload}).context["token"]
    # As after a key rotation: the stored upload no longer decrypts.
    views._import_path(operator, token).write_bytes(b"not what was stored")
    assert client.get(reverse("people:import_rejected", args=[token])).status_code == 404
    response = client.post(reverse("people:import_confirm", args=[token]), {"only_valid": "1"})
    assert response.status_code == 404 and not Resident.objects.exists()
