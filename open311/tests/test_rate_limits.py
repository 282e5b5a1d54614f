"""Per-key rate limits: 429 with Retry-After, counted in the database for every worker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from open311 import limits
from open311.models import RateWindow
from open311.tests.conftest import bearer

pytestmark = pytest.mark.django_db


def test_the_request_past_the_limit_is_429_with_retry_after(client, make_key, community):
    _token, key = make_key(community, rate=3)
    statuses = [client.get("/api/hotline/categories", **bearer(key)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/hotline/categories", **bearer(key))
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_open311_posts_count_against_the_same_key(client, make_key, community, drain):
    _token, key = make_key(community, rate=1)
    assert client.get("/api/hotline/categories", **bearer(key)).status_code == 200
    response = client.post(
        "/open311/v2/requests.xml",
        {"api_key": key, "service_code": "drain_blockage", "address_string": "供销巷"},
    )
    assert response.status_code == 429
    assert b"<errors>" in response.content
    assert "Retry-After" in response


def test_the_window_opens_again_the_next_minute(make_key, community):
    token, _key = make_key(community, rate=1)
    start = timezone.now().replace(second=30, microsecond=0)
    assert limits.take(token, now=start) is None
    assert limits.take(token, now=start + dt.timedelta(seconds=10)) == 20
    assert limits.take(token, now=start + dt.timedelta(seconds=31)) is None


def test_old_windows_are_cleared_when_a_new_one_opens(make_key, community):
    token, _key = make_key(community, rate=5)
    start = timezone.now().replace(second=0, microsecond=0)
    limits.take(token, now=start - dt.timedelta(minutes=10))
    limits.take(token, now=start)
    assert list(RateWindow.objects.values_list("window_start", flat=True)) == [start]


def test_sessions_are_not_rate_limited_by_keys(login, operator):
    client = login(operator)
    assert all(client.get("/api/hotline/categories").status_code == 200 for _ in range(5))
    assert not RateWindow.objects.exists()


def test_an_oversized_body_is_413_before_anything_runs(client, key, settings):
    settings.LINLI_API_MAX_BODY_BYTES = 1024
    response = client.post(
        "/api/hotline/orders",
        {"description": "长" * 2000},
        content_type="application/json",
        **bearer(key),
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not RateWindow.objects.exists()
