"""Care fixtures on top of the shared named actors."""

import pytest

from care import services
from care.tests import factories as f


@pytest.fixture
def elder(household):
    """An elder over 80 living alone in grid A1: a call every week, a visit every month."""
    return f.make_resident(household, "王秀兰", tags=["aged_80", "living_alone"], birth_year=1938)


@pytest.fixture
def plan(elder, grid_worker, operator, community):
    services.generate_plans(acting_user=operator, community=community)
    return elder.care_plan
