"""Interoperability: a published Open311 client library (PyPI ``georeport``) and a
request crafted byte for byte like the specification's own example, against a real
HTTP server, parsed with a strict XML parser."""

from __future__ import annotations

from urllib.parse import urlencode
from xml.etree import ElementTree as ET  # noqa: S405 — parses our own answers

import pytest
import requests
from georeport import GeoReport

from hotline.models import Order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def endpoint(live_server):
    return f"{live_server.url}/open311/v2"


@pytest.mark.parametrize("output_format", ["xml", "json"])
def test_the_georeport_client_reads_services_and_definitions(
    endpoint, community, drain, output_format
):
    client = GeoReport(endpoint, jurisdiction=community.code, output_format=output_format)
    services = client.get_service_list()
    if isinstance(services, dict):  # xmltodict gives a dict for a single service
        services = [services]
    assert any(s["service_code"] == "drain_blockage" for s in services)
    definition = client.get_service_definition("drain_blockage")
    attributes = definition["attributes"]
    attribute = attributes["attribute"][0] if output_format == "xml" else attributes[0]
    assert attribute["code"] == "sewage_backing_up"


def test_a_spec_shaped_post_then_the_georeport_client_follows_it(endpoint, community, drain, key):
    # The specification's example request: form-encoded, attribute[code]=value, UTF-8.
    body = urlencode(
        {
            "api_key": key,
            "jurisdiction_id": community.code,
            "service_code": "drain_blockage",
            "lat": "35.139",
            "long": "110.774",
            "address_string": "供销巷12号",
            "email": "resident@example.org",
            "device_id": "tt222111",
            "account_id": "123456",
            "first_name": "秀兰",
            "last_name": "王",
            "phone": "13912345678",
            "description": "A large sinkhole is destroying the street",
            "media_url": "http://example.org/photo.jpg",
            "attribute[sewage_backing_up]": "yes",
            "attribute[where]": "main",
        }
    )
    response = requests.post(
        f"{endpoint}/requests.xml",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)  # noqa: S314 — strict: raises on any malformation
    number = root.find("request/service_request_id").text
    assert Order.objects.get(number=number).channel == Order.Channel.OPEN311

    follower = GeoReport(endpoint, jurisdiction=community.code, output_format="xml")
    request = follower.get_service_request(number)
    assert request["service_request_id"] == number
    assert request["status"] == "open"
    assert request["lat"] == "35.139"
    assert request["requested_datetime"].endswith("+08:00")
    listed = GeoReport(endpoint, jurisdiction=community.code).get_service_requests(
        service_request_id=number
    )
    assert [r["service_request_id"] for r in listed] == [number]


def test_the_georeport_client_sees_a_spec_error_as_an_http_error(endpoint, community):
    client = GeoReport(endpoint, jurisdiction="nowhere.gov")
    with pytest.raises(requests.HTTPError) as raised:
        client.get_service_list()
    assert raised.value.response.status_code == 404
    [problem] = raised.value.response.json()
    assert problem["code"] == 404
