"""The three rates broken down by place, category, person and unit, for any period."""

import pytest
import time_machine
from django.urls import reverse

from hotline.tests.factories import make_provider, make_unit
from insights import rollups
from insights.tests.helpers import accept, call_back, dispatch, handled, local, new_order, resolve

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 25, 10, 0)
URL = reverse("insights:rates")


@pytest.fixture(autouse=True)
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def march(operator, grid_worker, household, household_b, compound):
    community = compound.grid.community
    worked = handled(
        operator,
        grid_worker,
        new_order(operator, household, local(2026, 3, 2, 9)),
        local(2026, 3, 2, 10),
    )
    call_back(operator, worked, local(2026, 3, 4, 9), "satisfied")
    unit = make_unit(community)
    lights = new_order(operator, household_b, local(2026, 3, 3, 9), code="street_lighting")
    dispatch(operator, lights, local(2026, 3, 3, 10), unit=unit)
    accept(operator, lights, local(2026, 3, 3, 11))
    resolve(operator, lights, local(2026, 3, 5, 9), resolution="换了路灯")
    call_back(operator, lights, local(2026, 3, 6, 9), "unsatisfied", keep_closed_reason="已修好")
    provider = make_provider(community)
    tv = new_order(operator, household, local(2026, 3, 9, 9))
    dispatch(operator, tv, local(2026, 3, 9, 10), provider=provider)
    rollups.refresh(now=NOW)
    return {"unit": unit, "provider": provider, "lights": lights, "worked": worked, "tv": tv}


def rows_by_label(response):
    return {str(row["label"]): row for row in response.context["rows"]}


def test_rates_by_grid_for_a_month(login, leader, march, grid, grid_b):
    response = login(leader).get(URL + "?start=2026-03-01&end=2026-03-31&by=grid")
    assert response.status_code == 200
    rows = rows_by_label(response)
    assert rows[grid.name]["totals"]["received"] == 2
    assert rows[grid_b.name]["totals"].satisfaction.percent == "0.0%"
    assert rows[grid_b.name]["totals"].resolution.percent == "100.0%"


def test_the_monthly_and_the_daily_tables_agree(login, leader, march):
    client = login(leader)
    by_month = client.get(URL + "?month=2026-03&by=grid").context["overall"]
    by_day = client.get(URL + "?start=2026-03-01&end=2026-03-24&by=compound").context["overall"]
    assert dict(by_month) == dict(by_day)


def test_rates_by_assignee_name_each_kind(login, leader, march, grid_worker):
    rows = rows_by_label(login(leader).get(URL + "?month=2026-03&by=assignee"))
    assert rows[str(grid_worker)]["totals"]["called_back"] == 1
    assert rows[str(march["unit"])]["kind"] == "单位"
    assert rows[str(march["provider"])]["totals"]["received"] == 1


def test_rates_by_unit_list_only_orders_dispatched_to_units(login, leader, march):
    response = login(leader).get(URL + "?month=2026-03&by=unit")
    assert list(rows_by_label(response)) == [str(march["unit"])]
    row = response.context["rows"][0]
    listed = login(leader).get(row["cells"][1]["den_url"])
    assert [o.number for o in listed.context["orders"]] == [march["lights"].number]


def test_a_category_filter_narrows_every_row(login, leader, march):
    lights = march["lights"].category_id
    response = login(leader).get(URL + f"?month=2026-03&by=grid&category={lights}")
    assert response.context["overall"]["received"] == 1


def test_a_grid_worker_cannot_see_the_rates(login, grid_worker, march):
    assert login(grid_worker).get(URL).status_code == 403


def test_a_leader_of_another_community_gets_not_found_for_this_ones_places(
    login, other_community, community, grid, march
):
    from linli import testing as t

    other = t.make_user("leader2", role=t.Role.LEADER, community=other_community)
    client = login(other)
    assert client.get(URL + f"?community={community.pk}").status_code == 404
    assert client.get(URL + f"?grid={grid.pk}&by=compound").status_code == 404
    assert client.get(URL + "?month=2026-03").context["rows"] == []
