"""The person holding a care plan gets the full number to call its resident, and only
that one; every look is in the access log like any other revealed number."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditLog
from care import services
from care.tests import factories as f
from linli.lib.errors import NotFound
from people import services as people


@pytest.fixture
def elder_phone(operator, elder):
    return people.add_phone(
        acting_user=operator, resident=elder, number="13800001234", label="本人"
    )


@pytest.fixture
def helper(operator, volunteer, community, plan):
    """The volunteer account holds the elder's plan; the call is due today."""
    volunteer_row = f.make_volunteer(community, user=volunteer)
    services.assign_responsible(acting_user=operator, plan=plan, volunteer=volunteer_row)
    plan.items.update(next_due=dt.date(2026, 3, 2))
    return volunteer_row


@pytest.fixture
def neighbour(operator, household, community):
    """Another elder of the same household, whose plan the volunteer does not hold."""
    resident = f.make_resident(household, "李大爷", tags=["living_alone"])
    phone = people.add_phone(acting_user=operator, resident=resident, number="13900005678")
    services.generate_plans(acting_user=operator, community=community)
    resident.care_plan.items.update(next_due=dt.date(2026, 3, 2))
    return resident, phone


def reveals(user):
    return AuditLog.objects.filter(actor=user, action="resident.reveal_phone")


def call_url(plan, phone):
    return reverse("care:call", args=[plan.pk, phone.pk])


@pytest.mark.django_db
def test_the_volunteer_taps_for_the_number_of_their_resident_and_gets_a_call_link(
    login, volunteer, helper, plan, elder_phone
):
    client = login(volunteer)
    with time_machine.travel(f.at(2026, 3, 2), tick=False):
        today = client.get(reverse("care:today")).content.decode()
        # The list shows the masked number and the way to the full one, not the number.
        assert "138****1234" in today
        assert "13800001234" not in today
        assert call_url(plan, elder_phone) in today
        answer = client.post(call_url(plan, elder_phone), HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    assert 'href="tel:13800001234"' in answer.content.decode()
    assert "no-store" in answer["Cache-Control"]
    entry = reveals(volunteer).get()
    assert entry.object_id == str(plan.resident_id)
    assert entry.after["masked"] == "138****1234"
    assert entry.after["care_plan"] == plan.pk
    assert entry.note  # the care plan stands as the reason


@pytest.mark.django_db
def test_without_script_the_number_comes_on_a_page_of_its_own(
    login, volunteer, helper, plan, elder_phone
):
    answer = login(volunteer).post(call_url(plan, elder_phone))
    assert answer.status_code == 200
    assert 'href="tel:13800001234"' in answer.content.decode()
    assert reveals(volunteer).count() == 1


@pytest.mark.django_db
def test_the_volunteer_gets_no_number_of_a_resident_whose_plan_they_do_not_hold(
    login, volunteer, helper, neighbour
):
    resident, phone = neighbour
    client = login(volunteer)
    with time_machine.travel(f.at(2026, 3, 2), tick=False):
        assert "李大爷" not in client.get(reverse("care:today")).content.decode()
        answer = client.post(call_url(resident.care_plan, phone), HTTP_HX_REQUEST="true")
    assert answer.status_code == 404
    assert "13900005678" not in answer.content.decode()
    with pytest.raises(NotFound):
        services.phone_to_call(acting_user=volunteer, plan=resident.care_plan, phone=phone)
    assert not reveals(volunteer).exists()


@pytest.mark.django_db
def test_a_phone_of_another_resident_is_not_reached_through_ones_own_plan(
    volunteer, helper, plan, neighbour
):
    _resident, phone = neighbour
    with pytest.raises(NotFound):
        services.phone_to_call(acting_user=volunteer, plan=plan, phone=phone)
    assert not reveals(volunteer).exists()


@pytest.mark.django_db
def test_a_paused_plan_or_a_handed_over_one_gives_no_number(
    operator, volunteer, grid_worker, helper, plan, elder_phone
):
    services.set_plan_active(acting_user=operator, plan=plan, active=False, note="住院")
    with pytest.raises(NotFound):
        services.phone_to_call(acting_user=volunteer, plan=plan, phone=elder_phone)
    services.set_plan_active(acting_user=operator, plan=plan, active=True)
    services.assign_responsible(acting_user=operator, plan=plan, user=grid_worker)
    with pytest.raises(NotFound):
        services.phone_to_call(acting_user=volunteer, plan=plan, phone=elder_phone)
    # The grid worker who now holds the plan makes the call the same way.
    assert services.phone_to_call(acting_user=grid_worker, plan=plan, phone=elder_phone) == (
        "13800001234"
    )
    assert not reveals(volunteer).exists()
    assert reveals(grid_worker).count() == 1


@pytest.mark.django_db
def test_staff_entering_an_accountless_volunteers_check_ins_get_no_shortcut(
    login, operator, community, plan, elder_phone
):
    # The office keeps this plan's check-ins for a volunteer without an account: the
    # row shows the masked number only; staff reveal numbers in the registry, with a
    # reason, as always.
    no_account = f.make_volunteer(community, name="钱大姐")
    services.assign_responsible(acting_user=operator, plan=plan, volunteer=no_account)
    plan.items.update(next_due=dt.date(2026, 3, 2))
    with time_machine.travel(f.at(2026, 3, 2), tick=False):
        today = login(operator).get(reverse("care:today")).content.decode()
    assert "138****1234" in today
    assert call_url(plan, elder_phone) not in today
    with pytest.raises(NotFound):
        services.phone_to_call(acting_user=operator, plan=plan, phone=elder_phone)
