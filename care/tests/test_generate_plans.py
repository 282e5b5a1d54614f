"""generate_plans: every resident with care tags gets the contact the rules ask for."""

import datetime as dt

import pytest
import time_machine

from care import services
from care.models import CarePlan, ContactRule
from care.tests import factories as f
from linli.lib.errors import NotAllowed, NotFound


def schedule(resident):
    return {i.kind: i.every_days for i in resident.care_plan.items.all()}


@pytest.mark.django_db
def test_an_elder_over_80_living_alone_gets_a_weekly_call_and_a_monthly_visit(
    operator, community, household, grid_worker
):
    elder = f.make_resident(household, tags=["aged_80", "living_alone"])
    counts = services.generate_plans(acting_user=operator, community=community)
    assert counts == {"created": 1, "updated": 0, "deactivated": 0}
    assert schedule(elder) == {"call": 7, "visit": 30}
    assert elder.care_plan.responsible_user == grid_worker
    assert elder.care_plan.grid == household.building.compound.grid


@pytest.mark.django_db
def test_a_bereaved_parent_gets_a_visit_every_two_weeks(operator, community, household):
    parent = f.make_resident(household, tags=["lost_only_child"])
    services.generate_plans(acting_user=operator, community=community)
    assert schedule(parent) == {"visit": 14}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["living_alone"], {"call": 7}),
        (["aged_80"], {"call": 14}),
        (["empty_nest"], {"call": 14}),
        (["limited_mobility"], {"call": 14}),
        (["disabled"], {"call": 14}),
        (["serious_illness"], {"call": 7, "visit": 14}),
        (["low_income"], {"visit": 90}),
        (["lost_only_child", "aged_80"], {"call": 14, "visit": 14}),
    ],
)
def test_each_care_tag_has_a_default_rule(operator, community, household, tags, expected):
    resident = f.make_resident(household, tags=tags)
    services.generate_plans(acting_user=operator, community=community)
    assert schedule(resident) == expected


@pytest.mark.django_db
def test_residents_without_care_tags_get_no_plan(operator, community, household):
    f.make_resident(household)
    services.generate_plans(acting_user=operator, community=community)
    assert not CarePlan.objects.exists()


@pytest.mark.django_db
def test_the_first_contacts_are_spread_over_the_interval_but_never_in_the_past(
    operator, community, household
):
    residents = [f.make_resident(household, tags=["living_alone"]) for _ in range(7)]
    with time_machine.travel(f.at(2026, 3, 2), tick=False):
        services.generate_plans(acting_user=operator, community=community)
    dues = {r.care_plan.items.get().next_due for r in residents}
    assert len(dues) == 7
    assert min(dues) >= dt.date(2026, 3, 2)
    assert max(dues) <= dt.date(2026, 3, 8)


@pytest.mark.django_db
def test_running_it_again_changes_nothing(operator, community, household):
    f.make_resident(household, tags=["aged_80", "living_alone"])
    services.generate_plans(acting_user=operator, community=community)
    again = services.generate_plans(acting_user=operator, community=community)
    assert again == {"created": 0, "updated": 0, "deactivated": 0}
    assert CarePlan.objects.count() == 1


@pytest.mark.django_db
def test_an_edited_rule_reaches_the_plans_that_follow_the_rules(operator, community, household):
    elder = f.make_resident(household, tags=["living_alone"])
    services.generate_plans(acting_user=operator, community=community)
    ContactRule.objects.filter(name="独居：每周电话").update(every_days=3)
    counts = services.generate_plans(acting_user=operator, community=community)
    assert counts["updated"] == 1
    assert schedule(elder) == {"call": 3}


@pytest.mark.django_db
def test_a_plan_changed_by_hand_keeps_its_schedule(operator, community, household):
    elder = f.make_resident(household, tags=["living_alone"])
    services.generate_plans(acting_user=operator, community=community)
    services.set_plan_contact(acting_user=operator, plan=elder.care_plan, kind="call", every_days=2)
    ContactRule.objects.filter(name="独居：每周电话").update(every_days=3)
    services.generate_plans(acting_user=operator, community=community)
    assert schedule(elder) == {"call": 2}


@pytest.mark.django_db
def test_a_resident_who_loses_the_tag_or_moves_away_is_switched_off(operator, community, household):
    lonely = f.make_resident(household, tags=["living_alone"])
    moving = f.make_resident(household, tags=["living_alone"])
    services.generate_plans(acting_user=operator, community=community)
    lonely.care_tags.clear()
    moving.moved_away_on = dt.date(2026, 1, 1)
    moving.save()
    counts = services.generate_plans(acting_user=operator, community=community)
    assert counts["deactivated"] == 2
    assert not CarePlan.objects.filter(is_active=True).exists()


@pytest.mark.django_db
def test_a_grid_without_a_grid_worker_leaves_the_plan_to_the_office(
    operator, community, household_b
):
    resident = f.make_resident(household_b, tags=["living_alone"])
    services.generate_plans(acting_user=operator, community=community)
    plan = resident.care_plan
    assert plan.responsible_user is None and plan.responsible_volunteer is None


@pytest.mark.django_db
def test_only_the_office_generates_plans(grid_worker, community, household):
    f.make_resident(household, tags=["living_alone"])
    with pytest.raises(NotAllowed):
        services.generate_plans(acting_user=grid_worker, community=community)


@pytest.mark.django_db
def test_an_operator_of_another_community_cannot_generate_plans_here(
    community, other_community, household
):
    from linli import testing as t

    stranger = t.make_user(role=t.Role.OPERATOR, community=other_community)
    f.make_resident(household, tags=["living_alone"])
    with pytest.raises(NotFound):
        services.generate_plans(acting_user=stranger, community=community)
    assert not CarePlan.objects.exists()


@pytest.mark.django_db
def test_generating_writes_the_audit_log(operator, community, household):
    from accounts.models import AuditLog

    f.make_resident(household, tags=["living_alone"])
    services.generate_plans(acting_user=operator, community=community)
    entry = AuditLog.objects.get(action="care.plans.generate", actor=operator)
    assert entry.after["created"] == 1
