"""Dispatch suggestions ranked by fit — grid, skill or trade, ratings, open load — each
with the reasons a person can check."""

import pytest
from django.utils.translation import gettext as _

from hotline import services
from hotline.tests.factories import (
    category,
    make_order,
    make_provider,
    make_resident,
    make_unit,
    make_volunteer,
)
from linli import testing as t

pytestmark = pytest.mark.django_db


def kinds_and_names(suggestions):
    return [(s.kind, str(s.object)) for s in suggestions]


def test_the_grid_worker_of_the_place_is_suggested_with_the_reason(
    operator, grid_worker, grid_worker_b, household
):
    order = make_order(operator, household=household, code="noise", description="夜里吵")
    suggestions = services.suggest_assignees(order)
    assert kinds_and_names(suggestions) == [("user", "王芳")]
    reasons = " ".join(suggestions[0].reasons)
    assert "第一网格" in reasons
    assert suggestions[0].key == f"user:{grid_worker.pk}"


def test_providers_of_the_categorys_trade_are_ranked_by_past_call_backs(operator, household, grid):
    community = household.building.compound.grid.community
    good = make_provider(community, "好师傅", trade="appliance_repair")
    poor = make_provider(community, "差师傅", trade="appliance_repair")
    make_provider(community, "疏通队", trade="drain_clearing", label="管道疏通")
    for provider, result in ((good, "satisfied"), (poor, "unsatisfied")):
        order = make_order(operator, caller=make_resident(household), description="电视坏了")
        services.dispatch_order(acting_user=operator, order=order, provider=provider)
        services.accept_order(acting_user=operator, order=order)
        services.resolve_order(acting_user=operator, order=order, resolution="修了")
        services.record_callback(
            acting_user=operator, order=order, result=result, keep_closed_reason="测试"
        )
    order = make_order(operator, household=household, description="冰箱不制冷")
    providers = [s for s in services.suggest_assignees(order) if s.kind == "provider"]
    assert [str(s.object) for s in providers] == [str(good), str(poor)]
    rated = _("%(good)d of %(rated)d call-backs satisfied.")
    assert rated % {"good": 1, "rated": 1} in providers[0].reasons
    assert rated % {"good": 0, "rated": 1} in providers[1].reasons
    assert providers[0].score > providers[1].score


def test_a_provider_serving_the_grid_ranks_above_one_that_does_not(operator, household, grid):
    community = household.building.compound.grid.community
    near = make_provider(community, "近处师傅", grids=[grid])
    far = make_provider(community, "远处师傅")
    order = make_order(operator, household=household)
    providers = [s for s in services.suggest_assignees(order) if s.kind == "provider"]
    assert [s.object for s in providers] == [near, far]


def test_open_load_lowers_a_candidate(operator, household):
    community = household.building.compound.grid.community
    busy = make_provider(community, "忙师傅")
    free = make_provider(community, "闲师傅")
    for _n in range(3):
        order = make_order(operator, household=household)
        services.dispatch_order(acting_user=operator, order=order, provider=busy)
    order = make_order(operator, household=household)
    providers = [s for s in services.suggest_assignees(order) if s.kind == "provider"]
    assert [s.object for s in providers] == [free, busy]
    assert providers[1].score == providers[0].score - 15
    assert _("%(count)d open orders now.") % {"count": 3} in providers[1].reasons
    assert _("No open orders now.") in providers[0].reasons


def test_volunteers_are_suggested_by_skill_nearest_first(operator, household, grid, grid_b):
    community = household.building.compound.grid.community
    near = make_volunteer(community, "近邻志愿者", grid=grid, skills=["errands"])
    far = make_volunteer(community, "远处志愿者", grid=grid_b, skills=["errands", "companionship"])
    make_volunteer(community, "会修电器的", grid=grid, skills=["electrical"])
    make_volunteer(community, "不活跃的", grid=grid, skills=["errands"], is_active=False)
    order = make_order(operator, household=household, code="errands", description="帮忙买药")
    volunteers = [s for s in services.suggest_assignees(order) if s.kind == "volunteer"]
    assert [s.object for s in volunteers] == [near, far]
    assert any("第一网格" in r for r in volunteers[0].reasons)


def test_the_categorys_unit_comes_first(operator, compound, grid_worker):
    unit = make_unit(compound.grid.community)
    lights = category("street_lighting")
    lights.unit = unit
    lights.save()
    order = make_order(operator, compound=compound, code="street_lighting", description="路灯不亮")
    suggestions = services.suggest_assignees(order)
    assert suggestions[0].kind == "unit" and suggestions[0].object == unit
    assert unit.name in suggestions[0].reasons[0]


def test_a_unit_that_does_not_serve_the_community_is_not_suggested(
    operator, compound, other_community
):
    unit = make_unit(other_community, "别处的单位")
    lights = category("street_lighting")
    lights.unit = unit
    lights.save()
    order = make_order(operator, compound=compound, code="street_lighting", description="路灯不亮")
    assert all(s.kind != "unit" for s in services.suggest_assignees(order))


def test_providers_and_volunteers_of_another_community_are_never_suggested(
    operator, household, other_community, other_grid
):
    make_provider(other_community, "外社区师傅")
    make_volunteer(other_community, "外社区志愿者", grid=other_grid, skills=["electrical"])
    t.make_user("other_grid_worker", role=t.Role.GRID_WORKER, grid=other_grid)
    order = make_order(operator, household=household)
    names = [str(s.object) for s in services.suggest_assignees(order)]
    assert not any("外社区" in n or n == "other_grid_worker" for n in names)


def test_suggestions_take_a_bounded_number_of_queries(
    operator, household, grid, grid_worker, django_assert_max_num_queries
):
    community = household.building.compound.grid.community
    for n in range(6):
        make_provider(community, f"师傅{n}")
        make_volunteer(community, f"志愿者{n}", grid=grid, skills=["electrical"])
    order = make_order(operator, household=household)
    with django_assert_max_num_queries(6):
        services.suggest_assignees(order)
