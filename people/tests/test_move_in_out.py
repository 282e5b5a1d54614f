"""move_in / move_out: tenants come and go, their history stays."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import AuditLog
from linli import testing as t
from linli.lib.errors import NotFound, ServiceError
from people import services
from people.models import Membership
from people.tests.factories import make_resident


@pytest.fixture
def rented(building):
    return t.make_household(building, "502", occupancy="rented")


def test_a_tenant_moving_out_keeps_the_tenancy_as_history(operator, community, rented):
    tenant = make_resident(operator, community, "赵六", household=rented)
    services.move_out(acting_user=operator, resident=tenant, on=dt.date(2025, 3, 31))
    tenant.refresh_from_db()
    assert tenant.household is None and tenant.moved_away_on == dt.date(2025, 3, 31)
    membership = Membership.objects.get(resident=tenant)
    assert membership.household == rented and membership.end_date == dt.date(2025, 3, 31)
    assert AuditLog.objects.filter(action="resident.move_out", object_id=str(tenant.pk)).exists()


def test_a_new_tenant_moves_in_after_the_old_one(operator, community, rented, household):
    old = make_resident(operator, community, "赵六", household=rented)
    services.move_out(acting_user=operator, resident=old, on=dt.date(2025, 3, 31))
    new = make_resident(operator, community, "钱七")
    services.move_in(
        acting_user=operator,
        resident=new,
        household=rented,
        relation=Membership.Relation.TENANT,
        on=dt.date(2025, 4, 1),
    )
    new.refresh_from_db()
    assert new.household == rented
    assert "钱七" in new.search_text and rented.door in new.search_text
    relations = rented.memberships.values_list("resident__name", "end_date")
    assert set(relations) == {("赵六", dt.date(2025, 3, 31)), ("钱七", None)}


def test_moving_within_the_community_ends_the_old_membership(
    operator, community, household, rented
):
    resident = make_resident(operator, community, "孙八", household=household)
    services.move_in(
        acting_user=operator,
        resident=resident,
        household=rented,
        relation=Membership.Relation.TENANT,
        on=dt.date(2025, 5, 1),
    )
    ended = Membership.objects.get(resident=resident, household=household)
    assert ended.end_date == dt.date(2025, 4, 30)
    resident.refresh_from_db()
    assert resident.household == rented and resident.moved_away_on is None


def test_moving_in_where_one_already_lives_is_refused(operator, community, household):
    resident = make_resident(operator, community, "孙八", household=household)
    with pytest.raises(ServiceError):
        services.move_in(
            acting_user=operator, resident=resident, household=household, relation="family"
        )


def test_a_grid_worker_cannot_move_someone_into_another_grid(
    grid_worker, operator, community, household, household_b
):
    resident = make_resident(operator, community, "孙八", household=household)
    with pytest.raises(NotFound):
        services.move_in(
            acting_user=grid_worker, resident=resident, household=household_b, relation="tenant"
        )


def test_an_outsider_cannot_move_anyone_out(outsider, operator, community, household):
    resident = make_resident(operator, community, "孙八", household=household)
    with pytest.raises(NotFound):
        services.move_out(acting_user=outsider, resident=resident)
