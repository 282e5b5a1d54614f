"""The leader's dashboard: who may open it, what it shows, and how many queries it takes."""

import pytest
import time_machine
from django.urls import reverse

from insights import rollups
from insights.tests.helpers import call_back, handled, local, new_order

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 20, 10, 0)


@pytest.fixture
def march(operator, grid_worker, household, household_b):
    """Three orders in March in community A (two grids), one of them called back."""
    first = handled(
        operator,
        grid_worker,
        new_order(operator, household, local(2026, 3, 2, 9, 0)),
        local(2026, 3, 2, 9, 30),
    )
    call_back(operator, first, local(2026, 3, 5, 10, 0), "satisfied")
    new_order(operator, household, local(2026, 3, 3, 9, 0), code="drain_blockage")
    new_order(operator, household_b, local(2026, 3, 4, 9, 0), code="street_lighting")
    rollups.refresh(now=NOW)
    return first


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_leader_sees_the_three_rates_and_the_months_volume(login, leader, march, at_now):
    response = login(leader).get(reverse("insights:dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "数据看板" in body
    assert "响应率" in body and "解决率" in body and "满意率" in body
    assert response.context["this"]["received"] == 3
    assert response.context["this"].resolution.percent == "100.0%"
    assert [row["count"] for row in response.context["categories"]] == [1, 1, 1]
    assert "下水道" in body
    assert "<svg" in body and "style=" not in body.split("<main", 1)[1]


def test_each_figure_links_to_the_orders_behind_it(login, leader, march, at_now):
    client = login(leader)
    response = client.get(reverse("insights:dashboard"))
    response_rate = response.context["rates"][0]["cells"][0]
    listed = client.get(response_rate["den_url"])
    assert listed.status_code == 200
    assert len(listed.context["orders"]) == response_rate["rate"].den


def test_the_grid_table_shows_each_grid_of_the_community(
    login, leader, march, grid, grid_b, at_now
):
    response = login(leader).get(reverse("insights:dashboard"))
    places = response.context["places"]
    assert places["kind"] == "grid"
    assert {row["place"] for row in places["rows"]} == {grid, grid_b}


def test_a_county_leader_sees_every_community_of_the_county(
    login, county_leader, march, community, other_community, at_now
):
    response = login(county_leader).get(reverse("insights:dashboard"))
    assert response.status_code == 200
    assert response.context["places"]["kind"] == "community"
    assert "崇相西社区" in response.content.decode()


def test_a_grid_worker_cannot_open_the_dashboard(login, grid_worker, march, at_now):
    assert login(grid_worker).get(reverse("insights:dashboard")).status_code == 403


def test_an_operator_cannot_open_the_dashboard(login, operator, march, at_now):
    assert login(operator).get(reverse("insights:dashboard")).status_code == 403


def test_a_leader_of_another_community_sees_none_of_this_ones_figures(
    login, other_community, community, march, at_now
):
    from linli import testing as t

    other_leader = t.make_user("leader2", role=t.Role.LEADER, community=other_community)
    client = login(other_leader)
    response = client.get(reverse("insights:dashboard"))
    assert response.status_code == 200
    assert response.context["this"]["received"] == 0
    assert "葫芦岛社区" not in response.content.decode().split("<main", 1)[1]
    assert (
        client.get(reverse("insights:dashboard") + f"?community={community.pk}").status_code == 404
    )
    grid_id = march.grid_id
    assert client.get(reverse("insights:dashboard") + f"?grid={grid_id}").status_code == 404


def test_the_nav_shows_the_dashboard_to_leaders_only(login, leader, grid_worker, at_now):
    assert "数据看板" in login(leader).get(reverse("home")).content.decode()


def test_the_dashboard_query_count_does_not_grow_with_the_data(
    login, leader, march, django_assert_max_num_queries, operator, household, at_now
):
    client = login(leader)
    client.get(reverse("insights:dashboard"))  # warm the session
    # Session, user, grants (3); 13 months of figures, weeks, categories and their
    # names, places, overdue by place and their names, the open orders needing
    # attention, the overdue total, the "as of" time (11); care panels (4); the filter
    # bar's grids (1); the navigation and the print header (the rest).
    with django_assert_max_num_queries(24) as small:
        client.get(reverse("insights:dashboard"))
    for day in range(5, 15):
        new_order(operator, household, local(2026, 3, day, 9, 0), code="noise")
    rollups.refresh(now=NOW)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("insights:dashboard"))
