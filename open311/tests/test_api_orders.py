"""The JSON API for work orders, as an integration with a key and as a page session."""

from __future__ import annotations

import pytest

from accounts.models import Role
from hotline.models import Order
from open311.tests.conftest import bearer

pytestmark = pytest.mark.django_db


def create(client, key, **fields):
    body = {"category": "drain_blockage", "description": "污水外溢", "location_text": "供销巷"}
    body.update(fields)
    return client.post("/api/hotline/orders", body, content_type="application/json", **bearer(key))


def test_a_key_files_an_order_through_the_hotline_service(client, key, drain, compound):
    response = create(client, key, compound_id=compound.pk, contact_phone="13912345678")
    assert response.status_code == 201
    data = response.json()
    order = Order.objects.get(number=data["number"])
    assert order.channel == Order.Channel.API
    assert order.compound == compound
    assert data["timeline"][0]["kind"] == "created"
    assert data["timeline"][0]["channel"] == "api"
    assert data["contacts"][0]["phone_masked"] == "139****5678"
    assert "13912345678" not in response.content.decode()


def test_a_bad_body_is_422_with_a_stable_code_and_a_translated_message(client, key, drain):
    response = create(client, key, description="")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["message"] == "有些字段缺失或无效。"
    assert body["errors"]


def test_each_bad_field_is_named_in_the_requests_language(client, key, drain):
    body = {"description": "x" * 4001, "caller_id": "abc", "urgency": "very", "compound_id": 0}
    response = client.post(
        "/api/hotline/orders", body, content_type="application/json", **bearer(key)
    )
    assert response.status_code == 422
    errors = {e["loc"][-1]: e for e in response.json()["errors"]}
    assert errors["category"]["code"] == "missing"
    assert errors["category"]["msg"] == "这个字段是必填项。"  # Django's own words
    assert errors["description"]["msg"] == "最多输入 4000 个字符。"
    assert errors["compound_id"]["msg"] == "请输入不小于 1 的数。"
    assert errors["urgency"]["msg"] == "请从以下选项中选择：urgent, pressing, normal。"
    assert errors["caller_id"]["msg"] == "输入整数。"
    assert Order.objects.count() == 0

    english = client.post(
        "/api/hotline/orders",
        {"description": "污水外溢", "caller_id": "abc"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(key),
    )
    errors = {e["loc"][-1]: e["msg"] for e in english.json()["errors"]}
    assert errors == {"category": "This field is required.", "caller_id": "Enter a whole number."}


def test_a_body_that_is_not_json_is_told_so_in_the_requests_language(client, key, drain):
    response = client.post(
        "/api/hotline/orders", "category=drain", content_type="application/json", **bearer(key)
    )
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": "请求正文不是有效的 JSON。"}
    assert Order.objects.count() == 0


def test_a_service_refusal_carries_the_service_code(client, key, drain):
    response = create(client, key, location_text="", solved_on_call=True)
    assert response.status_code == 400
    assert set(response.json()) == {"code", "message"}


def test_no_credentials_is_401_in_json(client, drain):
    response = client.get("/api/hotline/orders")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_wrong_key_is_401(client, key):
    response = client.get("/api/hotline/orders", **bearer(key + "x"))
    assert response.status_code == 401


def test_a_key_without_the_write_scope_cannot_file(client, make_key, community, drain):
    _token, read_only = make_key(community, scopes=["orders:read"])
    response = create(client, read_only)
    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"
    assert not Order.objects.exists()


def test_a_key_without_the_read_scope_cannot_list(client, make_key, community):
    _token, places_only = make_key(community, scopes=["places:read"])
    assert client.get("/api/hotline/orders", **bearer(places_only)).status_code == 403


def test_the_list_pages_by_cursor_without_counting(
    client, key, make_order, django_assert_max_num_queries
):
    numbers = [make_order().number for _ in range(5)]
    seen = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        with django_assert_max_num_queries(10):
            page = client.get("/api/hotline/orders", params, **bearer(key)).json()
        seen += [item["number"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(numbers))


def test_a_garbled_cursor_is_400(client, key):
    response = client.get("/api/hotline/orders", {"cursor": "bm9wZQ"}, **bearer(key))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_the_list_filters_by_state_and_category(client, key, make_order, appliance):
    drain_order = make_order()
    make_order(category=appliance)
    page = client.get(
        "/api/hotline/orders", {"category": "drain_blockage", "state": "received"}, **bearer(key)
    ).json()
    assert [item["number"] for item in page["items"]] == [drain_order.number]


def test_every_lifecycle_step_is_a_post(client, key, make_order, grid_worker, operator):
    order = make_order()
    url = f"/api/hotline/orders/{order.number}"
    post = lambda step, body: client.post(  # noqa: E731
        f"{url}/{step}", body, content_type="application/json", **bearer(key)
    )
    assert post("dispatch", {"user_id": grid_worker.pk}).json()["state"] == "dispatched"
    assert post("accept", {"on_behalf_of": "王芳"}).json()["state"] == "accepted"
    assert post("start", {}).json()["state"] == "in_progress"
    assert post("notes", {"note": "已联系疏通队"}).status_code == 200
    assert post("resolve", {"resolution": "疏通完毕"}).json()["state"] == "resolved"
    detail = client.get(url, **bearer(key)).json()
    kinds = [event["kind"] for event in detail["timeline"]]
    assert kinds == ["created", "dispatched", "accepted", "started", "note", "resolved"]


def test_a_second_dispatch_is_a_conflict(client, key, make_order, grid_worker, operator):
    order = make_order()
    url = f"/api/hotline/orders/{order.number}/dispatch"
    client.post(url, {"user_id": grid_worker.pk}, content_type="application/json", **bearer(key))
    response = client.post(
        url, {"user_id": operator.pk}, content_type="application/json", **bearer(key)
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_a_key_of_another_community_sees_404(client, outsider_key, make_order):
    order = make_order()
    response = client.get(f"/api/hotline/orders/{order.number}", **bearer(outsider_key))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    step = client.post(
        f"/api/hotline/orders/{order.number}/supervise",
        {"note": "快办"},
        content_type="application/json",
        **bearer(outsider_key),
    )
    assert step.status_code == 404
    page = client.get("/api/hotline/orders", **bearer(outsider_key)).json()
    assert page["items"] == []


def test_a_grid_key_sees_only_its_grid(client, make_key, community, grid, make_order, compound_b):
    _token, grid_key = make_key(community, role=Role.GRID_WORKER, grid=grid)
    mine = make_order()
    other = make_order(compound=compound_b)
    page = client.get("/api/hotline/orders", **bearer(grid_key)).json()
    assert [item["number"] for item in page["items"]] == [mine.number]
    assert client.get(f"/api/hotline/orders/{other.number}", **bearer(grid_key)).status_code == 404


def test_a_page_session_works_and_must_send_the_csrf_token(operator, drain):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    assert browser.get("/api/hotline/categories").status_code == 200
    body = {"category": "drain_blockage", "description": "污水", "location_text": "供销巷"}
    refused = browser.post("/api/hotline/orders", body, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    browser.get("/api/docs")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        "/api/hotline/orders", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201


def test_a_volunteer_session_cannot_dispatch(login, volunteer, make_order, grid_worker):
    order = make_order()
    client = login(volunteer)
    response = client.post(
        f"/api/hotline/orders/{order.number}/dispatch",
        {"user_id": grid_worker.pk},
        content_type="application/json",
    )
    assert response.status_code in (403, 404)
    assert Order.objects.get(pk=order.pk).state == Order.State.RECEIVED


def test_categories_list_the_active_catalogue(client, key, drain):
    data = client.get("/api/hotline/categories", **bearer(key)).json()
    assert "drain_blockage" in [c["code"] for c in data]
