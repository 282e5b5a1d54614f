"""record_check_in: fine, needs help or no answer, in two taps."""

import datetime as dt

import pytest
import time_machine

from care import services
from care.models import CheckIn, ServiceHours
from care.tests import factories as f
from hotline.models import Order
from linli import testing as t
from linli.lib.errors import NotAllowed, NotFound, ServiceError


def due(plan, kind):
    return plan.items.get(kind=kind).next_due


@pytest.mark.django_db
def test_fine_schedules_the_next_call_a_week_later(plan, grid_worker):
    plan.items.update(next_due=dt.date(2026, 3, 2))
    with time_machine.travel(f.at(2026, 3, 2), tick=False):
        services.record_check_in(acting_user=grid_worker, plan=plan, kind="call", outcome="fine")
    assert due(plan, "call") == dt.date(2026, 3, 9)
    assert plan.items.get(kind="call").last_done_on == dt.date(2026, 3, 2)


@pytest.mark.django_db
def test_a_visit_also_settles_a_call_that_is_due(plan, grid_worker):
    plan.items.update(next_due=dt.date(2026, 3, 1))
    with time_machine.travel(f.at(2026, 3, 2), tick=False):
        services.record_check_in(acting_user=grid_worker, plan=plan, kind="visit", outcome="fine")
    assert due(plan, "visit") == dt.date(2026, 4, 1)
    assert due(plan, "call") == dt.date(2026, 3, 9)


@pytest.mark.django_db
def test_no_answer_leaves_the_contact_due(plan, grid_worker):
    plan.items.update(next_due=dt.date(2026, 3, 2))
    with time_machine.travel(f.at(2026, 3, 2), tick=False):
        services.record_check_in(
            acting_user=grid_worker, plan=plan, kind="call", outcome="no_answer"
        )
    assert due(plan, "call") == dt.date(2026, 3, 2)
    assert not plan.alerts.exists()


@pytest.mark.django_db
def test_needs_help_opens_a_hotline_order_for_the_resident(plan, grid_worker, elder, household):
    check_in = services.record_check_in(
        acting_user=grid_worker, plan=plan, kind="call", outcome="needs_help", note="药吃完了"
    )
    order = check_in.order
    assert order.channel == Order.Channel.CHECK_IN
    assert order.caller == elder
    assert order.household == household
    assert order.category.code == "other"
    assert "药吃完了" in order.description
    assert order.contacts.get().resident == elder


@pytest.mark.django_db
def test_needs_help_uses_the_category_set_for_the_community(plan, grid_worker, community):
    from care.models import CareSettings

    CareSettings.objects.create(community=community, needs_help_category=f.category("errands"))
    check_in = services.record_check_in(
        acting_user=grid_worker, plan=plan, kind="call", outcome="needs_help"
    )
    assert check_in.order.category.code == "errands"


@pytest.mark.django_db
def test_a_volunteer_records_their_own_resident_and_earns_minutes(
    plan, operator, volunteer, community
):
    helper = f.make_volunteer(community, user=volunteer)
    services.assign_responsible(acting_user=operator, plan=plan, volunteer=helper)
    check_in = services.record_check_in(
        acting_user=volunteer, plan=plan, kind="call", outcome="fine"
    )
    assert check_in.done_by == helper
    line = ServiceHours.objects.get(volunteer=helper)
    assert (line.minutes, line.source, line.check_in) == (15, "check_in", check_in)


@pytest.mark.django_db
def test_a_volunteer_needing_help_for_their_resident_opens_an_order(
    plan, operator, volunteer, community
):
    helper = f.make_volunteer(community, user=volunteer)
    services.assign_responsible(acting_user=operator, plan=plan, volunteer=helper)
    check_in = services.record_check_in(
        acting_user=volunteer, plan=plan, kind="call", outcome="needs_help"
    )
    assert check_in.order.created_by == volunteer


