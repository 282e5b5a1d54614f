"""Fuzz the JSON API from its OpenAPI schema with schemathesis (run by .ci/run).

    .venv/bin/pytest -q -p no:logging open311/schema_fuzz.py

Not collected by the normal test run (the name does not start with ``test_``). It
calls the Django app in-process through WSGI — no server, no network — against the
freshly migrated test database with a small community, as a high-privilege key (an
operator of the community with every scope) and a low-privilege key (a grid worker
who may only read places and orders). Every answer must be below 500 and match the
schema: its status code documented, its content type and its body as declared.
``LINLI_FUZZ_EXAMPLES`` sets how many cases each operation gets (default 25).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = int(os.environ.get("LINLI_FUZZ_EXAMPLES", "25"))


@pytest.fixture(scope="module", autouse=True)
def _keep_the_test_connection():
    """Calls go straight into the WSGI app, whose request signals would close the
    database connection the test runs in (Django's test client disconnects them too)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def keys(django_db_setup, django_db_blocker):
    """A small community with orders and residents, and the two keys."""
    with django_db_blocker.unblock():
        return _community_with_keys()


def _community_with_keys() -> dict[str, str]:
    from accounts.models import Role
    from hotline.models import Category
    from hotline.services import create_order, dispatch_order
    from linli import testing as t
    from open311.models import Scope
    from open311.services import create_api_token
    from people.models import Phone, Resident

    community = t.make_community("葫芦岛社区")
    t.make_community("崇相西社区", region=community.street.region)
    grid = t.make_grid(community, "第一网格")
    compound = t.make_compound(grid, "供销巷小区")
    household = t.make_household(t.make_building(compound, "3号楼"), "401")
    admin = t.make_user("fuzz-admin", role=Role.ADMIN, community=community)
    operator = t.make_user("fuzz-operator", role=Role.OPERATOR, community=community)
    worker = t.make_user("fuzz-grid", role=Role.GRID_WORKER, grid=grid)
    resident = Resident.objects.create(
        community=community, household=household, name="王秀兰", name_pinyin="wangxiulan"
    )
    phone = Phone(resident=resident, is_primary=True)
    phone.set_number("13912345678")
    phone.save()
    category = Category.objects.filter(is_active=True).first()
    for n in range(3):
        order = create_order(
            acting_user=operator,
            category=category,
            description=f"测试工单 {n}",
            household=household,
            channel="phone",
        )
        if n == 0:
            dispatch_order(acting_user=operator, order=order, user=worker)
    _high, high = create_api_token(
        acting_user=admin,
        name="high",
        community=community,
        scopes=list(Scope.values),
        rate_limit_per_minute=1_000_000,
    )
    _low, low = create_api_token(
        acting_user=admin,
        name="low",
        community=community,
        role=Role.GRID_WORKER,
        grid=grid,
        scopes=[Scope.PLACES_READ, Scope.ORDERS_READ],
        rate_limit_per_minute=1_000_000,
    )
    return {"high": high, "low": low}


def _load_schema():
    from django.core.wsgi import get_wsgi_application

    loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    # The phone system's endpoint takes its own kind of key (fuzzed in hotline's tests).
    return loaded.exclude(path_regex="^/api/telephony/")


# Loading the schema reads /api/openapi.json through the app; it touches no database.
schema = _load_schema()


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


def _check(case, key: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {key}"})
    case.validate_response(response, checks=CHECKS)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_a_high_privilege_key_gets_answers_within_the_schema(case, keys):
    _check(case, keys["high"])


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_a_low_privilege_key_gets_answers_within_the_schema(case, keys):
    _check(case, keys["low"])
