"""Named actors shared by every app's tests (STYLE.md §14).

Two communities in one county. Community A has grids A1 and A2; community B has one
grid. ``grid_worker`` works grid A1; ``grid_worker_b`` (the outsider) works grid A2;
``outsider_community`` works in community B.
"""

from __future__ import annotations

import pytest

from linli import testing as t


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    # Background tasks run inline in tests unless a test asks for the database backend.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def region(db):
    return t.make_region()


@pytest.fixture
def community(region):
    return t.make_community("葫芦岛社区", region=region)


@pytest.fixture
def other_community(region):
    return t.make_community("崇相西社区", region=region)


@pytest.fixture
def grid(community):
    return t.make_grid(community, "第一网格")


@pytest.fixture
def grid_b(community):
    return t.make_grid(community, "第二网格")


@pytest.fixture
def other_grid(other_community):
    return t.make_grid(other_community, "崇相西第一网格")


@pytest.fixture
def compound(grid):
    return t.make_compound(grid, "供销巷小区")


@pytest.fixture
def compound_b(grid_b):
    return t.make_compound(grid_b, "和谐果品小区")


@pytest.fixture
def other_compound(other_grid):
    return t.make_compound(other_grid, "崇相西巷")


@pytest.fixture
def building(compound):
    return t.make_building(compound, "3号楼")


@pytest.fixture
def household(building):
    return t.make_household(building, "401", unit="2", area_m2=86.5)


@pytest.fixture
def household_b(compound_b):
    return t.make_household(t.make_building(compound_b, "1号楼"), "101")


@pytest.fixture
def other_household(other_compound):
    return t.make_household(t.make_building(other_compound, "1号院"), "1")


@pytest.fixture
def operator(community):
    return t.make_user("operator", role=t.Role.OPERATOR, community=community, display_name="张敏")


@pytest.fixture
def leader(community):
    return t.make_user("leader", role=t.Role.LEADER, community=community, display_name="刘凌凯")


@pytest.fixture
def admin_user(community):
    return t.make_user("admin", role=t.Role.ADMIN, community=community, is_staff=True)


@pytest.fixture
def grid_worker(grid):
    return t.make_user("grid1", role=t.Role.GRID_WORKER, grid=grid, display_name="王芳")


@pytest.fixture
def grid_worker_b(grid_b):
    return t.make_user("grid2", role=t.Role.GRID_WORKER, grid=grid_b, display_name="李强")


@pytest.fixture
def volunteer(grid):
    return t.make_user("volunteer", role=t.Role.VOLUNTEER, grid=grid, display_name="赵建国")


@pytest.fixture
def committee_member(compound):
    return t.make_user("committee", role=t.Role.COMMITTEE, compound=compound, display_name="刘荣")


@pytest.fixture
def liaison(community):
    return t.make_user("liaison", role=t.Role.LIAISON, community=community)


@pytest.fixture
def county_leader(region):
    return t.make_user("county", role=t.Role.LEADER, region=region)


@pytest.fixture
def outsider(other_grid):
    """A grid worker of another community."""
    return t.make_user("outsider", role=t.Role.GRID_WORKER, grid=other_grid)


@pytest.fixture
def login(client):
    """Log a user in on the test client and return the client."""

    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login
