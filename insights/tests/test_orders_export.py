"""Exporting the orders behind a figure: masked for the viewer, written to the audit log."""

import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditLog
from hotline.tests.factories import make_resident
from insights import rollups
from insights.tests.helpers import call_back, handled, local, new_order

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 20, 10, 0)
URL = reverse("insights:orders_export") + "?month=2026-03"


@pytest.fixture
def orders(operator, grid_worker, household):
    caller = make_resident(household, "王秀兰", phone="13800001234")
    first = new_order(operator, household, local(2026, 3, 2, 9, 0), caller=caller)
    handled(operator, grid_worker, first, local(2026, 3, 2, 9, 30))
    call_back(operator, first, local(2026, 3, 5, 10, 0), "satisfied")
    new_order(
        operator,
        household,
        local(2026, 3, 3, 9, 0),
        contact_name="李建军",
        contact_phone="13900005678",
    )
    rollups.refresh(now=NOW)


@pytest.fixture(autouse=True)
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def rows(response):
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = book.worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_the_community_leader_gets_names_and_masked_phones(login, leader, orders):
    response = login(leader).get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    table = rows(response)
    header, data = table[0], table[1:]
    assert len(data) == 2
    caller, phone = header.index("来电人"), header.index("来电人电话")
    assert {r[caller] for r in data} == {"王秀兰", "李建军"}
    assert {r[phone] for r in data} == {"138****1234", "139****5678"}
    raw = response.content
    assert b"13800001234" not in raw and b"13900005678" not in raw


def test_a_county_leader_gets_masked_names(login, county_leader, orders):
    table = rows(login(county_leader).get(URL))
    caller = table[0].index("来电人")
    assert {r[caller] for r in table[1:]} == {"王**", "李**"}


def test_every_export_is_written_to_the_audit_log(login, leader, orders, community):
    login(leader).get(URL + "&metric=satisfied")
    entry = AuditLog.objects.get(action="orders.export")
    assert entry.actor == leader
    assert entry.community_id is None or entry.community_id == community.pk
    assert entry.after["rows"] == 1
    assert entry.after["filters"]["metric"] == "satisfied"


def test_an_operator_may_export_the_orders_of_their_community(login, operator, orders):
    assert login(operator).get(URL).status_code == 200
    assert AuditLog.objects.filter(action="orders.export", actor=operator).count() == 1


def test_a_grid_worker_may_not_export(login, grid_worker, orders):
    assert login(grid_worker).get(URL).status_code == 403
    assert not AuditLog.objects.filter(action="orders.export").exists()


def test_a_leader_of_another_community_cannot_export_this_ones_orders(
    login, other_community, community, orders
):
    from linli import testing as t

    other = t.make_user("leader2", role=t.Role.LEADER, community=other_community)
    client = login(other)
    assert client.get(URL + f"&community={community.pk}").status_code == 404
    own = rows(client.get(URL))
    assert len(own) == 1  # the header only: none of community A's orders
