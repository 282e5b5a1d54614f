"""The dashboard's care panel names the place of each recurring problem: the number of
queries stays the same whether it lists one card of each kind or six."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from care.models import RecurringProblem
from hotline.tests.factories import category
from insights.tests.helpers import local
from linli import testing as t

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 20, 10, 0)
Level = RecurringProblem.Level


def make_problem(community, grid, compound, level, *, building=None, household=None):
    """An open recurring problem (三前 card) at a household or a building."""
    return RecurringProblem.objects.create(
        community=community,
        grid=grid,
        compound=compound,
        building=building,
        household=household,
        level=level,
        category=category("drain_blockage"),
        order_count=3,
        first_at=local(2026, 3, 1, 9, 0),
        last_at=local(2026, 3, 10, 9, 0),
        threshold=3,
        window_days=30,
    )


def cards(community, grid, compound, count: int) -> None:
    """``count`` cards at households and as many at buildings, each in its own building."""
    for _ in range(count):
        building = t.make_building(compound)
        household = t.make_household(building)
        make_problem(
            community, grid, compound, Level.HOUSEHOLD, building=building, household=household
        )
        make_problem(community, grid, compound, Level.BUILDING, building=t.make_building(compound))


def dashboard_queries(client) -> tuple[int, str]:
    client.get(reverse("insights:dashboard"))  # renew the session first
    client.get(reverse("insights:dashboard"))
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("insights:dashboard")).content.decode()
    return len(captured.captured_queries), page


def test_the_care_cards_cost_the_same_one_of_each_kind_or_six(
    login, leader, community, grid, compound
):
    client = login(leader)
    with time_machine.travel(NOW, tick=False):
        cards(community, grid, compound, 1)
        few, page = dashboard_queries(client)
        assert page.count(compound.name) >= 2  # both cards name their place
        cards(community, grid, compound, 2)
        many, page = dashboard_queries(client)
    assert many == few
