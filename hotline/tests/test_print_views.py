"""Paper: the work slip (派工单) for a provider and the shift hand-over sheet (交接班)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from hotline import services
from hotline.models import Order
from hotline.tests.factories import ensure_catalogue, make_order, make_provider, make_resident
from hotline.views.paper import default_since

HANDOVER = "/hotline/handover/"
TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def _catalogue(db):
    # Seeded by a migration; a transactional test elsewhere may have flushed it.
    ensure_catalogue()


@pytest.fixture
def order(operator, household, community):
    caller = make_resident(household, "王秀兰", phone="13800001234")
    order = make_order(operator, caller=caller, description="电视机不亮了，有声音没图像")
    services.dispatch_order(
        acting_user=operator, order=order, provider=make_provider(community, "李师傅")
    )
    return order


@pytest.mark.django_db
def test_the_work_slip_carries_what_the_provider_needs(login, operator, order, community):
    page = login(operator).get(reverse("hotline:slip", args=[order.pk])).content.decode()
    assert community.name in page
    assert order.number in page
    assert order.household.address in page
    assert "王秀兰" in page and "138****1234" in page and "13800001234" not in page
    assert "电视机不亮了" in page
    assert "李师傅" in page
    assert "data-print" in page


@pytest.mark.django_db
def test_the_slip_of_another_community_is_not_found(login, outsider, order):
    assert login(outsider).get(reverse("hotline:slip", args=[order.pk])).status_code == 404


@pytest.mark.django_db
def test_the_slip_is_not_for_volunteers(login, volunteer, order):
    assert login(volunteer).get(reverse("hotline:slip", args=[order.pk])).status_code == 403


def test_the_morning_hand_over_starts_at_six_last_evening():
    morning = dt.datetime(2026, 3, 4, 8, 0, tzinfo=TZ)
    assert timezone.localtime(default_since(morning)) == dt.datetime(2026, 3, 3, 18, 0, tzinfo=TZ)


def test_a_later_hand_over_covers_the_last_twelve_hours():
    evening = dt.datetime(2026, 3, 4, 18, 30, tzinfo=TZ)
    assert default_since(evening) == evening - dt.timedelta(hours=12)


@pytest.mark.django_db
def test_the_hand_over_lists_what_came_in_and_what_is_still_open(login, operator, household):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=TZ)):
        old_open = make_order(operator, household=household, description="上周的老问题")
    with time_machine.travel(dt.datetime(2026, 3, 3, 22, 0, tzinfo=TZ)):
        night = make_order(operator, household=household, description="夜里下水道堵了")
        chat = make_order(
            operator,
            household=household,
            code="companionship",
            description="老人睡不着想聊天",
            solved_on_call=True,
            resolution="聊了半小时",
        )
    with time_machine.travel(dt.datetime(2026, 3, 4, 8, 0, tzinfo=TZ)):
        page = login(operator).get(HANDOVER).content.decode()
    came_in, still_open = page.split('id="still-open"', 1)
    assert night.number in came_in and chat.number in came_in
    assert old_open.number not in came_in
    assert old_open.number in still_open and night.number in still_open
    assert chat.number not in still_open  # solved on the call


@pytest.mark.django_db
def test_the_hand_over_takes_a_start_time_and_survives_a_bad_one(login, operator, household):
    order = make_order(operator, household=household)
    client = login(operator)
    since = (timezone.localtime() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page = client.get(HANDOVER, {"since": since}).content.decode()
    came_in = page.split('id="still-open"', 1)[0]
    assert order.number not in came_in
    response = client.get(HANDOVER, {"since": "yesterday-ish"})
    assert response.status_code == 200
    assert 'class="msg msg-warning"' in response.content.decode()


@pytest.mark.django_db
def test_the_hand_over_is_for_the_desk(login, grid_worker):
    assert login(grid_worker).get(HANDOVER).status_code == 403


@pytest.mark.django_db
def test_the_hand_over_keeps_its_query_count(
    login, operator, household, django_assert_max_num_queries
):
    for n in range(10):
        make_order(operator, household=household, description=f"第{n}件")
    client = login(operator)
    client.get(HANDOVER)
    with django_assert_max_num_queries(10):
        assert client.get(HANDOVER).status_code == 200


@pytest.mark.django_db
def test_printed_lists_carry_a_print_button(login, operator, order):
    for url in (reverse("hotline:orders"), HANDOVER, reverse("hotline:callbacks")):
        assert "data-print" in login(operator).get(url).content.decode(), url
    assert Order.objects.count() == 1
