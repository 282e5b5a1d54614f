"""The grid worker's phone pages: my open orders by due time, and the big buttons."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline import services
from hotline.models import Order, OrderEvent
from hotline.tests.factories import ensure_catalogue, make_order, make_volunteer

MINE = "/hotline/mine/"
State = Order.State


@pytest.fixture(autouse=True)
def _catalogue(db):
    # Seeded by a migration; a transactional test elsewhere may have flushed it.
    ensure_catalogue()


def act(order, action):
    return reverse("hotline:order_action", args=[order.pk, action])


def mobile(order):
    return reverse("hotline:mine_order", args=[order.pk])


@pytest.fixture
def two_orders(operator, grid_worker, household):
    late = make_order(operator, household=household, description="路灯坏了", code="sanitation")
    soon = make_order(
        operator, household=household, description="老人摔倒", code="elderly_emergency"
    )
    for order in (late, soon):
        services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    return soon, late


@pytest.mark.django_db
def test_my_open_orders_come_by_due_time(login, grid_worker, two_orders):
    soon, late = two_orders
    page = login(grid_worker).get(MINE).content.decode()
    assert mobile(soon) in page and mobile(late) in page
    assert page.index(mobile(soon)) < page.index(mobile(late))


@pytest.mark.django_db
def test_another_workers_orders_are_not_in_my_list_nor_openable(login, grid_worker_b, two_orders):
    soon, _late = two_orders
    client = login(grid_worker_b)
    page = client.get(MINE).content.decode()
    assert mobile(soon) not in page
    assert client.get(mobile(soon)).status_code == 404
    assert client.post(act(soon, "accept"), {"page": "mobile"}).status_code == 404


@pytest.mark.django_db
def test_outsiders_and_other_roles(login, outsider, liaison, two_orders):
    soon, _late = two_orders
    assert login(outsider).get(mobile(soon)).status_code == 404
    assert login(liaison).get(MINE).status_code == 403


@pytest.mark.django_db
def test_accept_note_and_resolve_from_the_phone(login, grid_worker, two_orders):
    soon, _late = two_orders
    client = login(grid_worker)
    page = client.get(mobile(soon)).content.decode()
    assert act(soon, "accept") in page
    response = client.post(act(soon, "accept"), {"page": "mobile", "next": mobile(soon)})
    assert response.status_code == 302 and response["Location"] == mobile(soon)
    client.post(act(soon, "note"), {"page": "mobile", "note": "已到现场"})
    response = client.post(
        act(soon, "resolve"), {"page": "mobile", "resolution": "已送医，家属已到", "next": MINE}
    )
    assert response["Location"] == MINE
    soon.refresh_from_db()
    assert soon.state == State.RESOLVED
    channels = set(
        soon.events.exclude(kind=OrderEvent.Kind.CREATED).values_list("channel", flat=True)
    )
    assert "mobile" in channels


@pytest.mark.django_db
def test_return_needs_a_reason_and_an_empty_one_is_refused_on_the_phone_page(
    login, grid_worker, two_orders
):
    soon, _late = two_orders
    client = login(grid_worker)
    response = client.post(act(soon, "return"), {"page": "mobile", "reason": ""})
    assert response.status_code == 400
    assert 'class="m-actions"' in response.content.decode()  # the phone page again
    soon.refresh_from_db()
    assert soon.state == State.DISPATCHED
    response = client.post(act(soon, "return"), {"page": "mobile", "reason": "需要专业电工"})
    assert response.status_code == 302
    soon.refresh_from_db()
    assert soon.state == State.RETURNED
    assert mobile(soon) not in client.get(MINE).content.decode()


@pytest.mark.django_db
def test_a_volunteer_with_an_account_works_their_errand(
    login, operator, volunteer, household, community, grid
):
    helper = make_volunteer(community, grid=grid, user=volunteer, skills=["errands"])
    errand = make_order(operator, household=household, code="errands", description="买降压药")
    services.dispatch_order(acting_user=operator, order=errand, volunteer=helper)
    client = login(volunteer)
    assert mobile(errand) in client.get(MINE).content.decode()
    client.post(act(errand, "accept"), {"page": "mobile"})
    client.post(act(errand, "resolve"), {"page": "mobile", "resolution": "药已送到"})
    errand.refresh_from_db()
    assert errand.state == State.RESOLVED


@pytest.mark.django_db
def test_the_phone_list_keeps_its_query_count(
    login, operator, grid_worker, household, django_assert_max_num_queries
):
    for n in range(10):
        order = make_order(operator, household=household, description=f"第{n}件")
        services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    client = login(grid_worker)
    client.get(MINE)
    # Ten whatever the number of orders: the page, the session and the print header.
    with django_assert_max_num_queries(10):
        response = client.get(MINE)
    assert response.status_code == 200


@pytest.mark.django_db
def test_an_empty_list_says_what_comes_next(login, grid_worker):
    page = login(grid_worker).get(MINE).content.decode()
    assert 'class="empty"' in page


def _item(page: str, order) -> str:
    """The list item of ``order`` on the phone list."""
    at = page.index(mobile(order))
    return page[page.rindex("<li", 0, at) : page.index("</li>", at)]


@pytest.mark.django_db
def test_the_phone_list_says_each_orders_urgency_and_urgent_ones_stand_out(
    login, grid_worker, two_orders
):
    urgent, normal = two_orders
    assert (urgent.urgency, normal.urgency) == ("urgent", "normal")
    page = login(grid_worker).get(MINE).content.decode()
    assert 'class="m-urgent"' in _item(page, urgent) and "紧急" in _item(page, urgent)
    assert "m-urgent" not in _item(page, normal) and "一般" in _item(page, normal)


@pytest.mark.django_db
def test_the_phone_order_page_says_how_urgent_it_is(login, grid_worker, two_orders):
    urgent, normal = two_orders
    client = login(grid_worker)
    head = client.get(mobile(urgent)).content.decode().split("</h1>", 1)[1].split("</p>", 1)[0]
    assert "urgency-urgent" in head and "紧急" in head
    head = client.get(mobile(normal)).content.decode().split("</h1>", 1)[1].split("</p>", 1)[0]
    assert "urgency-normal" in head and "一般" in head


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["list", "order"])
def test_the_phone_pages_keep_the_main_navigation(login, grid_worker, two_orders, page):
    url = MINE if page == "list" else mobile(two_orders[0])
    html = login(grid_worker).get(url).content.decode()
    nav = html.split('<nav class="mainnav"', 1)[1].split("</nav>", 1)[0]
    # The worker's other pages are one tap away, this one marked as the current area.
    assert f'href="{reverse("hotline:orders")}"' in nav
    assert f'href="{MINE}" aria-current="page"' in nav
    # …and the phone stylesheet no longer hides the navigation.
    from django.contrib.staticfiles import finders

    css = open(finders.find("hotline/mobile.css"), encoding="utf-8").read()
    rules = [rule for rule in css.split("}") if ".mainnav" in rule.split("{")[0]]
    assert rules and not any("display: none" in rule or "display:none" in rule for rule in rules)
