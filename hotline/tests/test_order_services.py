"""The work-order lifecycle through the services: every legal step and the timeline it
leaves behind."""

import pytest

from accounts.models import AuditLog
from hotline import services
from hotline.models import Level, Order, OrderContact, OrderEvent, OrderPhoto
from hotline.tests.factories import (
    category,
    make_order,
    make_provider,
    make_resident,
    make_unit,
    make_volunteer,
)
from linli.lib.errors import NotFound, ServiceError

pytestmark = pytest.mark.django_db
State = Order.State


def kinds(order):
    return list(order.events.order_by("at", "id").values_list("kind", flat=True))


def test_an_order_taken_for_a_caller_lands_at_the_callers_household(operator, household):
    caller = make_resident(household, phone="13800001234")
    order = make_order(operator, caller=caller)
    assert order.household == household
    assert order.building == household.building
    assert order.compound == household.building.compound
    assert order.grid == household.building.compound.grid
    assert order.community == household.building.compound.grid.community
    assert order.state == State.RECEIVED
    assert order.level == Level.GRID
    assert order.urgency == "normal"
    assert order.response_due and order.resolution_due > order.response_due
    contact = order.contacts.get()
    assert contact.resident == caller
    assert contact.phone_masked == "138****1234"
    event = order.events.get()
    assert (event.kind, event.actor, event.from_state, event.to_state) == (
        "created",
        operator,
        "",
        "received",
    )
    assert AuditLog.objects.filter(action="order.create", object_id=str(order.pk)).exists()


def test_order_numbers_read_as_community_date_and_sequence(operator, household):
    first = make_order(operator, household=household)
    second = make_order(operator, household=household)
    assert first.number[-4:] == "0001"
    assert second.number[-4:] == "0002"
    assert first.number[:-4] == second.number[:-4]


def test_an_anonymous_caller_keeps_a_masked_and_an_encrypted_number(operator, compound):
    order = make_order(
        operator, compound=compound, contact_name="李先生", contact_phone="139 0000 5678"
    )
    contact = order.contacts.get()
    assert contact.resident is None
    assert contact.phone_masked == "139****5678"
    assert "13900005678" not in contact.phone_encrypted
    assert contact.reveal_phone() == "13900005678"


def test_the_urgency_and_level_default_from_the_category(operator, household):
    order = make_order(operator, household=household, code="elderly_emergency", description="摔倒")
    assert order.urgency == "urgent"
    assert order.level == Level.COMMUNITY
    assert (order.response_due - order.created_at).total_seconds() == 30 * 60


def test_an_order_of_a_category_that_belongs_to_a_unit_is_a_unit_matter(operator, compound):
    lights = category("street_lighting")
    lights.unit = make_unit(compound.grid.community)
    lights.save()
    order = make_order(operator, compound=compound, code="street_lighting", description="路灯不亮")
    assert order.level == Level.UNIT


def test_solved_on_the_call_is_received_and_resolved_at_once(operator, household):
    caller = make_resident(household)
    order = make_order(
        operator,
        caller=caller,
        code="companionship",
        description="一个人在家闷得慌",
        solved_on_call=True,
        resolution="陪老人聊了二十分钟，约好明天再打电话",
    )
    assert order.state == State.RESOLVED
    assert order.solved_on_call
    assert order.resolved_at == order.created_at
    assert kinds(order) == ["created", "solved_on_call"]
    assert Order.objects.awaiting_callback().filter(pk=order.pk).exists()


def test_solved_on_the_call_needs_what_was_said(operator, household):
    with pytest.raises(ServiceError):
        make_order(operator, household=household, solved_on_call=True, resolution=" ")
    assert not Order.objects.exists()


def test_an_order_needs_a_description_and_a_place(operator, community):
    with pytest.raises(ServiceError):
        make_order(operator, description="  ", location_text="北街")
    with pytest.raises(ServiceError):
        make_order(operator)
    assert not Order.objects.exists()


def test_an_order_with_only_an_address_belongs_to_the_operators_community(operator, community):
    order = make_order(operator, location_text="北街口")
    assert order.community == community
    assert order.grid is None


def test_a_grid_worker_can_report_what_they_found_in_their_grid(grid_worker, grid):
    order = make_order(grid_worker, location_text="市场后面的巷子", channel=Order.Channel.VISIT)
    assert order.grid == grid
    assert Order.objects.visible_to(grid_worker).filter(pk=order.pk).exists()


