"""Fixtures for the Open311 and JSON API tests: categories, API keys, orders."""

from __future__ import annotations

import pytest

from accounts.models import Role
from open311 import services
from open311.models import Scope

ALL_SCOPES = [s.value for s in Scope]


@pytest.fixture
def drain(db):
    from hotline.models import Category

    category, _ = Category.objects.get_or_create(
        code="drain_blockage",
        defaults={"name": "下水道堵塞", "group": "维修", "default_urgency": "pressing"},
    )
    return category


@pytest.fixture
def appliance(db):
    from hotline.models import Category

    category, _ = Category.objects.get_or_create(
        code="appliance_repair", defaults={"name": "家电维修", "group": "维修"}
    )
    return category


@pytest.fixture
def make_key(admin_user):
    """make_key(community, scopes=…, role=…, grid=…) -> (token, key)."""

    def _make(community, *, scopes=None, role=Role.OPERATOR, rate=600, **place):
        return services.create_api_token(
            acting_user=admin_user,
            name=f"integration {community.code}",
            community=community,
            scopes=ALL_SCOPES if scopes is None else scopes,
            role=role,
            rate_limit_per_minute=rate,
            **place,
        )

    return _make


@pytest.fixture
def key(make_key, community):
    """An operator-level key of community A with every scope."""
    return make_key(community)[1]


@pytest.fixture
def other_admin(other_community):
    from linli import testing as t

    return t.make_user("admin_b", role=Role.ADMIN, community=other_community, is_staff=True)


@pytest.fixture
def outsider_key(other_admin, other_community):
    """A key of the other community, with every scope."""
    return services.create_api_token(
        acting_user=other_admin,
        name="other community",
        community=other_community,
        scopes=ALL_SCOPES,
        rate_limit_per_minute=600,
    )[1]


@pytest.fixture
def make_order(operator, compound, drain):
    """make_order(**fields) files an order through the hotline service."""

    def _make(*, acting_user=None, category=None, channel="phone", **fields):
        from hotline.services import create_order

        fields.setdefault("compound", compound)
        return create_order(
            acting_user=acting_user or operator,
            category=category or drain,
            description=fields.pop("description", "井盖下污水外溢"),
            channel=channel,
            **fields,
        )

    return _make


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}
