"""The gate refuses input no database can store as a clear 400, never a server error."""

from __future__ import annotations

import pytest

from hotline.models import Order
from open311.tests.conftest import bearer

pytestmark = pytest.mark.django_db


def test_a_nul_in_the_query_string_is_400(client, key):
    response = client.get("/api/hotline/orders?category=%00", **bearer(key))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"


def test_a_lone_surrogate_in_json_is_400(client, key, drain):
    body = '{"category": "drain_blockage", "description": "\\ud800", "location_text": "x"}'
    response = client.post(
        "/api/hotline/orders", body, content_type="application/json", **bearer(key)
    )
    assert response.status_code == 400
    assert not Order.objects.exists()


def test_an_emoji_sent_as_an_escaped_surrogate_pair_is_fine(client, key, drain):
    body = (
        '{"category": "drain_blockage", "description": "\\ud83d\\ude00 堵了", "location_text": "x"}'
    )
    response = client.post(
        "/api/hotline/orders", body, content_type="application/json", **bearer(key)
    )
    assert response.status_code == 201
    assert Order.objects.get().description == "😀 堵了"


def test_a_nul_in_an_open311_form_is_400(client, key, drain):
    response = client.post(
        "/open311/v2/requests.json",
        "api_key=" + key + "&service_code=drain_blockage&address_string=a%00b",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400