def test_the_full_path_received_to_closed(operator, grid_worker, household):
    caller = make_resident(household)
    order = make_order(operator, caller=caller)
    services.dispatch_order(acting_user=operator, order=order, user=grid_worker, note="请尽快")
    assert order.state == State.DISPATCHED and order.assignee_user == grid_worker
    services.accept_order(acting_user=grid_worker, order=order, channel="mobile")
    services.start_work(acting_user=grid_worker, order=order)
    services.add_note(
        acting_user=grid_worker, order=order, note="已上门查看", photo_paths=["orders/a.jpg"]
    )
    services.resolve_order(acting_user=grid_worker, order=order, resolution="联系师傅修好了")
    services.record_callback(
        acting_user=operator, order=order, result="satisfied", words="谢谢小刘热线"
    )
    order.refresh_from_db()
    assert order.state == State.CLOSED
    assert order.satisfaction == "satisfied"
    assert order.accepted_at and order.resolved_at and order.closed_at and order.called_back_at
    assert kinds(order) == [
        "created",
        "dispatched",
        "accepted",
        "started",
        "note",
        "resolved",
        "callback",
        "closed",
    ]
    states = list(order.events.values_list("from_state", "to_state"))
    assert ("resolved", "called_back") in states and ("called_back", "closed") in states
    assert OrderPhoto.objects.get(order=order).path == "orders/a.jpg"
    contact = order.contacts.get()
    assert contact.callback_result == "satisfied" and contact.callback_words == "谢谢小刘热线"


def test_dispatch_notifies_the_grid_worker(operator, grid_worker, household):
    order = make_order(operator, household=household)
    services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    note = grid_worker.notifications.get()
    assert note.kind == "dispatched" and note.order == order
    assert order.number in note.subject


def test_staff_record_a_providers_work_on_their_behalf(operator, household):
    provider = make_provider(household.building.compound.grid.community, "老张家电")
    order = make_order(operator, household=household)
    services.dispatch_order(acting_user=operator, order=order, provider=provider)
    services.accept_order(acting_user=operator, order=order, channel="phone")
    services.resolve_order(acting_user=operator, order=order, resolution="换了电源板")
    accepted = order.events.get(kind="accepted")
    assert accepted.actor == operator
    assert accepted.on_behalf_of == str(provider)
    assert order.state == State.RESOLVED


def test_a_volunteer_with_an_account_accepts_their_errand(operator, volunteer, household):
    helper = make_volunteer(
        household.building.compound.grid.community,
        grid=household.building.compound.grid,
        user=volunteer,
    )
    order = make_order(operator, household=household, code="errands", description="买降压药")
    services.dispatch_order(acting_user=operator, order=order, volunteer=helper)
    services.accept_order(acting_user=volunteer, order=order)
    assert order.events.get(kind="accepted").on_behalf_of == ""
    assert volunteer.notifications.filter(kind="dispatched").exists()


def test_dispatch_to_a_unit_makes_it_a_unit_matter(operator, compound):
    unit = make_unit(compound.grid.community)
    order = make_order(operator, compound=compound, code="road_damage", description="路面塌了")
    services.dispatch_order(acting_user=operator, order=order, unit=unit)
    assert order.level == Level.UNIT and order.assignee_unit == unit


def test_a_returned_order_is_re_dispatched(operator, grid_worker, grid_worker_b, household):
    order = make_order(operator, household=household)
    services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    services.return_order(acting_user=grid_worker, order=order, reason="不归我们网格")
    assert order.state == State.RETURNED and order.assignee_user is None
    assert order.events.get(kind="returned").data["previous"] == str(grid_worker)
    assert operator.notifications.filter(kind="returned").exists()
    provider = make_provider(household.building.compound.grid.community)
    services.dispatch_order(acting_user=operator, order=order, provider=provider)
    assert order.state == State.DISPATCHED and order.assignee_provider == provider


def test_change_of_assignee_needs_to_be_asked_for(operator, grid_worker, household):
    community = household.building.compound.grid.community
    order = make_order(operator, household=household)
    services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    provider = make_provider(community)
    services.dispatch_order(acting_user=operator, order=order, provider=provider, reassign=True)
    order.refresh_from_db()
    assert order.assignee_provider == provider and order.assignee_user is None
    assert order.events.filter(kind="dispatched").count() == 2


def test_an_unsatisfied_call_back_reopens_the_order_to_the_same_assignee(
    operator, grid_worker, household
):
    order = make_order(operator, caller=make_resident(household))
    services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    services.accept_order(acting_user=grid_worker, order=order)
    services.resolve_order(acting_user=grid_worker, order=order, resolution="修了")
    services.record_callback(
        acting_user=operator, order=order, result="unsatisfied", words="还是不亮"
    )
    order.refresh_from_db()
    assert order.state == State.DISPATCHED
    assert order.assignee_user == grid_worker
    assert order.reopen_count == 1
    assert order.resolved_at is None
    assert order.contacts.get().callback_result == ""
    assert "reopened" in kinds(order)
    assert grid_worker.notifications.filter(kind="reopened").exists()


def test_unsatisfied_kept_closed_waits_for_someone_to_close_it(operator, grid_worker, household):
    order = make_order(operator, caller=make_resident(household))
    services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    services.accept_order(acting_user=grid_worker, order=order)
    services.resolve_order(acting_user=grid_worker, order=order, resolution="已调解")
    services.record_callback(
        acting_user=operator,
        order=order,
        result="unsatisfied",
        words="对方还是吵",
        keep_closed_reason="双方已签调解协议，超出社区职责",
    )
    order.refresh_from_db()
    assert order.state == State.CALLED_BACK and order.satisfaction == "unsatisfied"
    services.close_order(acting_user=operator, order=order)
    assert order.state == State.CLOSED


