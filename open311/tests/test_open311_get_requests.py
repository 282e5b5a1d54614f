"""GET requests.{xml,json} and GET requests/{id}.{xml,json}: following orders."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree as ET  # noqa: S405 — parses our own answers

import pytest
from django.utils import timezone

from hotline.models import Order

pytestmark = pytest.mark.django_db

FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def age(order, days):
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=days))


@pytest.fixture
def open311_order(make_order):
    return make_order(channel="open311", description="供销巷井盖下污水外溢，王奶奶家门口")


@pytest.fixture
def phone_order(make_order):
    return make_order(channel="phone", description="独居老人家中下水道堵塞")


def test_the_public_list_shows_open311_orders_without_description(
    client, open311_order, phone_order
):
    data = client.get("/open311/v2/requests.json").json()
    assert [r["service_request_id"] for r in data] == [open311_order.number]
    [request] = data
    assert list(request) == FIELDS
    assert request["description"] is None
    assert request["address"] == open311_order.compound.name
    assert request["address_id"] is None
    assert request["status"] == "open"
    assert request["service_code"] == "drain_blockage"


def test_a_key_with_read_scope_sees_every_order_in_its_area_in_full(
    client, key, open311_order, phone_order
):
    data = client.get("/open311/v2/requests.json", {"api_key": key}).json()
    numbers = {r["service_request_id"] for r in data}
    assert numbers == {open311_order.number, phone_order.number}
    full = next(r for r in data if r["service_request_id"] == phone_order.number)
    assert full["description"] == "独居老人家中下水道堵塞"


def test_a_bearer_header_works_like_the_api_key_parameter(client, key, phone_order):
    from open311.tests.conftest import bearer

    data = client.get("/open311/v2/requests.json", **bearer(key)).json()
    assert [r["service_request_id"] for r in data] == [phone_order.number]


def test_the_xml_list_has_one_request_element_per_order(client, open311_order):
    response = client.get("/open311/v2/requests.xml")
    root = ET.fromstring(response.content)  # noqa: S314
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert [child.tag for child in request] == FIELDS
    assert request.findtext("service_request_id") == open311_order.number


def test_datetimes_carry_the_time_zone(client, open311_order):
    [request] = client.get("/open311/v2/requests.json").json()
    assert request["requested_datetime"].endswith("+08:00")
    assert request["updated_datetime"].endswith("+08:00")
    assert request["expected_datetime"].endswith("+08:00")  # the SLA's resolution limit
    expected = timezone.localtime(open311_order.resolution_due).isoformat(timespec="seconds")
    assert request["expected_datetime"] == expected


def test_the_default_window_is_the_last_90_days(client, make_order):
    recent, old = make_order(channel="open311"), make_order(channel="open311")
    age(old, 91)
    numbers = [r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()]
    assert numbers == [recent.number]


def test_a_date_range_selects_by_requested_datetime(client, make_order):
    inside, outside = make_order(channel="open311"), make_order(channel="open311")
    age(inside, 100)
    age(outside, 200)
    start = (timezone.now() - timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    data = client.get("/open311/v2/requests.json", {"start_date": start, "end_date": end}).json()
    assert [r["service_request_id"] for r in data] == [inside.number]


def test_start_date_alone_covers_90_days_from_it(client, make_order):
    order = make_order(channel="open311")
    age(order, 100)
    start = (timezone.now() - timedelta(days=101)).isoformat()
    data = client.get("/open311/v2/requests.json", {"start_date": start}).json()
    assert [r["service_request_id"] for r in data] == [order.number]


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"},
        {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"},
        {"start_date": "yesterday"},
        {"status": "pending"},
    ],
)
def test_bad_list_arguments_are_400(client, community, params):
    response = client.get("/open311/v2/requests.json", params)
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


def test_a_span_of_exactly_90_days_is_allowed(client, community):
    params = {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-04-01T00:00:00+08:00"}
    assert client.get("/open311/v2/requests.json", params).status_code == 200


def test_status_filters_open_and_closed(client, key, make_order, operator):
    still_open = make_order(channel="open311")
    closed = make_order(channel="open311")
    Order.objects.filter(pk=closed.pk).update(state=Order.State.CLOSED)
    get = lambda status: [  # noqa: E731
        r["service_request_id"]
        for r in client.get("/open311/v2/requests.json", {"status": status}).json()
    ]
    assert get("open") == [still_open.number]
    assert get("closed") == [closed.number]
    assert set(get("open,closed")) == {still_open.number, closed.number}


def test_service_request_id_overrides_every_other_argument(client, make_order):
    first, second, third = (make_order(channel="open311") for _ in range(3))
    age(first, 400)
    params = {"service_request_id": f"{first.number},{third.number}", "status": "closed"}
    numbers = {
        r["service_request_id"] for r in client.get("/open311/v2/requests.json", params).json()
    }
    assert numbers == {first.number, third.number}


def test_service_code_filters_by_category(client, make_order, appliance):
    drain_order = make_order(channel="open311")
    make_order(channel="open311", category=appliance)
    data = client.get("/open311/v2/requests.json", {"service_code": "drain_blockage"}).json()
    assert [r["service_request_id"] for r in data] == [drain_order.number]


def test_at_most_1000_requests_are_returned(client, monkeypatch, make_order):
    from open311 import views

    monkeypatch.setattr(views, "MAX_REQUESTS", 2)
    for _ in range(3):
        make_order(channel="open311")
    assert len(client.get("/open311/v2/requests.json").json()) == 2


def test_one_request_is_an_array_with_one_element(client, open311_order):
    for fmt in ("json", "xml"):
        response = client.get(f"/open311/v2/requests/{open311_order.number}.{fmt}")
        assert response.status_code == 200
    data = client.get(f"/open311/v2/requests/{open311_order.number}.json").json()
    assert len(data) == 1
    assert data[0]["service_request_id"] == open311_order.number
    root = ET.fromstring(  # noqa: S314
        client.get(f"/open311/v2/requests/{open311_order.number}.xml").content
    )
    assert len(root.findall("request")) == 1


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_an_unknown_request_is_404(client, community, fmt):
    response = client.get(f"/open311/v2/requests/NOPE.{fmt}")
    assert response.status_code == 404


def test_a_phone_order_is_404_to_the_public_but_visible_with_a_key(client, key, phone_order):
    url = f"/open311/v2/requests/{phone_order.number}.json"
    assert client.get(url).status_code == 404
    assert client.get(url, {"api_key": key}).status_code == 200


def test_a_key_of_another_community_sees_404(client, outsider_key, phone_order, community):
    url = f"/open311/v2/requests/{phone_order.number}.json"
    response = client.get(url, {"api_key": outsider_key, "jurisdiction_id": community.code})
    assert response.status_code == 404
    data = client.get(
        "/open311/v2/requests.json", {"api_key": outsider_key, "jurisdiction_id": community.code}
    ).json()
    assert data == []


def test_a_bad_key_on_a_read_is_403(client, community):
    response = client.get("/open311/v2/requests.json", {"api_key": "linli_nothing_here"})
    assert response.status_code == 403


def test_several_communities_need_a_jurisdiction_for_the_public_list(
    client, open311_order, other_community
):
    response = client.get("/open311/v2/requests.json")
    assert response.status_code == 400
    assert "jurisdiction_id" in response.json()[0]["description"]
    community = open311_order.community
    data = client.get("/open311/v2/requests.json", {"jurisdiction_id": community.code}).json()
    assert [r["service_request_id"] for r in data] == [open311_order.number]
    other = client.get("/open311/v2/requests.json", {"jurisdiction_id": other_community.code})
    assert other.json() == []


def test_the_public_never_sees_a_staff_member_by_name(client, open311_order, operator, grid_worker):
    from hotline.services import dispatch_order

    dispatch_order(acting_user=operator, order=open311_order, user=grid_worker)
    [request] = client.get("/open311/v2/requests.json").json()
    assert request["agency_responsible"] == open311_order.grid.name
    assert "王芳" not in str(request)


def test_a_merged_order_is_closed_and_names_the_one_it_joined(client, make_order, operator):
    from hotline.services import merge_orders

    first, duplicate = make_order(channel="open311"), make_order(channel="open311")
    merge_orders(acting_user=operator, duplicate=duplicate, into=first)
    data = client.get(f"/open311/v2/requests/{duplicate.number}.json").json()[0]
    assert data["status"] == "closed"
    assert first.number in data["status_notes"]


def test_an_unknown_token_is_404(client, community):
    assert client.get("/open311/v2/tokens/nope.json").status_code == 404
    assert client.get("/open311/v2/tokens/nope.xml").status_code == 404


def test_a_realtime_submission_token_resolves_too(client, key, drain):
    from open311.models import Submission

    client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "drain_blockage",
            "address_string": "供销巷",
            "attribute[sewage_backing_up]": "no",
        },
    )
    submission = Submission.objects.get()
    root = ET.fromstring(  # noqa: S314
        client.get(f"/open311/v2/tokens/{submission.token}.xml").content
    )
    request = root.find("request")
    assert request.findtext("service_request_id") == submission.order.number
    assert request.findtext("token") == submission.token
