"""POST requests.{xml,json}: filing a service request as a work order."""

from __future__ import annotations

from xml.etree import ElementTree as ET  # noqa: S405 — parses our own answers

import pytest

from hotline.models import Order, OrderContact, Urgency
from open311.models import Submission

pytestmark = pytest.mark.django_db

URL = "/open311/v2/requests.{fmt}"


def post(client, data, fmt="json", **extra):
    return client.post(URL.format(fmt=fmt), data, **extra)


def base(key, **fields):
    data = {
        "api_key": key,
        "service_code": "drain_blockage",
        "address_string": "供销巷12号门口",
        "description": "下水道堵了，污水漫到路上",
        "attribute[sewage_backing_up]": "no",
    }
    data.update(fields)
    return data


@pytest.fixture
def resident(community, household):
    from people.models import Phone, Resident

    person = Resident.objects.create(
        community=community, household=household, name="王秀兰", name_pinyin="wangxiulan"
    )
    phone = Phone(resident=person, is_primary=True)
    phone.set_number("13912345678")
    phone.save()
    return person


def test_a_request_in_json_becomes_an_open311_order(client, key, drain, community):
    response = post(client, base(key))
    assert response.status_code == 200
    [answer] = response.json()
    order = Order.objects.get(number=answer["service_request_id"])
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert answer["service_notice"]
    assert order.channel == Order.Channel.OPEN311
    assert order.state == Order.State.RECEIVED
    assert order.community == community
    assert order.location_text == "供销巷12号门口"
    assert "下水道堵了" in order.description
    assert "否" in order.description  # the answer to the sewage question, in words
    assert order.events.get().channel == "open311"
    submission = Submission.objects.get(order=order)
    assert submission.attributes == {"sewage_backing_up": "no"}


def test_a_request_in_xml_answers_in_the_standard_shape(client, key, drain):
    response = post(client, base(key, account_id="u-77"), fmt="xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314
    assert root.tag == "service_requests"
    request = root.find("request")
    assert Order.objects.filter(number=request.findtext("service_request_id")).exists()
    assert request.findtext("account_id") == "u-77"
    assert request.find("token") is None


def test_sewage_in_a_home_makes_the_order_urgent(client, key, drain):
    answer = post(client, base(key, **{"attribute[sewage_backing_up]": "yes"})).json()[0]
    assert Order.objects.get(number=answer["service_request_id"]).urgency == Urgency.URGENT


def test_a_caller_phone_finds_the_resident_and_is_never_echoed(client, key, drain, resident):
    response = post(client, base(key, phone="139-1234-5678", first_name="秀兰", last_name="王"))
    assert b"13912345678" not in response.content
    assert b"1234-5678" not in response.content
    order = Order.objects.get(number=response.json()[0]["service_request_id"])
    assert order.caller == resident
    contact = OrderContact.objects.get(order=order)
    assert contact.phone_masked == "139****5678"
    assert contact.name == "王秀兰"
    submission = Submission.objects.get(order=order)
    assert submission.phone_masked == "139****5678"
    assert submission.phone_encrypted == ""  # used and erased
    detail = client.get(f"/open311/v2/requests/{order.number}.xml", {"api_key": key})
    assert b"5678" not in detail.content


def test_an_unknown_phone_still_reaches_the_order_for_the_call_back(client, key, drain):
    answer = post(client, base(key, phone="13800001111")).json()[0]
    order = Order.objects.get(number=answer["service_request_id"])
    assert order.caller is None
    assert OrderContact.objects.get(order=order).phone_masked == "138****1111"


def test_location_by_address_id_places_the_order_in_that_household(
    client, key, drain, household, compound
):
    data = base(key, address_id=str(household.pk))
    del data["address_string"]
    order = Order.objects.get(number=post(client, data).json()[0]["service_request_id"])
    assert order.household == household
    assert order.compound == compound
    assert order.grid == compound.grid


def test_location_by_lat_and_long_is_kept_for_the_answers(client, key, drain):
    data = base(key, lat="35.14", long="110.77")
    del data["address_string"]
    number = post(client, data).json()[0]["service_request_id"]
    detail = client.get(f"/open311/v2/requests/{number}.json", {"api_key": key}).json()[0]
    assert (detail["lat"], detail["long"]) == (35.14, 110.77)


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_missing_api_key_is_403(client, key, drain, fmt):
    data = base(key)
    del data["api_key"]
    response = post(client, data, fmt=fmt)
    assert response.status_code == 403
    assert not Order.objects.exists()


def test_a_wrong_api_key_is_403(client, key, drain):
    response = post(client, base(key[:-3] + "xyz"))
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403


def test_a_key_without_the_write_scope_is_403(client, make_key, community, drain):
    _token, read_only = make_key(community, scopes=["orders:read"])
    assert post(client, base(read_only)).status_code == 403


def test_a_revoked_key_is_403(client, make_key, community, drain, admin_user):
    from open311.services import revoke_api_token

    token, raw = make_key(community)
    revoke_api_token(acting_user=admin_user, token=token)
    assert post(client, base(raw)).status_code == 403


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"service_code": ""}, 400),
        ({"service_code": "no_such"}, 404),
        ({"jurisdiction_id": "nowhere"}, 404),
        ({"address_string": ""}, 400),
        ({"lat": "35.1"}, 400),
        ({"lat": "north", "long": "110"}, 400),
        ({"lat": "95", "long": "110"}, 400),
        ({"address_id": "999999"}, 400),
        ({"description": "长" * 4001}, 400),
        ({"attribute[sewage_backing_up]": ""}, 400),
        ({"attribute[sewage_backing_up]": "maybe"}, 400),
        ({"phone": "12345"}, 400),
        ({"media_url": "javascript:alert(1)"}, 400),
    ],
)
def test_bad_input_is_refused_with_the_right_status_and_nothing_is_written(
    client, key, drain, change, status
):
    data = base(key)
    if "lat" in change or "address_id" in change:
        del data["address_string"]
    data.update(change)
    response = post(client, data)
    assert response.status_code == status, response.content
    [problem] = response.json()
    assert problem["code"] == status
    assert problem["description"]
    assert not Order.objects.exists()
    assert not Submission.objects.exists()