def test_a_resident_not_reached_twice_is_unreachable_not_satisfied(
    operator, grid_worker, household
):
    order = make_order(operator, caller=make_resident(household))
    services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    services.accept_order(acting_user=grid_worker, order=order)
    services.resolve_order(acting_user=grid_worker, order=order, resolution="修好了")
    services.record_callback(acting_user=operator, order=order, result="unreachable")
    order.refresh_from_db()
    assert order.state == State.RESOLVED
    assert order.contacts.get().callback_attempts == 1
    services.record_callback(acting_user=operator, order=order, result="unreachable")
    order.refresh_from_db()
    assert order.state == State.CLOSED
    assert order.satisfaction == "unreachable"
    assert order.contacts.get().callback_result == "unreachable"


def test_every_attached_caller_gets_the_call_back(operator, grid_worker, household, building):
    first = make_resident(household, "甲")
    order = make_order(operator, caller=first)
    second = services.attach_caller(
        acting_user=operator, order=order, name="乙", phone="13700001111"
    )
    services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    services.accept_order(acting_user=grid_worker, order=order)
    services.resolve_order(acting_user=grid_worker, order=order, resolution="疏通了")
    services.record_callback(acting_user=operator, order=order, result="satisfied")
    order.refresh_from_db()
    assert order.state == State.RESOLVED  # 乙 still to call
    services.record_callback(acting_user=operator, order=order, result="basic", contact=second)
    order.refresh_from_db()
    assert order.state == State.CLOSED
    assert order.satisfaction == "basic"


def test_attaching_the_same_resident_twice_keeps_one_contact(operator, household):
    caller = make_resident(household)
    order = make_order(operator, caller=caller)
    services.attach_caller(acting_user=operator, order=order, caller=caller, note="又打来问")
    assert order.contacts.count() == 1
    assert order.events.get(kind="caller_attached").data["again"] is True


def test_an_anonymous_order_with_nobody_to_call_back_is_closed_directly(operator, compound):
    order = make_order(operator, compound=compound, code="sanitation", description="垃圾堆了三天")
    order = make_order(
        operator,
        compound=compound,
        code="consultation",
        description="问低保政策",
        solved_on_call=True,
        resolution="讲清楚了",
    )
    with pytest.raises(ServiceError):
        services.record_callback(acting_user=operator, order=order, result="satisfied")
    services.close_order(acting_user=operator, order=order)
    assert order.state == State.CLOSED


def test_withdrawing_needs_a_reason_and_tells_the_assignee(operator, grid_worker, household):
    order = make_order(operator, household=household)
    services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    with pytest.raises(ServiceError):
        services.withdraw_order(acting_user=operator, order=order, reason="")
    services.withdraw_order(acting_user=operator, order=order, reason="孩子回来修好了")
    assert order.state == State.WITHDRAWN and order.closed_at
    assert grid_worker.notifications.filter(kind="withdrawn").exists()


def test_the_leader_supervises_an_order(leader, operator, grid_worker, household):
    order = make_order(operator, household=household)
    services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    services.supervise_order(acting_user=leader, order=order, note="今天下班前必须处理")
    order.refresh_from_db()
    assert order.is_supervised
    event = order.events.get(kind="supervised")
    assert event.actor == leader and event.data == {"automatic": False}
    assert grid_worker.notifications.filter(kind="supervised").exists()


def test_merging_keeps_both_timelines_and_moves_the_callers(operator, household, household_b):
    first = make_order(
        operator,
        caller=make_resident(household, "甲"),
        code="drain_blockage",
        description="下水道堵了",
    )
    second = make_order(
        operator,
        caller=make_resident(household, "乙"),
        code="drain_blockage",
        description="下水道又堵了",
    )
    services.add_note(acting_user=operator, order=second, note="乙说楼下也冒水")
    into = services.merge_orders(acting_user=operator, duplicate=second, into=first)
    second.refresh_from_db()
    assert into == first
    assert second.state == State.MERGED and second.merged_into == first
    assert kinds(second) == ["created", "note", "merged"]
    assert kinds(first) == ["created", "merged"]
    assert sorted(c.name for c in first.contacts.all()) == ["乙", "甲"]
    assert not OrderContact.objects.filter(order=second).exists()


def test_an_outsider_cannot_see_or_touch_an_order(operator, outsider, grid_worker_b, household):
    order = make_order(operator, household=household)
    with pytest.raises(NotFound):
        services.add_note(acting_user=outsider, order=order, note="?")
    with pytest.raises(NotFound):
        services.add_note(acting_user=grid_worker_b, order=order, note="?")
    assert not OrderEvent.objects.filter(kind="note").exists()
