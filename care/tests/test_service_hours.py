"""Volunteers' service hours: from the errands and companionship orders they resolved,
from their check-ins, and added by hand."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from care import selectors, services, tasks
from care.models import ServiceHours
from care.tests import factories as f
from hotline import services as hotline
from linli.lib.errors import NotAllowed, NotFound, ServiceError


def resolved_order(operator, household, volunteer, code="errands", *, resolve=True):
    elder = f.make_resident(household, tags=["limited_mobility"])
    order = f.make_order(operator, code=code, description="帮忙买药", caller=elder)
    hotline.dispatch_order(acting_user=operator, order=order, volunteer=volunteer)
    order.refresh_from_db()
    hotline.accept_order(acting_user=operator, order=order)
    order.refresh_from_db()
    if resolve:
        hotline.resolve_order(acting_user=operator, order=order, resolution="药已送到")
        order.refresh_from_db()
    return order


@pytest.mark.django_db
def test_a_resolved_errand_earns_an_hour(operator, household, community, grid):
    helper = f.make_volunteer(community, grid=grid)
    with time_machine.travel(f.at(2026, 3, 2, 10), tick=False):
        order = resolved_order(operator, household, helper)
    assert tasks.accrue_order_hours.enqueue().return_value == 1
    line = ServiceHours.objects.get()
    assert (line.volunteer, line.order, line.minutes, line.source) == (helper, order, 60, "order")
    assert line.on_date == dt.date(2026, 3, 2)


@pytest.mark.django_db
def test_companionship_counts_too_and_each_order_only_once(operator, household, community):
    helper = f.make_volunteer(community, skills=["companionship"])
    resolved_order(operator, household, helper, code="companionship")
    assert services.accrue_order_hours() == 1
    assert services.accrue_order_hours() == 0
    assert ServiceHours.objects.count() == 1


@pytest.mark.django_db
def test_an_order_not_yet_resolved_earns_nothing(operator, household, community):
    helper = f.make_volunteer(community)
    resolved_order(operator, household, helper, resolve=False)
    assert services.accrue_order_hours() == 0


@pytest.mark.django_db
def test_other_categories_earn_no_automatic_hours(operator, household, community):
    helper = f.make_volunteer(community, skills=["repair"])
    resolved_order(operator, household, helper, code="water_pipe")
    assert services.accrue_order_hours() == 0


@pytest.mark.django_db
def test_hours_from_orders_check_ins_and_by_hand_add_up(plan, operator, household, community):
    helper = f.make_volunteer(community, "樊福禄")
    resolved_order(operator, household, helper)
    services.accrue_order_hours()
    services.assign_responsible(acting_user=operator, plan=plan, volunteer=helper)
    services.record_check_in(
        acting_user=operator, plan=plan, kind="visit", outcome="fine", done_by=helper
    )
    services.add_service_hours(
        acting_user=operator,
        volunteer=helper,
        on_date=timezone.localdate(),
        minutes=240,
        note="供销巷出工修盖板",
    )
    totals = selectors.hours_by_source(helper)
    assert totals == {"order": 60, "check_in": 45, "manual": 240, "total": 345}


@pytest.mark.django_db
def test_a_mistake_is_corrected_by_a_negative_line(operator, community):
    helper = f.make_volunteer(community)
    services.add_service_hours(
        acting_user=operator,
        volunteer=helper,
        on_date=timezone.localdate(),
        minutes=600,
        note="误录",
    )
    services.add_service_hours(
        acting_user=operator,
        volunteer=helper,
        on_date=timezone.localdate(),
        minutes=-540,
        note="更正",
    )
    assert selectors.hours_by_source(helper)["total"] == 60


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("minutes", "note", "day"),
    [(0, "x", 0), (60, "  ", 0), (25 * 60, "x", 0), (60, "x", 1)],
)
def test_hand_entries_need_a_reason_a_sane_length_and_a_past_day(
    operator, community, minutes, note, day
):
    helper = f.make_volunteer(community)
    with pytest.raises(ServiceError):
        services.add_service_hours(
            acting_user=operator,
            volunteer=helper,
            on_date=timezone.localdate() + dt.timedelta(days=day),
            minutes=minutes,
            note=note,
        )


@pytest.mark.django_db
def test_only_the_office_adds_hours_by_hand(grid_worker, volunteer, community, grid):
    helper = f.make_volunteer(community, grid=grid)
    for user in (grid_worker, volunteer):
        with pytest.raises(NotAllowed):
            services.add_service_hours(
                acting_user=user,
                volunteer=helper,
                on_date=timezone.localdate(),
                minutes=60,
                note="x",
            )


@pytest.mark.django_db
def test_an_outsider_office_cannot_add_hours(community, other_community):
    from linli import testing as t

    stranger = t.make_user(role=t.Role.OPERATOR, community=other_community)
    helper = f.make_volunteer(community)
    with pytest.raises(NotFound):
        services.add_service_hours(
            acting_user=stranger,
            volunteer=helper,
            on_date=timezone.localdate(),
            minutes=60,
            note="x",
        )


@pytest.mark.django_db
def test_the_volunteer_list_shows_load_and_hours(operator, household, community):
    helper = f.make_volunteer(community)
    resolved_order(operator, household, helper)
    resolved_order(operator, household, helper, resolve=False)
    services.accrue_order_hours()
    from people.models import Volunteer

    row = selectors.volunteer_rows(Volunteer.objects.all()).get(pk=helper.pk)
    assert (row.total_minutes, row.open_orders, row.active_plans) == (60, 1, 0)