def test_a_description_of_exactly_4000_characters_is_accepted(client, key, drain):
    assert post(client, base(key, description="长" * 4000)).status_code == 200


def test_a_key_of_another_community_cannot_file_into_this_one(
    client, outsider_key, drain, community
):
    response = post(client, base(outsider_key, jurisdiction_id=community.code))
    assert response.status_code == 404
    assert not Order.objects.exists()


def test_an_address_id_outside_the_key_area_is_refused(client, key, drain, other_household):
    data = base(key, address_id=str(other_household.pk))
    del data["address_string"]
    assert post(client, data).status_code == 400


def test_a_grid_key_files_into_its_grid(client, make_key, community, grid, drain):
    from accounts.models import Role

    _token, grid_key = make_key(community, role=Role.GRID_WORKER, grid=grid)
    number = post(client, base(grid_key)).json()[0]["service_request_id"]
    assert Order.objects.get(number=number).grid == grid


def test_a_batch_service_answers_with_a_token_that_resolves(
    client, key, drain, monkeypatch, django_capture_on_commit_callbacks
):
    from dataclasses import replace

    from open311 import definitions

    batch = [replace(d, type="batch") for d in definitions.DEFINITIONS]
    monkeypatch.setattr(definitions, "DEFINITIONS", batch)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, base(key, phone="13800001111"), fmt="xml")
    request = ET.fromstring(response.content).find("request")  # noqa: S314
    assert request.find("service_request_id") is None
    token = request.findtext("token")
    # The immediate task backend has already filed it.
    looked_up = client.get(f"/open311/v2/tokens/{token}.json").json()
    order = Order.objects.get()
    assert looked_up == [{"service_request_id": order.number, "token": token}]
    assert Submission.objects.get().phone_encrypted == ""
    assert OrderContact.objects.get(order=order).phone_masked == "138****1111"
