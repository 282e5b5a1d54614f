"""The list of orders behind a figure: the same definitions, filters in the URL."""

import pytest
import time_machine
from django.urls import reverse

from hotline.models import Order
from insights import rollups, views
from insights.tests.helpers import call_back, handled, local, new_order

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 20, 10, 0)
URL = reverse("insights:orders")


@pytest.fixture(autouse=True)
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def orders(operator, grid_worker, household, household_b):
    made = []
    for day, result in ((2, "satisfied"), (3, "basic"), (4, "unreachable")):
        order = new_order(operator, household, local(2026, 3, day, 9, 0))
        handled(operator, grid_worker, order, local(2026, 3, day, 9, 30))
        call_back(operator, order, local(2026, 3, day + 2, 10, 0), result)
        if result == "unreachable":
            call_back(operator, order, local(2026, 3, day + 3, 10, 0), result)
        made.append(order)
    made.append(new_order(operator, household_b, local(2026, 3, 6, 9, 0), code="noise"))
    rollups.refresh(now=NOW)
    return made


def numbers(response):
    return {o.number for o in response.context["orders"]}


def test_the_satisfied_figure_lists_satisfied_and_basically_satisfied_orders(login, leader, orders):
    response = login(leader).get(URL + "?month=2026-03&metric=pleased")
    assert response.status_code == 200
    assert numbers(response) == {orders[0].number, orders[1].number}
    assert response.context["count"] == 2


def test_the_called_back_figure_includes_the_unreachable_order(login, leader, orders):
    response = login(leader).get(URL + "?month=2026-03&metric=called_back")
    assert numbers(response) == {o.number for o in orders[:3]}


def test_filters_by_grid_category_and_state_combine(login, leader, orders, grid_b):
    client = login(leader)
    response = client.get(URL + f"?month=2026-03&grid={grid_b.pk}")
    assert numbers(response) == {orders[3].number}
    noise = orders[3].category_id
    response = client.get(URL + f"?month=2026-03&category={noise}&state=received")
    assert numbers(response) == {orders[3].number}
    response = client.get(URL + "?month=2026-03&state=closed")
    assert numbers(response) == {o.number for o in orders[:3]}


def test_pages_follow_each_other_without_gaps(login, leader, orders, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    client = login(leader)
    first = client.get(URL + "?month=2026-03")
    assert len(first.context["orders"]) == 3 and first.context["next_url"]
    second = client.get(URL + first.context["next_url"])
    seen = numbers(first) | numbers(second)
    assert seen == {o.number for o in orders}
    assert not second.context["next_url"]


def test_the_list_query_count_is_pinned(
    login, leader, orders, operator, household, django_assert_max_num_queries
):
    client = login(leader)
    client.get(URL + "?month=2026-03")
    # Session, user, grants; the facts' page and count, the orders of the page; the
    # filter bar (grids, categories, and the staff, volunteers, providers and units an
    # order can be with); navigation and print header.
    with django_assert_max_num_queries(18) as few:
        client.get(URL + "?month=2026-03")
    for day in range(10, 18):
        new_order(operator, household, local(2026, 3, day, 9, 0))
    rollups.refresh(now=NOW)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL + "?month=2026-03")


def test_an_operator_may_open_the_list_but_not_a_grid_worker(login, operator, grid_worker, orders):
    assert login(operator).get(URL).status_code == 200
    assert login(grid_worker).get(URL).status_code == 403


def test_a_leader_of_another_community_sees_none_of_these_orders(
    login, other_community, community, orders
):
    from linli import testing as t

    other = t.make_user("leader2", role=t.Role.LEADER, community=other_community)
    client = login(other)
    assert client.get(URL + f"?community={community.pk}").status_code == 404
    assert client.get(URL + f"?grid={orders[0].grid_id}").status_code == 404
    assert client.get(URL + f"?compound={orders[0].compound_id}").status_code == 404
    assert client.get(URL + "?month=2026-03").context["orders"] == []
    assert Order.objects.count() == 4


def test_a_malformed_filter_is_reported_and_ignored(login, leader, orders):
    response = login(leader).get(URL + "?month=2026-13")
    assert response.status_code == 200
    assert "YYYY-MM" in response.content.decode()


def test_the_assignee_filter_lists_one_persons_orders(
    login, leader, orders, grid_worker, operator, household, provider_order
):
    client = login(leader)
    response = client.get(URL + f"?month=2026-03&assignee=user:{grid_worker.pk}")
    assert numbers(response) == {o.number for o in orders[:3]}
    assert f'value="user:{grid_worker.pk}" selected' in response.content.decode()
    provider = provider_order.assignee_provider
    response = client.get(URL + f"?month=2026-03&assignee=provider:{provider.pk}")
    assert numbers(response) == {provider_order.number}


@pytest.fixture
def provider_order(operator, household):
    from hotline.tests.factories import make_provider
    from insights.tests.helpers import dispatch

    order = new_order(operator, household, local(2026, 3, 9, 9, 0))
    dispatch(operator, order, local(2026, 3, 9, 9, 5), provider=make_provider(order.community))
    rollups.refresh(now=NOW)
    order.refresh_from_db()
    return order
