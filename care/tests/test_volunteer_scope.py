"""A volunteer sees in the registry exactly the residents whose check-ins they make."""

import pytest

from care import services
from care.tests import factories as f
from people.models import Resident


@pytest.mark.django_db
def test_a_volunteer_sees_the_residents_of_their_plans_and_no_others(
    plan, operator, volunteer, community, household, elder
):
    neighbour = f.make_resident(household, "李大爷", tags=["living_alone"])
    services.generate_plans(acting_user=operator, community=community)
    assert not Resident.objects.visible_to(volunteer).filter(pk=elder.pk).exists()
    helper = f.make_volunteer(community, user=volunteer)
    services.assign_responsible(acting_user=operator, plan=plan, volunteer=helper)
    visible = set(Resident.objects.visible_to(volunteer).values_list("pk", flat=True))
    assert elder.pk in visible
    assert neighbour.pk not in visible


@pytest.mark.django_db
def test_a_paused_plan_no_longer_opens_the_resident(plan, operator, volunteer, community, elder):
    helper = f.make_volunteer(community, user=volunteer)
    services.assign_responsible(acting_user=operator, plan=plan, volunteer=helper)
    services.set_plan_active(acting_user=operator, plan=plan, active=False, note="住院")
    assert not Resident.objects.visible_to(volunteer).filter(pk=elder.pk).exists()