@pytest.mark.django_db
def test_no_answer_earns_no_minutes(plan, operator, volunteer, community):
    helper = f.make_volunteer(community, user=volunteer)
    services.assign_responsible(acting_user=operator, plan=plan, volunteer=helper)
    services.record_check_in(acting_user=volunteer, plan=plan, kind="call", outcome="no_answer")
    assert not ServiceHours.objects.exists()


@pytest.mark.django_db
def test_staff_enter_the_check_in_of_a_volunteer_without_an_account(plan, operator, community):
    helper = f.make_volunteer(community, "樊福禄")
    services.assign_responsible(acting_user=operator, plan=plan, volunteer=helper)
    check_in = services.record_check_in(
        acting_user=operator, plan=plan, kind="visit", outcome="fine", done_by=helper
    )
    assert check_in.recorded_by == operator
    assert check_in.done_by == helper
    assert ServiceHours.objects.get(volunteer=helper).minutes == 45


@pytest.mark.django_db
def test_a_volunteer_cannot_claim_a_check_in_for_someone_else(plan, operator, volunteer, community):
    mine = f.make_volunteer(community, user=volunteer)
    other = f.make_volunteer(community, "别人")
    services.assign_responsible(acting_user=operator, plan=plan, volunteer=mine)
    with pytest.raises(ServiceError):
        services.record_check_in(
            acting_user=volunteer, plan=plan, kind="call", outcome="fine", done_by=other
        )


@pytest.mark.django_db
def test_a_volunteer_cannot_record_for_a_resident_not_in_their_care(plan, volunteer):
    with pytest.raises(NotFound):
        services.record_check_in(acting_user=volunteer, plan=plan, kind="call", outcome="fine")
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_the_grid_worker_of_another_grid_cannot_record(plan, grid_worker_b):
    with pytest.raises(NotFound):
        services.record_check_in(acting_user=grid_worker_b, plan=plan, kind="call", outcome="fine")


@pytest.mark.django_db
def test_an_outsider_cannot_record(plan, outsider):
    with pytest.raises(NotFound):
        services.record_check_in(acting_user=outsider, plan=plan, kind="call", outcome="fine")


@pytest.mark.django_db
def test_a_committee_member_cannot_record(plan, committee_member):
    with pytest.raises(NotAllowed):
        services.record_check_in(
            acting_user=committee_member, plan=plan, kind="call", outcome="fine"
        )


@pytest.mark.django_db
def test_a_paused_plan_takes_no_check_ins(plan, grid_worker):
    services.set_plan_active(acting_user=grid_worker, plan=plan, active=False, note="住院")
    with pytest.raises(ServiceError):
        services.record_check_in(acting_user=grid_worker, plan=plan, kind="call", outcome="fine")


@pytest.mark.django_db
def test_a_check_in_cannot_be_dated_in_the_future(plan, grid_worker):
    with time_machine.travel(f.at(2026, 3, 2), tick=False):
        with pytest.raises(ServiceError):
            services.record_check_in(
                acting_user=grid_worker,
                plan=plan,
                kind="call",
                outcome="fine",
                at=f.at(2026, 3, 3),
            )


@pytest.mark.django_db
def test_a_late_entry_keeps_its_real_time_on_the_order(plan, grid_worker):
    plan.items.update(next_due=dt.date(2026, 3, 1))
    with time_machine.travel(f.at(2026, 3, 5), tick=False):
        check_in = services.record_check_in(
            acting_user=grid_worker,
            plan=plan,
            kind="visit",
            outcome="needs_help",
            at=f.at(2026, 3, 2, 15),
        )
    assert check_in.order.created_at == f.at(2026, 3, 2, 15)
    assert due(plan, "visit") == dt.date(2026, 4, 1)


@pytest.mark.django_db
def test_the_responsible_grid_worker_can_be_changed_only_to_someone_in_the_area(
    plan, operator, grid_worker_b
):
    with pytest.raises(ServiceError):
        services.assign_responsible(acting_user=operator, plan=plan, user=grid_worker_b)
    other = t.make_user(role=t.Role.GRID_WORKER, grid=plan.grid)
    services.assign_responsible(acting_user=operator, plan=plan, user=other)
    plan.refresh_from_db()
    assert plan.responsible_user == other
