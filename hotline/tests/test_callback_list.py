"""回访: the operator's list of resolved orders and the result recorded for each caller."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline import services
from hotline.models import Order
from hotline.tests.factories import ensure_catalogue, make_order, make_resident

CALLBACKS = "/hotline/callbacks/"
State = Order.State


@pytest.fixture(autouse=True)
def _catalogue(db):
    # Seeded by a migration; a transactional test elsewhere may have flushed it.
    ensure_catalogue()


def act(order, action):
    return reverse("hotline:order_action", args=[order.pk, action])


def resolved_order(operator, grid_worker, **kwargs):
    order = make_order(operator, **kwargs)
    services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    services.accept_order(acting_user=grid_worker, order=order)
    services.resolve_order(acting_user=grid_worker, order=order, resolution="修好了")
    return order


@pytest.fixture
def resolved(operator, grid_worker, household):
    caller = make_resident(household, "王秀兰", phone="13800001234")
    order = resolved_order(operator, grid_worker, caller=caller)
    neighbour = make_resident(household, "李四", phone="13900002222")
    services.attach_caller(acting_user=operator, order=order, caller=neighbour)
    return order


@pytest.mark.django_db
def test_resolved_orders_wait_with_each_caller(login, operator, resolved):
    page = login(operator).get(CALLBACKS).content.decode()
    assert resolved.number in page
    assert "王秀兰" in page and "李四" in page
    assert "138****1234" in page and "13800001234" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["grid_worker", "volunteer", "outsider"])
def test_only_the_desk_opens_the_list(login, request, who, resolved):
    assert login(request.getfixturevalue(who)).get(CALLBACKS).status_code == 403


@pytest.mark.django_db
def test_another_communitys_desk_sees_none_of_them(login, resolved):
    from linli import testing as t

    far = t.make_user("far", role=t.Role.OPERATOR, community=t.make_community())
    assert resolved.number not in login(far).get(CALLBACKS).content.decode()


@pytest.mark.django_db
def test_satisfied_callers_close_the_order(login, operator, resolved):
    client = login(operator)
    for contact in resolved.contacts.all():
        response = client.post(
            act(resolved, "callback"),
            {
                "contact": contact.pk,
                "result": "satisfied",
                "words": "谢谢小刘",
                "page": "callbacks",
                "next": CALLBACKS,
            },
        )
        assert response.status_code == 302 and response["Location"] == CALLBACKS
    resolved.refresh_from_db()
    assert resolved.state == State.CLOSED
    assert resolved.contacts.filter(callback_words="谢谢小刘").count() == 2
    listed = client.get(CALLBACKS).content.decode()
    assert reverse("hotline:order", args=[resolved.pk]) not in listed


@pytest.mark.django_db
def test_unsatisfied_reopens_unless_the_operator_says_why_not(login, operator, resolved):
    first = resolved.contacts.order_by("id").first()
    login(operator).post(
        act(resolved, "callback"), {"contact": first.pk, "result": "unsatisfied", "words": "还是漏"}
    )
    resolved.refresh_from_db()
    assert resolved.state == State.DISPATCHED and resolved.reopen_count == 1


@pytest.mark.django_db
def test_unreachable_twice_is_recorded_as_unreachable(login, operator, resolved):
    first = resolved.contacts.order_by("id").first()
    client = login(operator)
    for _attempt in range(2):
        client.post(act(resolved, "callback"), {"contact": first.pk, "result": "unreachable"})
    first.refresh_from_db()
    assert first.callback_result == "unreachable"
    assert first.callback_attempts == 2


@pytest.mark.django_db
def test_a_missing_result_is_refused_on_the_list_page(login, operator, resolved):
    first = resolved.contacts.order_by("id").first()
    response = login(operator).post(
        act(resolved, "callback"), {"contact": first.pk, "result": "", "page": "callbacks"}
    )
    assert response.status_code == 400
    assert resolved.number in response.content.decode()
    first.refresh_from_db()
    assert first.callback_attempts == 0


@pytest.mark.django_db
def test_a_contact_of_another_order_is_refused(login, operator, grid_worker, household, resolved):
    other = resolved_order(operator, grid_worker, household=household, contact_name="路人")
    foreign = other.contacts.get()
    response = login(operator).post(
        act(resolved, "callback"), {"contact": foreign.pk, "result": "satisfied"}
    )
    assert response.status_code == 400
    foreign.refresh_from_db()
    assert not foreign.callback_result


@pytest.mark.django_db
def test_the_list_keeps_its_query_count(
    login, operator, grid_worker, household, django_assert_max_num_queries
):
    for n in range(8):
        caller = make_resident(household, f"居民{n}")
        resolved_order(operator, grid_worker, caller=caller)
    client = login(operator)
    client.get(CALLBACKS)
    # Ten whatever the number of orders: the page, the session and the print header.
    with django_assert_max_num_queries(10):
        response = client.get(CALLBACKS)
    assert response.status_code == 200


def _resolved_line(page: str, order) -> str:
    section = page.split(order.number, 1)[1].split("</section>", 1)[0]
    return section.split('<p class="muted">', 1)[1].split("</p>", 1)[0]


@pytest.mark.django_db
def test_an_order_solved_on_the_call_says_so_and_who_took_the_call(login, operator, household):
    caller = make_resident(household, "李淑珍", phone="13800005678")
    order = services.create_order(
        acting_user=operator,
        category="companionship",
        description="老人一个人在家，想找人说说话",
        caller=caller,
        solved_on_call=True,
        resolution="陪老人聊了二十分钟",
    )
    line = _resolved_line(login(operator).get(CALLBACKS).content.decode(), order)
    assert "当场办结" in line and str(operator) in line
    assert "—" not in line


@pytest.mark.django_db
def test_a_dispatched_order_names_whoever_resolved_it(login, operator, grid_worker, resolved):
    line = _resolved_line(login(operator).get(CALLBACKS).content.decode(), resolved)
    assert str(grid_worker) in line and "办结" in line
