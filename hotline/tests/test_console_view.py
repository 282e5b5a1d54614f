"""The intake console: the operator's page, the caller's card and the three-step order."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from hotline.models import Order, OrderContact
from hotline.tests.factories import category, ensure_catalogue, make_order, make_resident
from people.models import CareTag, Membership

CONSOLE = "/hotline/console/"
INTAKE = "/hotline/console/intake/"


@pytest.fixture(autouse=True)
def _catalogue(db):
    # Seeded by a migration; a transactional test elsewhere may have flushed it.
    ensure_catalogue()


@pytest.fixture
def caller(household):
    resident = make_resident(household, "王秀兰", phone="13800001234")
    resident.care_tags.add(
        CareTag.objects.get_or_create(code="alone", defaults={"name": "独居"})[0]
    )
    Membership.objects.create(resident=resident, household=household, relation="owner")
    return resident


@pytest.fixture
def housemate(household):
    resident = make_resident(household, "李建华", birth_year=1950)
    Membership.objects.create(resident=resident, household=household, relation="family")
    return resident


def test_the_console_has_its_url(db):
    assert reverse("hotline:console") == CONSOLE


@pytest.mark.django_db
def test_an_operator_opens_the_console(login, operator):
    response = login(operator).get(CONSOLE)
    assert response.status_code == 200
    assert b'id="intake-form"' in response.content
    assert b'id="caller-panel"' in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", ["grid_worker", "volunteer", "committee_member", "liaison", "outsider"]
)
def test_roles_that_do_not_take_calls_are_refused(login, request, who):
    user = request.getfixturevalue(who)
    assert login(user).get(CONSOLE).status_code == 403
    assert login(user).post(INTAKE, {"step": 1, "category": "xsd"}).status_code == 403


@pytest.mark.django_db
def test_the_callers_card_shows_home_care_tags_housemates_and_orders(
    login, operator, caller, housemate
):
    open_order = make_order(operator, caller=caller, description="电视没有图像")
    response = login(operator).get(CONSOLE, {"caller": caller.pk})
    page = response.content.decode()
    assert "王秀兰" in page
    assert caller.household.address in page
    assert "独居" in page
    assert "李建华" in page
    assert open_order.number in page
    assert "138****1234" in page
    assert "13800001234" not in page


@pytest.mark.django_db
def test_care_tags_are_shown_only_where_the_registry_policy_allows(
    login, operator, caller, monkeypatch
):
    from people import policy

    monkeypatch.setattr(policy, "can_see_care_tags", lambda user, resident=None: False)
    page = login(operator).get(CONSOLE, {"caller": caller.pk}).content.decode()
    assert "王秀兰" in page
    assert "独居" not in page


@pytest.mark.django_db
def test_a_resident_of_another_community_has_no_card(login, operator, other_household):
    stranger = make_resident(other_household, "赵外人")
    response = login(operator).get(CONSOLE, {"caller": stranger.pk})
    assert response.status_code == 200
    assert "赵外人" not in response.content.decode()
    htmx = login(operator).get(
        reverse("hotline:console_caller", args=[stranger.pk]), HTTP_HX_REQUEST="true"
    )
    assert htmx.status_code == 404


@pytest.mark.django_db
def test_category_search_understands_chinese_pinyin_and_initials(login, operator):
    client = login(operator)
    for typed in ("下水道", "xiashuidao", "xsd"):
        response = client.get(reverse("hotline:console_categories"), {"category": typed})
        assert "下水道堵塞" in response.content.decode(), typed


@pytest.mark.django_db
def test_an_order_takes_three_posts_with_the_keyboard_alone(login, operator, caller):
    client = login(operator)
    base = {"caller": caller.pk}
    step1 = client.post(INTAKE, {**base, "step": 1, "category": "xsd"}, HTTP_HX_REQUEST="true")
    assert step1.status_code == 200
    page = step1.content.decode()
    assert 'name="step" value="2"' in page
    assert 'value="下水道堵塞"' in page

    step2 = client.post(
        INTAKE,
        {**base, "step": 2, "category": "下水道堵塞", "description": "楼下下水道堵了，污水倒灌"},
        HTTP_HX_REQUEST="true",
    )
    assert step2.status_code == 200
    page = step2.content.decode()
    assert 'name="step" value="3"' in page
    assert '<option value="pressing" selected>' in page  # the category's default urgency
    assert not Order.objects.exists()

    step3 = client.post(
        INTAKE,
        {
            **base,
            "step": 3,
            "category": "下水道堵塞",
            "description": "楼下下水道堵了，污水倒灌",
            "urgency": "pressing",
            "channel": "phone",
        },
        HTTP_HX_REQUEST="true",
    )
    assert step3.status_code == 200
    order = Order.objects.get()
    assert step3.headers["HX-Redirect"].startswith(CONSOLE)
    assert order.category == category("drain_blockage")
    assert order.household == caller.household  # the caller's home by default
    assert order.caller == caller
    assert order.urgency == "pressing"
    assert order.created_by == operator
    assert OrderContact.objects.get(order=order).resident == caller


@pytest.mark.django_db
def test_without_script_the_same_steps_work_as_plain_posts(login, operator, caller):
    client = login(operator)
    data = {"caller": caller.pk, "step": 1, "category": "jdwx"}
    page = client.post(INTAKE, data).content.decode()
    assert 'name="step" value="2"' in page and "王秀兰" in page
    data.update(step=3, category="家电维修", description="电视机不亮了")
    response = client.post(INTAKE, data)
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.urgency == "normal"
    follow = client.get(response["Location"])
    assert order.number in follow.content.decode()


@pytest.mark.django_db
def test_an_unknown_category_is_a_translated_error_and_nothing_is_written(login, operator, caller):
    response = login(operator).post(
        INTAKE, {"caller": caller.pk, "step": 3, "category": "qqqq", "description": "x"}
    )
    assert response.status_code == 422
    assert "没有与“qqqq”匹配的类别" in response.content.decode()
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_solved_on_the_call_needs_what_was_said(login, operator, caller):
    client = login(operator)
    data = {
        "caller": caller.pk,
        "step": 3,
        "category": "pthl",
        "description": "老人一个人在家，想找人说说话",
        "solved_on_call": "on",
    }
    response = client.post(INTAKE, {**data, "category": "陪伴聊天"})
    assert response.status_code == 422
    assert not Order.objects.exists()
    response = client.post(
        INTAKE, {**data, "category": "陪伴聊天", "resolution": "陪老人聊了二十分钟，心情好多了"}
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.state == Order.State.RESOLVED
    assert order.solved_on_call


@pytest.mark.django_db
def test_a_place_other_than_the_callers_home_can_be_chosen(login, operator, caller, compound_b):
    response = login(operator).post(
        INTAKE,
        {
            "caller": caller.pk,
            "step": 3,
            "category": "lmps",
            "description": "巷口路面塌了一个坑",
            "place": f"compound:{compound_b.pk}",
            "place_text": compound_b.name,
        },
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.compound == compound_b and order.household is None


@pytest.mark.django_db
def test_free_text_is_kept_as_the_location(login, operator):
    response = login(operator).post(
        INTAKE,
        {
            "step": 3,
            "category": "路灯照明",
            "description": "市场后面的巷子路灯不亮",
            "place_text": "农贸市场后巷",
            "contact_name": "过路人",
        },
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.location_text == "农贸市场后巷"


@pytest.mark.django_db
def test_a_place_outside_the_area_is_refused(login, operator, other_compound):
    response = login(operator).post(
        INTAKE,
        {
            "step": 3,
            "category": "路灯照明",
            "description": "x",
            "place": f"compound:{other_compound.pk}",
        },
    )
    assert response.status_code == 422
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_places_are_suggested_by_compound_and_door(login, operator, household, caller):
    client = login(operator)
    compound = household.building.compound.name
    response = client.get(reverse("hotline:console_places"), {"place_text": f"{compound} 3-2-401"})
    assert f"household:{household.pk}" in response.content.decode()
    response = client.get(reverse("hotline:console_places"), {"place_text": compound[:2]})
    assert f"compound:{household.building.compound_id}" in response.content.decode()


@pytest.mark.django_db
def test_open_orders_at_the_same_place_are_offered_and_the_caller_attached(
    login, operator, caller, household
):
    neighbour = make_resident(household, "张三")
    first = make_order(
        operator, code="drain_blockage", description="下水道堵了污水倒灌", caller=neighbour
    )
    client = login(operator)
    step2 = client.post(
        INTAKE, {"caller": caller.pk, "step": 1, "category": "下水道堵塞"}, HTTP_HX_REQUEST="true"
    )
    page = step2.content.decode()
    assert first.number in page
    attach_url = reverse("hotline:console_attach", args=[first.pk])
    assert attach_url in page
    response = client.post(
        attach_url,
        {"caller": caller.pk, "step": 2, "category": "下水道堵塞", "description": "又堵了"},
    )
    assert response.status_code == 302
    assert Order.objects.count() == 1
    assert first.contacts.filter(resident=caller).exists()


@pytest.mark.django_db
def test_the_console_page_keeps_its_query_count(
    login, operator, caller, housemate, django_assert_max_num_queries
):
    for n in range(5):
        make_order(operator, caller=caller, description=f"第{n}次来电")
    client = login(operator)
    client.get(CONSOLE, {"caller": caller.pk})
    with django_assert_max_num_queries(22):
        response = client.get(CONSOLE, {"caller": caller.pk})
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_broken_step_number_is_an_error_not_a_crash(login, operator, caller):
    response = login(operator).post(
        INTAKE, {"caller": caller.pk, "step": "abc", "category": "xsd", "description": "x"}
    )
    assert response.status_code == 422
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a_refused_step_answers_a_fragment_htmx_swaps_in(login, operator):
    # No caller and no place: the service refuses; the form comes back with the reason.
    response = login(operator).post(
        INTAKE,
        {"step": 3, "category": "路灯照明", "description": "路灯不亮"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert page.startswith('<div id="intake">')
    assert "请填写地点" in page
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_the_search_box_finds_a_caller_by_name_or_last_four_digits(
    login, operator, caller, other_household
):
    make_resident(other_household, "王秀兰", phone="13800009999")  # another community's
    client = login(operator)
    url = reverse("hotline:console_search")
    for query in ("王秀兰", "1234"):
        page = client.post(url, {"q": query}, HTTP_HX_REQUEST="true").content.decode()
        assert reverse("hotline:console_caller", args=[caller.pk]) in page, query
        assert "138****1234" in page
        assert "9999" not in page
    page = client.post(url, {"q": "查无此人"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'class="empty"' in page
    # Without script the search is the console page with the results on it, and the
    # number typed never becomes part of a URL.
    response = client.post(url, {"q": "13800001234"})
    assert response.status_code == 200
    assert reverse("hotline:console_caller", args=[caller.pk]) in response.content.decode()
    assert client.get(url, {"q": "13800001234"}).status_code == 405


@pytest.mark.django_db
def test_a_building_can_be_the_place(login, operator, caller, building):
    client = login(operator)
    compound = building.compound.name
    page = client.get(
        reverse("hotline:console_places"), {"place_text": f"{compound} 3号楼"}
    ).content.decode()
    assert f"building:{building.pk}" in page
    response = client.post(
        INTAKE,
        {
            "caller": caller.pk,
            "step": 3,
            "category": "屋顶墙体漏水",
            "description": "楼顶漏水，楼道里都是水",
            "place": f"building:{building.pk}",
        },
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.building == building and order.household is None


def _confirmations(page: str) -> list[str]:
    return re.findall(r'class="msg msg-success"[^>]*>(.*?)</(?:p|li)>', page, re.S)


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_a_saved_order_is_confirmed_once_with_a_link_to_it(login, operator, caller, htmx):
    client = login(operator)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    data = {"caller": caller.pk, "step": 3, "category": "家电维修", "description": "电视机不亮了"}
    response = client.post(INTAKE, data, **headers)
    order = Order.objects.get()
    url = response.headers["HX-Redirect"] if htmx else response["Location"]
    page = client.get(url).content.decode()
    confirmations = _confirmations(page)
    assert len(confirmations) == 1
    assert order.number in confirmations[0]
    assert reverse("hotline:order", args=[order.pk]) in confirmations[0]
    # A reload does not confirm it again as if it were new.
    assert len(_confirmations(client.get(url).content.decode())) == 1


@pytest.mark.django_db
def test_an_order_solved_on_the_call_is_confirmed_once_as_solved(login, operator, caller):
    client = login(operator)
    response = client.post(
        INTAKE,
        {
            "caller": caller.pk,
            "step": 3,
            "category": "陪伴聊天",
            "description": "老人一个人在家，想找人说说话",
            "solved_on_call": "on",
            "resolution": "陪老人聊了二十分钟",
        },
    )
    confirmations = _confirmations(client.get(response["Location"]).content.decode())
    assert len(confirmations) == 1
    assert "当场办结" in confirmations[0]


@pytest.mark.django_db
def test_attaching_the_caller_is_confirmed_once(login, operator, caller, household):
    first = make_order(
        operator, code="drain_blockage", description="下水道堵了污水倒灌", household=household
    )
    client = login(operator)
    response = client.post(
        reverse("hotline:console_attach", args=[first.pk]),
        {"caller": caller.pk, "step": 2, "category": "下水道堵塞", "description": "又堵了"},
    )
    confirmations = _confirmations(client.get(response["Location"]).content.decode())
    assert len(confirmations) == 1
    assert first.number in confirmations[0]
