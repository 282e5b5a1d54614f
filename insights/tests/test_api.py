"""The figures as JSON, with the pages' filters and the same reach."""

import pytest
import time_machine

from accounts.models import Role
from insights import rollups
from insights.tests.helpers import call_back, handled, local, new_order

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 20, 10, 0)


@pytest.fixture(autouse=True)
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def march(operator, grid_worker, household, household_b):
    order = handled(
        operator,
        grid_worker,
        new_order(operator, household, local(2026, 3, 2, 9)),
        local(2026, 3, 2, 10),
    )
    call_back(operator, order, local(2026, 3, 4, 9), "basic")
    new_order(operator, household_b, local(2026, 3, 5, 9))
    rollups.refresh(now=NOW)


def test_the_figures_of_a_month(login, leader, march):
    data = login(leader).get("/api/insights/figures?month=2026-03").json()
    assert data["counts"]["received"] == 2
    assert [r["key"] for r in data["rates"]] == ["response", "resolution", "satisfaction"]
    assert data["rates"][2]["percent"] == "100.0%"
    assert data["as_of"].startswith("2026-03-20")


def test_the_breakdown_by_grid(login, leader, march, grid, grid_b):
    data = login(leader).get("/api/insights/breakdown?month=2026-03&by=grid").json()
    assert {row["label"]: row["counts"]["received"] for row in data["rows"]} == {
        grid.name: 1,
        grid_b.name: 1,
    }


def test_an_unknown_breakdown_is_refused_plainly(login, leader, march):
    response = login(leader).get("/api/insights/breakdown?by=colour")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_a_grid_worker_is_refused(login, grid_worker, march):
    response = login(grid_worker).get("/api/insights/figures")
    assert response.status_code == 403


def test_another_communitys_leader_gets_not_found_for_this_community(
    login, other_community, community, march
):
    from linli import testing as t

    other = t.make_user("leader2", role=t.Role.LEADER, community=other_community)
    client = login(other)
    assert client.get(f"/api/insights/figures?community={community.pk}").status_code == 404
    assert client.get("/api/insights/figures?month=2026-03").json()["counts"]["received"] == 0


def test_a_county_systems_key_needs_the_insights_scope(client, admin_user, community, march):
    from open311.services import create_api_token

    _token, without = create_api_token(
        acting_user=admin_user,
        name="county-orders",
        community=community,
        role=Role.LEADER,
        scopes=["orders:read"],
    )
    _token, with_scope = create_api_token(
        acting_user=admin_user,
        name="county-figures",
        community=community,
        role=Role.LEADER,
        scopes=["insights:read"],
    )
    refused = client.get(
        "/api/insights/figures?month=2026-03", HTTP_AUTHORIZATION=f"Bearer {without}"
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "scope_missing"
    answered = client.get(
        "/api/insights/figures?month=2026-03", HTTP_AUTHORIZATION=f"Bearer {with_scope}"
    )
    assert answered.status_code == 200
    assert answered.json()["counts"]["received"] == 2
