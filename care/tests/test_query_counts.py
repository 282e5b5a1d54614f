"""List pages keep a fixed number of queries however long the list (no hidden N+1)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from care import services
from care.tests import factories as f
from hotline import services as hotline
from linli import testing as t

PAGES = {
    # page: the most queries it may take, for one row or for many (about nine of them
    # are the session, the user, the roles and the navigation every page needs)
    "care:today": 13,
    "care:day": 19,
    "care:overview": 23,
    "care:plans": 15,
    "care:alerts": 12,
    "care:visits": 14,
    "care:coverage": 13,
    "care:volunteers": 10,
    "care:problems": 12,
    "care:season": 17,
}


def fill(n, *, operator, grid_worker, community, grid, compound):
    """``n`` of everything each list shows, in grid A1."""
    building = t.make_building(compound)
    for i in range(n):
        household = t.make_household(building, f"{i + 1}01")
        f.make_resident(household, tags=["aged_80", "living_alone"])
        f.make_volunteer(community, f"志愿者{i}", grid=grid)
        f.make_tenant(household, start=dt.date(2025, 1, 1))
    services.generate_plans(acting_user=operator, community=community)
    from care.models import CarePlan, PlanItem

    PlanItem.objects.update(next_due=dt.date(2026, 6, 1))
    for plan in CarePlan.objects.all():
        for _ in range(2):
            services.record_check_in(
                acting_user=grid_worker, plan=plan, kind="call", outcome="no_answer"
            )
    for household in building.households.all():
        visit = services.log_visit(
            acting_user=grid_worker, household=household, summary="走访", findings=["漏水"]
        )
        services.order_from_finding(
            acting_user=grid_worker,
            finding=visit.findings.get(),
            category=f.category("roof_leak"),
        )
        services.plan_visit(
            acting_user=grid_worker, household=household, on_date=dt.date(2026, 6, 2)
        )
        for _ in range(3):
            order = f.make_order(operator, household=household)
        hotline.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    services.detect_recurring_problems()


def count_queries(client, name, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit):
        response = client.get(reverse(name))
    assert response.status_code == 200, name


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 8])
def test_list_pages_do_not_grow_with_their_rows(
    n,
    login,
    leader,
    operator,
    grid_worker,
    community,
    grid,
    compound,
    django_assert_max_num_queries,
):
    with time_machine.travel(f.at(2026, 6, 2), tick=False):
        fill(
            n,
            operator=operator,
            grid_worker=grid_worker,
            community=community,
            grid=grid,
            compound=compound,
        )
        for user in (leader, grid_worker):
            client = login(user)
            for name, limit in PAGES.items():
                if name == "care:overview" and user == grid_worker:
                    continue
                if name == "care:day" and user == leader:
                    continue
                count_queries(client, name, django_assert_max_num_queries, limit)
