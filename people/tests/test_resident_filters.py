"""The registry list's filters: place, state, period, tenancy and care tag, as links."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from people import services
from people.tests.factories import make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(operator, community, household, household_b):
    owner = make_resident(
        operator,
        community,
        "王秀兰",
        household=household,
        relation="owner",
        moved_in_on=dt.date(1998, 5, 1),
        care_tags=["living_alone"],
    )
    tenant = make_resident(
        operator,
        community,
        "赵租户",
        household=household_b,
        relation="tenant",
        moved_in_on=dt.date(2026, 3, 10),
    )
    gone = make_resident(
        operator,
        community,
        "钱已搬",
        household=household_b,
        relation="tenant",
        moved_in_on=dt.date(2024, 1, 1),
    )
    services.move_out(acting_user=operator, resident=gone, on=dt.date(2026, 2, 28))
    return {"owner": owner, "tenant": tenant, "gone": gone}


def names(client, **params) -> set[str]:
    html = client.get(reverse("people:list"), params).content.decode()
    return {n for n in ("王秀兰", "赵租户", "钱已搬") if n in html}


def test_by_default_the_list_shows_who_lives_here(login, operator, registry):
    assert names(login(operator)) == {"王秀兰", "赵租户"}


def test_the_list_filters_by_place(login, operator, registry, grid, compound_b):
    client = login(operator)
    assert names(client, grid=grid.pk) == {"王秀兰"}
    assert names(client, compound=compound_b.pk) == {"赵租户"}


def test_tenants_alone(login, operator, registry):
    assert names(login(operator), relation="tenant") == {"赵租户"}


def test_who_moved_away_and_when(login, operator, registry):
    client = login(operator)
    assert names(client, state="away") == {"钱已搬"}
    assert names(client, state="away", start="2026-02-01", end="2026-02-28") == {"钱已搬"}
    assert names(client, state="away", start="2026-03-01") == set()
    assert names(client, state="all") == {"王秀兰", "赵租户", "钱已搬"}


def test_who_moved_in_during_a_period(login, operator, registry):
    assert names(login(operator), start="2026-03-01", end="2026-03-31") == {"赵租户"}


def test_care_tag_filter(login, operator, registry):
    assert names(login(operator), tag="living_alone") == {"王秀兰"}


def test_a_role_that_may_not_see_care_tags_cannot_filter_by_them(
    login, operator, committee_member, community, household, registry
):
    make_resident(operator, community, "李邻居", household=household, relation="family")
    client = login(committee_member)
    html = client.get(reverse("people:list")).content.decode()
    assert 'name="tag"' not in html
    # The parameter is ignored rather than used to single out the elder living alone.
    html = client.get(reverse("people:list"), {"tag": "living_alone"}).content.decode()
    assert "王秀兰" in html and "李邻居" in html


def test_a_backwards_period_is_refused_plainly(login, operator, registry):
    html = login(operator).get(reverse("people:list"), {"start": "2026-03-31", "end": "2026-03-01"})
    assert "开始日期晚于结束日期" in html.content.decode()


def test_a_date_that_is_not_a_date_is_named_and_nothing_is_filtered(login, operator, registry):
    response = login(operator).get(reverse("people:list"), {"start": "昨天"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "输入一个有效的日期" in html
    assert "王秀兰" in html and "赵租户" in html


def test_the_pager_keeps_the_filters(login, operator, community, household_b):
    for n in range(55):
        make_resident(operator, community, f"孙{n:02d}", household=household_b, relation="tenant")
    html = login(operator).get(reverse("people:list"), {"relation": "tenant"}).content.decode()
    assert "page=2&amp;relation=tenant" in html


def test_a_grid_worker_cannot_filter_their_way_into_another_grid(
    login, grid_worker_b, registry, grid
):
    html = login(grid_worker_b).get(reverse("people:list"), {"grid": grid.pk}).content.decode()
    assert "王秀兰" not in html
