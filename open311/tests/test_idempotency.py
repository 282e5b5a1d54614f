"""Idempotency-Key: a retried POST returns the first answer and files one order only."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client, RequestFactory

from hotline.models import Order
from open311.gate import _fingerprint
from open311.models import IdempotencyRecord
from open311.tests.conftest import bearer

BODY = {"category": "drain_blockage", "description": "污水外溢", "location_text": "供销巷"}


def post(client, key, body=None, idem="key-1"):
    return client.post(
        "/api/hotline/orders",
        body or BODY,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=idem,
        **bearer(key),
    )


@pytest.mark.django_db
def test_a_retry_returns_the_stored_first_answer(client, key, drain):
    first = post(client, key)
    again = post(client, key)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422(client, key, drain):
    post(client, key)
    response = post(client, key, {**BODY, "description": "另一件事"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_different_keys_file_different_orders(client, key, drain):
    post(client, key, idem="a")
    post(client, key, idem="b")
    assert Order.objects.count() == 2


@pytest.mark.django_db
def test_two_integrations_never_share_a_key_space(client, key, make_key, community, drain):
    _token, second = make_key(community)
    post(client, key, idem="same")
    response = post(client, second, idem="same")
    assert "Idempotent-Replayed" not in response
    assert Order.objects.count() == 2


@pytest.mark.django_db
def test_a_refusal_is_replayed_too(client, make_key, community, drain):
    _token, read_only = make_key(community, scopes=["orders:read"])
    assert post(client, read_only).status_code == 403
    assert post(client, read_only)["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_a_request_still_running_answers_409(client, key, drain):
    from open311.models import ApiToken

    token = ApiToken.objects.get()
    IdempotencyRecord.objects.create(
        principal=f"token:{token.pk}", key="busy", fingerprint="x" * 64
    )
    response = post(client, key, idem="busy")
    # A different fingerprint answers 422; the same one while processing answers 409.
    assert response.status_code == 422
    record = IdempotencyRecord.objects.get(key="busy")
    request = RequestFactory().post("/api/hotline/orders", BODY, content_type="application/json")
    record.fingerprint = _fingerprint(request)
    record.save()
    response = post(client, key, idem="busy")
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert response.json()["code"] == "idempotency_in_progress"
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_open311_posts_are_idempotent_too(client, key, drain):
    data = {
        "api_key": key,
        "service_code": "drain_blockage",
        "address_string": "供销巷",
        "attribute[sewage_backing_up]": "no",
    }
    first = client.post("/open311/v2/requests.json", data, HTTP_IDEMPOTENCY_KEY="o-1")
    again = client.post("/open311/v2/requests.json", data, HTTP_IDEMPOTENCY_KEY="o-1")
    assert again.content == first.content
    assert Order.objects.count() == 1
    other = client.post(
        "/open311/v2/requests.json", {**data, "description": "x"}, HTTP_IDEMPOTENCY_KEY="o-1"
    )
    assert other.status_code == 422
    assert other.json()[0]["code"] == 422


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_file_one_order(key, drain):
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send():
        try:
            client = Client()
            barrier.wait(timeout=10)
            statuses.append(post(client, key, idem="race").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert Order.objects.count() == 1
    # One files the order; the other either replays it or is told to retry (409).
    assert sorted(statuses) in ([201, 201], [201, 409])
