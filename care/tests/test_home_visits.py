"""Home visits (入户走访): logging, planning, findings turned into orders, coverage."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from care import services
from care.models import HomeVisit
from care.tests import factories as f
from hotline.models import Order
from linli import testing as t
from linli.lib.errors import Conflict, NotAllowed, NotFound, ServiceError
from places.models import Household


@pytest.mark.django_db
def test_a_grid_worker_logs_who_was_met_and_what_was_found(grid_worker, household, elder):
    visit = services.log_visit(
        acting_user=grid_worker,
        household=household,
        met_residents=[elder],
        met_note="女儿也在",
        summary="老人身体不错，厨房水管渗水",
        findings=["厨房水管渗水", "  "],
    )
    assert visit.is_done and visit.visitor == grid_worker
    assert list(visit.met_residents.all()) == [elder]
    assert [x.text for x in visit.findings.all()] == ["厨房水管渗水"]
    assert visit.grid == household.building.compound.grid


@pytest.mark.django_db
def test_an_empty_visit_is_refused(grid_worker, household):
    with pytest.raises(ServiceError):
        services.log_visit(acting_user=grid_worker, household=household)


@pytest.mark.django_db
def test_only_residents_of_the_household_can_be_ticked_as_met(grid_worker, household, household_b):
    neighbour = f.make_resident(household_b)
    with pytest.raises(ServiceError):
        services.log_visit(
            acting_user=grid_worker, household=household, met_residents=[neighbour], summary="x"
        )


@pytest.mark.django_db
def test_a_finding_becomes_a_hotline_order_in_one_step(grid_worker, household, elder):
    visit = services.log_visit(
        acting_user=grid_worker, household=household, met_residents=[elder], findings=["楼道灯不亮"]
    )
    finding = visit.findings.get()
    order = services.order_from_finding(
        acting_user=grid_worker, finding=finding, category=f.category("electrical")
    )
    assert order.channel == Order.Channel.VISIT
    assert order.household == household
    assert order.caller == elder
    assert order.description == "楼道灯不亮"
    assert order.created_by == grid_worker
    finding.refresh_from_db()
    assert finding.order == order


@pytest.mark.django_db
def test_a_finding_becomes_an_order_only_once(grid_worker, household):
    visit = services.log_visit(acting_user=grid_worker, household=household, findings=["漏水"])
    finding = visit.findings.get()
    services.order_from_finding(
        acting_user=grid_worker, finding=finding, category=f.category("water_pipe")
    )
    with pytest.raises(Conflict):
        services.order_from_finding(
            acting_user=grid_worker, finding=finding, category=f.category("water_pipe")
        )
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_a_planned_visit_is_carried_out(grid_worker, household):
    planned = services.plan_visit(
        acting_user=grid_worker, household=household, on_date=timezone.localdate() + dt.timedelta(1)
    )
    visit = services.log_visit(
        acting_user=grid_worker, household=household, summary="一切正常", visit=planned
    )
    assert visit.pk == planned.pk and visit.is_done
    with pytest.raises(Conflict):
        services.log_visit(
            acting_user=grid_worker, household=household, summary="again", visit=planned
        )


@pytest.mark.django_db
def test_visits_cannot_be_planned_in_the_past(grid_worker, household):
    with pytest.raises(ServiceError):
        services.plan_visit(
            acting_user=grid_worker, household=household, on_date=dt.date(2000, 1, 1)
        )


@pytest.mark.django_db
def test_other_grids_outsiders_and_volunteers_cannot_visit(
    household, grid_worker_b, outsider, volunteer
):
    for user in (grid_worker_b, outsider):
        with pytest.raises(NotFound):
            services.log_visit(acting_user=user, household=household, summary="x")
        with pytest.raises(NotFound):
            services.plan_visit(acting_user=user, household=household, on_date=timezone.localdate())
    with pytest.raises(NotAllowed):
        services.log_visit(acting_user=volunteer, household=household, summary="x")


@pytest.mark.django_db
def test_outsiders_cannot_turn_a_finding_into_an_order(
    grid_worker, grid_worker_b, outsider, household
):
    visit = services.log_visit(acting_user=grid_worker, household=household, findings=["漏水"])
    for user in (grid_worker_b, outsider):
        with pytest.raises(NotFound):
            services.order_from_finding(
                acting_user=user, finding=visit.findings.get(), category=f.category("water_pipe")
            )
        with pytest.raises(NotFound):
            services.add_finding(acting_user=user, visit=visit, text="x")


@pytest.mark.django_db
def test_coverage_lists_unvisited_households_with_changed_tenants_first(grid_worker, building):
    from care import selectors

    visited = t.make_household(building, "101")
    t.make_household(building, "102")
    rented = t.make_household(building, "103", occupancy=Household.Occupancy.RENTED)
    changed = t.make_household(building, "104", occupancy=Household.Occupancy.RENTED)
    old_visit = t.make_household(building, "105")
    with time_machine.travel(f.at(2025, 6, 1), tick=False):
        for h in (changed, old_visit, rented):
            services.log_visit(acting_user=grid_worker, household=h, summary="走访")
    f.make_tenant(changed, start=dt.date(2025, 1, 1), end=dt.date(2025, 9, 30))
    f.make_tenant(changed, start=dt.date(2025, 10, 1))
    f.make_tenant(rented, start=dt.date(2024, 1, 1))
    with time_machine.travel(f.at(2026, 3, 1), tick=False):
        services.log_visit(acting_user=grid_worker, household=visited, summary="走访")
        rows = selectors.visit_coverage(
            Household.objects.filter(building=building), dt.date(2026, 3, 2), 6
        )
    order = [r.household.room for r in rows]
    assert order[0] == "104" and rows[0].tenant_changed
    assert order[1] == "103" and not rows[1].tenant_changed
    assert "101" not in order
    assert order.index("102") < order.index("105")  # never visited before visited long ago
    assert order[-1] == "105"


@pytest.mark.django_db
def test_visit_queryset_is_scoped(grid_worker, grid_worker_b, household):
    services.log_visit(acting_user=grid_worker, household=household, summary="走访")
    assert HomeVisit.objects.visible_to(grid_worker).count() == 1
    assert HomeVisit.objects.visible_to(grid_worker_b).count() == 0
