"""The order list and one order's page: who sees what, and every form on the page
driving the services (errors shown with the right status, never a 500)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from hotline import services
from hotline.models import Order, OrderEvent
from hotline.tests.factories import (
    ensure_catalogue,
    make_order,
    make_provider,
    make_resident,
    make_volunteer,
)
from linli import testing as t

State = Order.State


@pytest.fixture(autouse=True)
def _catalogue(db):
    # Seeded by a migration; a transactional test elsewhere may have flushed it.
    ensure_catalogue()


def detail(order):
    return reverse("hotline:order", args=[order.pk])


def act(order, action):
    return reverse("hotline:order_action", args=[order.pk, action])


@pytest.fixture
def order(operator, household):
    caller = make_resident(household, "王秀兰", phone="13800001234")
    return make_order(operator, caller=caller, description="电视机不亮了")


@pytest.fixture
def order_b(operator, household_b):
    return make_order(operator, household=household_b, description="第二网格的事")


# --- who may open what --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_operator_sees_the_order_with_its_timeline_and_callers(login, operator, order):
    response = login(operator).get(detail(order))
    page = response.content.decode()
    assert response.status_code == 200
    assert order.number in page
    assert "王秀兰" in page and "138****1234" in page
    assert "13800001234" not in page
    assert "电视机不亮了" in page
    assert '<span class="state state-received">受理</span>' in page


@pytest.mark.django_db
def test_a_grid_worker_sees_their_grids_order_but_not_another_grids(
    login, grid_worker, order, order_b
):
    client = login(grid_worker)
    assert client.get(detail(order)).status_code == 200
    assert client.get(detail(order_b)).status_code == 404
    assert client.get(reverse("hotline:slip", args=[order_b.pk])).status_code == 404


@pytest.mark.django_db
def test_another_community_gets_not_found_for_every_order_url(login, outsider, order, community):
    other_desk = t.make_user("far-op", role=t.Role.OPERATOR, community=t.make_community())
    for user in (outsider, other_desk):
        client = login(user)
        assert client.get(detail(order)).status_code == 404
        for action in ("dispatch", "accept", "note", "withdraw", "callback"):
            response = client.post(act(order, action), {"note": "x", "reason": "x"})
            assert response.status_code == 404, action
    assert order.events.count() == 1


@pytest.mark.django_db
def test_a_volunteer_sees_only_orders_dispatched_to_them(
    login, operator, volunteer, order, community, grid
):
    client = login(volunteer)
    assert client.get(detail(order)).status_code == 404
    helper = make_volunteer(community, grid=grid, user=volunteer, skills=["electrical"])
    services.dispatch_order(acting_user=operator, order=order, volunteer=helper)
    assert client.get(detail(order)).status_code == 200


@pytest.mark.django_db
def test_the_order_list_is_for_desk_and_grid_workers_only(login, volunteer, liaison):
    for user in (volunteer, liaison):
        assert login(user).get(reverse("hotline:orders")).status_code == 403


# --- the list -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_the_area_and_filters_by_url(
    login, operator, grid_worker, order, order_b, grid
):
    client = login(operator)
    page = client.get(reverse("hotline:orders")).content.decode()
    assert order.number in page and order_b.number in page
    page = client.get(reverse("hotline:orders"), {"grid": grid.pk}).content.decode()
    assert order.number in page and order_b.number not in page
    page = login(grid_worker).get(reverse("hotline:orders")).content.decode()
    assert order.number in page and order_b.number not in page


@pytest.mark.django_db
def test_the_list_filters_by_state_category_period_and_assignee(
    login, operator, grid_worker, order, order_b
):
    services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    client = login(operator)
    url = reverse("hotline:orders")

    def numbers(**params):
        page = client.get(url, params).content.decode()
        return {o.number for o in (order, order_b) if o.number in page}

    assert numbers(state="dispatched") == {order.number}
    assert numbers(state="open") == {order.number, order_b.number}
    assert numbers(assignee=f"user:{grid_worker.pk}") == {order.number}
    assert numbers(assignee="none") == {order_b.number}
    today = timezone.localdate()
    assert numbers(start=today.isoformat(), end=today.isoformat()) == {order.number, order_b.number}
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert numbers(end=yesterday) == set()
    assert numbers(category=order.category_id) == {order.number, order_b.number}
    # A bad date is ignored with a message on the field, not a crash.
    response = client.get(url, {"start": "not-a-date"})
    assert response.status_code == 200 and "输入一个有效的日期" in response.content.decode()
    # A backwards period is refused plainly rather than showing an empty list.
    page = client.get(url, {"start": today.isoformat(), "end": yesterday}).content.decode()
    assert "开始日期晚于结束日期" in page


@pytest.mark.django_db
def test_the_list_pages_by_keyset_without_counting(login, operator, household, settings):
    from hotline.views import orders as order_views

    made = [make_order(operator, household=household, description=f"第{n}件") for n in range(7)]
    client = login(operator)
    original = order_views.PAGE_SIZE
    order_views.PAGE_SIZE = 3
    try:
        seen = []
        url = reverse("hotline:orders")
        params = ""
        for _page in range(5):
            response = client.get(url + params)
            page = response.content.decode()
            seen += [o.number for o in made if o.number in page]
            if "cursor=" not in page:
                break
            params = "?" + page.split('href="?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        assert sorted(seen) == sorted(o.number for o in made)
        assert len(seen) == len(set(seen))
    finally:
        order_views.PAGE_SIZE = original


@pytest.mark.django_db
def test_the_list_keeps_its_query_count(
    login, operator, household, grid_worker, django_assert_max_num_queries
):
    provider = make_provider(household.building.compound.grid.community)
    for n in range(12):
        order = make_order(operator, household=household, description=f"第{n}件")
        if n % 2:
            services.dispatch_order(acting_user=operator, order=order, provider=provider)
    client = login(operator)
    client.get(reverse("hotline:orders"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("hotline:orders"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_bad_cursor_shows_the_first_page(login, operator, order):
    response = login(operator).get(reverse("hotline:orders"), {"cursor": "x_y"})
    assert order.number in response.content.decode()


# --- actions ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_dispatch_form_ranks_suggestions_and_says_why(login, operator, grid_worker, order):
    page = login(operator).get(detail(order)).content.decode()
    assert f'value="user:{grid_worker.pk}"' in page
    assert "第一网格" in page  # the reason: grid worker of the order's grid


@pytest.mark.django_db
def test_dispatch_accept_start_resolve_by_the_pages(login, operator, grid_worker, order):
    client = login(operator)
    response = client.post(
        act(order, "dispatch"), {"target": f"user:{grid_worker.pk}", "note": "请尽快"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == State.DISPATCHED and order.assignee_user == grid_worker

    worker = login(grid_worker)
    assert worker.post(act(order, "accept")).status_code == 302
    assert worker.post(act(order, "start"), {"note": "已上门"}).status_code == 302
    response = worker.post(act(order, "resolve"), {"resolution": "换了电源板"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == State.RESOLVED and order.resolution == "换了电源板"


@pytest.mark.django_db
def test_the_other_choice_wins_over_the_ticked_suggestion(
    login, operator, grid_worker, order, community
):
    provider = make_provider(community, "李师傅")
    login(operator).post(
        act(order, "dispatch"),
        {"target": f"user:{grid_worker.pk}", "target_other": f"provider:{provider.pk}"},
    )
    order.refresh_from_db()
    assert order.assignee_provider == provider


@pytest.mark.django_db
def test_staff_record_a_providers_work_on_their_behalf(login, operator, order, community):
    provider = make_provider(community, "李师傅", trade="appliance_repair")
    client = login(operator)
    client.post(act(order, "dispatch"), {"target": f"provider:{provider.pk}"})
    page = client.get(detail(order)).content.decode()
    assert 'name="on_behalf_of"' in page
    client.post(act(order, "accept"), {"on_behalf_of": "李师傅（电话告知）"})
    client.post(act(order, "resolve"), {"resolution": "修好了"})
    accepted = order.events.get(kind=OrderEvent.Kind.ACCEPTED)
    assert accepted.actor == operator and accepted.on_behalf_of == "李师傅（电话告知）"
    resolved = order.events.get(kind=OrderEvent.Kind.RESOLVED)
    assert resolved.on_behalf_of == str(provider)
    page = client.get(detail(order)).content.decode()
    assert "李师傅（电话告知）" in page


@pytest.mark.django_db
def test_a_role_that_may_not_act_is_refused_and_nothing_changes(
    login, operator, grid_worker, committee_member, order
):
    # A grid worker may not dispatch; a committee member may not accept.
    response = login(grid_worker).post(act(order, "dispatch"), {"target": f"user:{grid_worker.pk}"})
    assert response.status_code == 403
    services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    response = login(committee_member).post(act(order, "accept"))
    assert response.status_code in (403, 404)
    order.refresh_from_db()
    assert order.state == State.DISPATCHED
    assert order.events.count() == 2


@pytest.mark.django_db
def test_an_illegal_step_is_explained_with_a_conflict_status(login, operator, grid_worker, order):
    client = login(operator)
    client.post(act(order, "dispatch"), {"target": f"user:{grid_worker.pk}"})
    # A second operator dispatching the same order at once: told plainly.
    response = client.post(act(order, "dispatch"), {"target": f"user:{grid_worker.pk}"})
    assert response.status_code == 409
    assert "其他人已经派单给" in response.content.decode()


@pytest.mark.django_db
def test_bad_input_gives_a_translated_error_and_writes_nothing(login, operator, grid_worker, order):
    client = login(operator)
    response = client.post(act(order, "dispatch"), {"target": "nobody:1"})
    assert response.status_code == 400
    response = client.post(act(order, "withdraw"), {"reason": ""})
    assert response.status_code == 400
    response = client.post(act(order, "note"), {"note": ""})
    assert response.status_code == 400
    response = client.post(act(order, "merge"), {"into": "NOPE0001"})
    assert response.status_code == 400
    assert order.events.count() == 1
    order.refresh_from_db()
    assert order.state == State.RECEIVED


@pytest.mark.django_db
def test_an_unknown_action_is_not_found(login, operator, order):
    assert login(operator).post(act(order, "explode")).status_code == 404


@pytest.mark.django_db
def test_return_with_reason_then_dispatch_again(login, operator, grid_worker, order):
    services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    response = login(grid_worker).post(act(order, "return"), {"reason": "不是我网格的"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == State.RETURNED
    page = login(operator).get(detail(order)).content.decode()
    assert "不是我网格的" in page
    assert act(order, "dispatch") in page


@pytest.mark.django_db
def test_merge_withdraw_and_supervise(login, operator, leader, household):
    first = make_order(operator, household=household, description="下水道堵了")
    second = make_order(operator, household=household, description="下水道又堵了")
    client = login(operator)
    assert client.post(act(second, "merge"), {"into": first.number}).status_code == 302
    second.refresh_from_db()
    assert second.state == State.MERGED and second.merged_into == first
    third = make_order(operator, household=household, description="打错了")
    assert client.post(act(third, "withdraw"), {"reason": "居民说已自行解决"}).status_code == 302
    third.refresh_from_db()
    assert third.state == State.WITHDRAWN
    # Only the leader supervises.
    assert client.post(act(first, "supervise"), {"note": "今天必须处理"}).status_code == 403
    assert login(leader).post(act(first, "supervise"), {"note": "今天必须处理"}).status_code == 302
    first.refresh_from_db()
    assert first.is_supervised


@pytest.mark.django_db
def test_the_call_keeps_its_times_on_the_order_page(login, operator, order, community):
    from hotline.models import Call

    call = Call(community=community, external_id="x1", extension="8002")
    call.set_number("13800001234")
    call.answered_at = call.started_at + dt.timedelta(seconds=5)
    call.ended_at = call.started_at + dt.timedelta(seconds=125)
    call.state = Call.State.ENDED
    call.save()
    Order.objects.filter(pk=order.pk).update(call=call)
    page = login(operator).get(detail(order)).content.decode()
    assert "通话 120 秒" in page


@pytest.mark.django_db
def test_the_order_page_keeps_its_query_count(
    login, operator, grid_worker, order, django_assert_max_num_queries
):
    services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    for n in range(8):
        services.add_note(acting_user=operator, order=order, note=f"第{n}次跟进")
    client = login(operator)
    client.get(detail(order))
    # Twenty whatever the length of the timeline (dispatch suggestions included).
    with django_assert_max_num_queries(20):
        response = client.get(detail(order))
    assert response.status_code == 200


def _timeline(page: str) -> str:
    return page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]


def _resolved(operator, order):
    services.dispatch_order(acting_user=operator, order=order, user=operator)
    services.accept_order(acting_user=operator, order=order)
    services.resolve_order(acting_user=operator, order=order, resolution="换了电源板")


@pytest.mark.django_db
def test_one_call_back_is_one_entry_on_the_timeline_with_what_was_said(login, operator, order):
    _resolved(operator, order)
    client = login(operator)
    response = client.post(act(order, "callback"), {"result": "satisfied", "words": "谢谢社区"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == State.CLOSED and order.satisfaction == "satisfied"
    timeline = _timeline(client.get(detail(order)).content.decode())
    assert timeline.count("已回访") == 1
    assert "满意" in timeline and "谢谢社区" in timeline
    assert "已关闭" in timeline


@pytest.mark.django_db
def test_each_caller_called_back_is_one_entry(login, operator, order, household):
    neighbour = make_resident(household, "张三")
    services.attach_caller(acting_user=operator, order=order, caller=neighbour)
    _resolved(operator, order)
    client = login(operator)
    for contact in order.contacts.order_by("id"):
        client.post(act(order, "callback"), {"contact": contact.pk, "result": "basic"})
    order.refresh_from_db()
    assert order.state == State.CLOSED
    timeline = _timeline(client.get(detail(order)).content.decode())
    assert timeline.count("已回访") == 2
    assert timeline.count("基本满意") == 2
