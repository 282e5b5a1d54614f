"""The pages an operator and a grid worker open all day cost the same number of
queries however long the timeline, however many orders: a hidden per-row query fails
here instead of slowing everyone's afternoon."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline import services
from hotline.tests.factories import (
    ensure_catalogue,
    make_order,
    make_provider,
    make_resident,
    make_unit,
    make_volunteer,
)


@pytest.fixture(autouse=True)
def _catalogue(db):
    # Seeded by a migration; a transactional test elsewhere may have flushed it.
    ensure_catalogue()


def queries(send) -> int:
    """How many queries one request makes, once earlier ones have renewed the session
    (the first requests after a log-in write it)."""
    send()
    send()
    with CaptureQueriesContext(connection) as captured:
        response = send()
    assert response.status_code in (200, 302), response.status_code
    return len(captured.captured_queries)


def posted(client, url: str, data: dict) -> int:
    """How many queries one form POST makes (the session renewed beforehand)."""
    queries(lambda: client.get(reverse("hotline:mine")))
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, data)
    assert response.status_code == 302, response.status_code
    return len(captured.captured_queries)


def add_notes(user, order, count: int) -> None:
    for i in range(count):
        services.add_note(acting_user=user, order=order, note=f"第{i + 1}次上门")


def dispatched_order(operator, grid_worker, household, notes: int):
    order = make_order(operator, household=household)
    services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    add_notes(operator, order, notes)
    return order


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("viewer", "page"), [("operator", "hotline:order"), ("grid_worker", "hotline:mine_order")]
)
def test_an_order_page_costs_the_same_with_a_long_timeline(
    login, operator, grid_worker, household, viewer, page
):
    short = dispatched_order(operator, grid_worker, household, notes=1)
    long = dispatched_order(operator, grid_worker, household, notes=20)
    client = login({"operator": operator, "grid_worker": grid_worker}[viewer])
    few = queries(lambda: client.get(reverse(page, args=[short.pk])))
    many = queries(lambda: client.get(reverse(page, args=[long.pk])))
    assert many == few


@pytest.mark.django_db
def test_my_orders_cost_the_same_with_two_orders_or_twenty(
    login, operator, grid_worker, household, compound
):
    client = login(grid_worker)

    def dispatch(count: int) -> None:
        for i in range(count):
            # Half at a compound rather than a household: the place label reads either.
            place = {"household": household} if i % 2 else {"compound": compound}
            order = make_order(operator, **place)
            services.dispatch_order(acting_user=operator, order=order, user=grid_worker)

    dispatch(2)
    few = queries(lambda: client.get(reverse("hotline:mine")))
    dispatch(18)
    many = queries(lambda: client.get(reverse("hotline:mine")))
    assert many == few


@pytest.mark.django_db
def test_dispatch_and_accept_do_not_read_the_timeline(login, operator, grid_worker, household):
    def dispatch_and_accept(notes: int) -> tuple[int, int]:
        order = make_order(operator, household=household)
        add_notes(operator, order, notes)
        dispatch = reverse("hotline:order_action", args=[order.pk, "dispatch"])
        accept = reverse("hotline:order_action", args=[order.pk, "accept"])
        form = {"target": "", "target_other": f"user:{grid_worker.pk}", "reassign": "on"}
        return (
            posted(login(operator), dispatch, form),
            posted(login(grid_worker), accept, {"page": "mobile"}),
        )

    assert dispatch_and_accept(notes=20) == dispatch_and_accept(notes=1)


@pytest.mark.django_db
def test_the_caller_card_costs_the_same_with_twelve_orders_or_thirty_two(
    login, operator, household, household_b
):
    resident = make_resident(household, "王秀兰", phone="13800001111")
    neighbour = make_resident(household_b, "李桂英", phone="13800002222")
    for _ in range(2):
        make_order(operator, caller=resident)
    for i in range(12):
        make_order(operator, caller=neighbour, code="sanitation" if i % 2 else "appliance_repair")
    # A caller with fewer orders than the card lists needs one query fewer (their open
    # orders are among the last ten): compare a caller with a few orders more than
    # that to one with many more.
    for _ in range(10):
        make_order(operator, caller=resident)
    for _ in range(20):
        make_order(operator, caller=neighbour)
    client = login(operator)
    htmx = {"HTTP_HX_REQUEST": "true"}

    def card(who):
        return lambda: client.get(reverse("hotline:console_caller", args=[who.pk]), **htmx)

    assert queries(card(neighbour)) == queries(card(resident))


@pytest.mark.django_db
def test_the_console_costs_the_same_with_twelve_orders_taken_today_or_twenty_two(
    login, operator, household
):
    resident = make_resident(household, "王秀兰", phone="13800001111")
    first = make_order(operator, caller=resident)
    for _ in range(11):
        make_order(operator, caller=resident)
    client = login(operator)

    def page():
        url = f"{reverse('hotline:console')}?caller={resident.pk}&created={first.pk}"
        return client.get(url)

    few = queries(page)
    for _ in range(10):
        make_order(operator, caller=resident, code="sanitation")
    assert queries(page) == few


@pytest.mark.parametrize("older", [0, 12])
@pytest.mark.django_db
def test_the_caller_card_lists_open_orders_however_many_came_after(
    login, operator, household, older
):
    resident = make_resident(household, "王秀兰", phone="13800001111")
    still_open = make_order(operator, caller=resident, description="楼道灯不亮")
    done = make_order(operator, caller=resident, description="电视没有图像")
    services.withdraw_order(acting_user=operator, order=done, reason="自己修好了")
    later = []
    for _ in range(older):
        order = make_order(operator, caller=resident)
        services.withdraw_order(acting_user=operator, order=order, reason="重复来电")
        later.append(order)
    client = login(operator)
    page = client.get(
        reverse("hotline:console_caller", args=[resident.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    open_part, _sep, recent_part = page.partition("最近十")
    assert still_open.number in open_part
    assert done.number not in open_part
    assert all(order.number not in open_part for order in later)
    assert (done.number in recent_part) == (older == 0)


@pytest.mark.django_db
def test_the_dispatch_form_offers_everyone_of_the_community_by_kind_and_name(
    login, operator, grid_worker, grid_worker_b, outsider, community, household
):
    # Everyone else the order could go to, each kind under its own name and in its own
    # order; inactive people and other communities' staff are left out.
    grid_worker_b.display_name = ""
    grid_worker_b.save()
    make_volunteer(community, "钱多多")
    make_volunteer(community, "赵建国")
    make_volunteer(community, "孙不在", is_active=False)
    plumber = make_provider(community, "周师傅", trade="plumbing", label="水电维修")
    fixer = make_provider(community, "吴师傅", trade="appliance_repair", label="家电维修")
    unit = make_unit(community, "县供电公司")
    order = make_order(operator, household=household)
    page = login(operator).get(reverse("hotline:order", args=[order.pk])).content.decode()
    others = page[page.index('name="target_other"') :]
    others = others[: others.index("</select>")]
    options = re.findall(r'<option value="(\w+):\d+">([^<]*)</option>', others)
    assert options == [
        ("user", "grid2"),  # no display name: the user name
        ("user", "张敏"),
        ("user", "王芳"),
        ("volunteer", "赵建国"),
        ("volunteer", "钱多多"),
        ("provider", f"{fixer.name}（家电维修）"),
        ("provider", f"{plumber.name}（水电维修）"),
        ("unit", unit.name),
    ]
