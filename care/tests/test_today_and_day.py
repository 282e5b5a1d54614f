"""Today's check-ins (volunteers, grid workers, the office) and the grid worker's day."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from care import services
from care.models import CheckIn, ServiceHours
from care.tests import factories as f
from hotline import services as hotline
from linli import testing as t


@pytest.fixture
def due_today(plan):
    plan.items.update(next_due=dt.date(2026, 3, 2))
    return plan


@pytest.mark.django_db
def test_the_volunteer_sees_only_their_residents_and_no_care_tags(
    login, operator, volunteer, community, household, due_today
):
    helper = f.make_volunteer(community, user=volunteer)
    services.assign_responsible(acting_user=operator, plan=due_today, volunteer=helper)
    other = f.make_resident(household, "李大爷", tags=["living_alone"])
    services.generate_plans(acting_user=operator, community=community)
    other.care_plan.items.update(next_due=dt.date(2026, 3, 2))
    with time_machine.travel(f.at(2026, 3, 2), tick=False):
        content = login(volunteer).get(reverse("care:today")).content.decode()
    assert "王秀兰" in content
    assert "李大爷" not in content
    assert "独居" not in content  # care tags are not for volunteers (PIPL minimum necessary)


@pytest.mark.django_db
def test_two_taps_record_a_check_in_and_the_row_is_swapped_in_place(login, grid_worker, due_today):
    item = due_today.items.get(kind="call")
    client = login(grid_worker)
    with time_machine.travel(f.at(2026, 3, 2), tick=False):
        page = client.get(reverse("care:today")).content.decode()
        assert f'id="check-in-{item.pk}"' in page
        response = client.post(
            reverse("care:record", args=[item.pk]),
            {"outcome": "fine", "note": "精神很好"},
            HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200
    assert "is-done" in response.content.decode()
    check_in = CheckIn.objects.get()
    assert (check_in.outcome, check_in.note, check_in.kind) == ("fine", "精神很好", "call")


@pytest.mark.django_db
def test_without_htmx_the_record_answers_with_a_redirect(login, grid_worker, due_today):
    item = due_today.items.get(kind="call")
    response = login(grid_worker).post(
        reverse("care:record", args=[item.pk]), {"outcome": "no_answer"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("care:today")


@pytest.mark.django_db
def test_a_foreign_next_url_is_ignored(login, grid_worker, due_today):
    item = due_today.items.get(kind="call")
    response = login(grid_worker).post(
        reverse("care:record", args=[item.pk]),
        {"outcome": "no_answer", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("care:today")


@pytest.mark.django_db
def test_needs_help_from_the_list_opens_an_order(login, grid_worker, due_today):
    item = due_today.items.get(kind="call")
    login(grid_worker).post(reverse("care:record", args=[item.pk]), {"outcome": "needs_help"})
    assert CheckIn.objects.get().order.channel == "check_in"


@pytest.mark.django_db
def test_the_office_keeps_the_check_ins_of_volunteers_without_an_account(
    login, operator, community, due_today
):
    helper = f.make_volunteer(community, "樊福禄")
    services.assign_responsible(acting_user=operator, plan=due_today, volunteer=helper)
    item = due_today.items.get(kind="visit")
    client = login(operator)
    with time_machine.travel(f.at(2026, 3, 2), tick=False):
        page = client.get(reverse("care:today")).content.decode()
        assert "樊福禄" in page
        client.post(
            reverse("care:record", args=[item.pk]), {"outcome": "fine", "for_volunteer": "1"}
        )
    line = ServiceHours.objects.get()
    assert (line.volunteer, line.minutes) == (helper, 45)


@pytest.mark.django_db
def test_the_day_page_joins_alerts_check_ins_orders_and_planned_visits(
    login, operator, grid_worker, household, due_today
):
    with time_machine.travel(f.at(2026, 3, 2, 9), tick=False):
        for _ in range(2):
            services.record_check_in(
                acting_user=grid_worker, plan=due_today, kind="call", outcome="no_answer"
            )
        soon = f.make_order(operator, code="drain_blockage", household=household)
        later = f.make_order(operator, code="appliance_repair", household=household)
        for order in (later, soon):
            hotline.dispatch_order(acting_user=operator, order=order, user=grid_worker)
        services.plan_visit(
            acting_user=grid_worker,
            household=t.make_household(household.building, "601"),
            on_date=dt.date(2026, 3, 2),
        )
        content = login(grid_worker).get(reverse("care:day")).content.decode()
    assert "王秀兰" in content
    assert soon.number in content and later.number in content
    assert content.index(soon.number) < content.index(later.number)  # earlier deadline first
    assert "601" in content


@pytest.mark.django_db
def test_the_day_page_shows_the_season_reminder_in_june(login, grid_worker):
    with time_machine.travel(f.at(2026, 6, 2), tick=False):
        content = login(grid_worker).get(reverse("care:day")).content.decode()
    assert reverse("care:season") in content
    with time_machine.travel(f.at(2026, 4, 2), tick=False):
        content = login(grid_worker).get(reverse("care:day")).content.decode()
    assert f"{reverse('care:season')}?season" not in content


@pytest.mark.django_db
def test_the_overview_shows_missed_check_ins_to_the_leader(login, leader, plan):
    plan.items.update(next_due=dt.date(2026, 2, 20))
    with time_machine.travel(f.at(2026, 3, 2), tick=False):
        content = login(leader).get(reverse("care:overview")).content.decode()
    assert "王秀兰" in content
    assert reverse("care:plan", args=[plan.pk]) in content
