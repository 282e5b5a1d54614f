"""The care demo on a small community: plans, history, alerts, visits, hours and the
recurring drain card at 和谐果品小区."""

import pytest

from care import demo
from care.models import CareAlert, CarePlan, CheckIn, HomeVisit, RecurringProblem, ServiceHours
from care.tests import factories as f
from linli import testing as t
from linli.demo import DemoContext


@pytest.fixture
def ctx(
    community, grid, grid_b, compound, compound_b, leader, operator, grid_worker, grid_worker_b
):
    context = DemoContext(seed=2022)
    context.community = community
    context.grids = [grid, grid_b]
    context.compounds = {"供销巷小区": compound, "和谐果品小区": compound_b}
    context.users = {
        "leader": leader,
        "operator": operator,
        "grid1": grid_worker,
        "grid2": grid_worker_b,
    }
    shop_building = t.make_building(compound_b, "1号楼")
    people = {}
    for key, room in (("shop_owner", "101"), ("above_shop_1", "201"), ("above_shop_3", "301")):
        people[key] = f.make_resident(t.make_household(shop_building, room), birth_year=1960)
    for c in (compound, compound_b):
        building = t.make_building(c)
        for i in range(6):
            household = t.make_household(building, f"{i + 1}02")
            f.make_resident(
                household, tags=["aged_80", "living_alone"] if i % 2 else ["empty_nest"]
            )
    people["lonely_elder"] = f.make_resident(
        t.make_household(t.make_building(compound), "501"),
        "李秀英",
        tags=["living_alone", "aged_80"],
    )
    context.extra["people"] = people
    context.extra["volunteers"] = {
        "刘桂兰": f.make_volunteer(community, "刘桂兰", grid=grid, skills=["companionship"]),
        "樊福禄": f.make_volunteer(community, "樊福禄", grid=grid_b, skills=["labour"]),
    }
    return context


@pytest.mark.django_db
def test_the_demo_gives_plans_history_alerts_visits_hours_and_the_drain_card(ctx):
    demo.load(ctx)
    assert CarePlan.objects.count() == 13
    assert CheckIn.objects.filter(outcome="fine").count() > 13
    assert CareAlert.objects.filter(state="open", grid=ctx.grids[0]).count() == 1
    escalated = CareAlert.objects.get(grid=ctx.grids[1])
    assert escalated.escalated_at is not None and escalated.state == "handled"
    assert HomeVisit.objects.done().exists() and HomeVisit.objects.planned().exists()
    assert ServiceHours.objects.filter(source="manual", volunteer__name="樊福禄").count() == 4
    card = RecurringProblem.objects.get(compound=ctx.compounds["和谐果品小区"])
    assert card.category.code == "drain_blockage" and card.order_count >= 3
    assert CheckIn.objects.filter(outcome="needs_help", plan__resident__name="李秀英").exists()
