"""The monthly report: printable on A4, downloadable as a PDF with Chinese fonts."""

import re
import zlib

import pytest
import time_machine
from django.urls import reverse

from hotline import clock, services
from insights import rollups
from insights.tests.helpers import call_back, handled, local, new_order

pytestmark = pytest.mark.django_db


def inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams opened, so font names can be read."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            pass
    return b"".join(parts)


NOW = local(2026, 4, 3, 10, 0)


@pytest.fixture(autouse=True)
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def march(operator, leader, grid_worker, household):
    roof = new_order(
        operator, household, local(2026, 3, 2, 9), code="roof_leak", description="改造后屋顶漏雨"
    )
    handled(operator, grid_worker, roof, local(2026, 3, 2, 10))
    call_back(operator, roof, local(2026, 3, 4, 9), "unsatisfied", words="还漏")
    with clock.at(local(2026, 3, 5, 9)):
        services.supervise_order(acting_user=leader, order=roof, note="联系施工方尽快返修")
    roof.refresh_from_db()
    with clock.at(local(2026, 3, 6, 9)):
        services.accept_order(acting_user=grid_worker, order=roof)
        services.resolve_order(
            acting_user=grid_worker, order=roof, resolution="施工方重新做了防水层"
        )
    call_back(operator, roof, local(2026, 3, 8, 9), "satisfied")
    rollups.refresh(now=NOW)
    return roof


def test_the_report_shows_volumes_rates_and_the_notable_case_with_what_was_done(
    login, leader, march
):
    response = login(leader).get(reverse("insights:report") + "?month=2026-03")
    assert response.status_code == 200
    body = response.content.decode()
    assert "热线工作月报" in body
    assert "响应率" in body and "满意率" in body
    assert march.number in body
    assert "施工方重新做了防水层" in body
    assert response.context["this"]["received"] == 1


def test_the_report_defaults_to_last_month(login, leader, march):
    response = login(leader).get(reverse("insights:report"))
    assert response.context["period"].start.month == 3


def test_the_pdf_embeds_a_chinese_font(login, leader, march):
    response = login(leader).get(reverse("insights:report_pdf") + "?month=2026-03")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"NotoSansCJK" in inflated(response.content)


def test_the_report_is_for_leaders_only(login, grid_worker, operator, march):
    for user in (grid_worker, operator):
        client = login(user)
        assert client.get(reverse("insights:report")).status_code == 403
        assert client.get(reverse("insights:report_pdf")).status_code == 403


def test_a_leader_of_another_community_cannot_read_this_ones_report(
    login, other_community, community, march
):
    from linli import testing as t

    other = t.make_user("leader2", role=t.Role.LEADER, community=other_community)
    client = login(other)
    url = reverse("insights:report") + f"?month=2026-03&community={community.pk}"
    assert client.get(url).status_code == 404
    own = client.get(reverse("insights:report") + "?month=2026-03")
    assert march.number not in own.content.decode()
