"""GET services and GET services/{code}: the public catalogue, in XML and JSON."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET  # noqa: S405 — parses our own answers

import pytest

pytestmark = pytest.mark.django_db


def xml(response):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314


def test_service_list_in_xml_names_every_active_category(client, community, drain, appliance):
    appliance.is_active = False
    appliance.save()
    root = xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services"
    codes = [s.findtext("service_code") for s in root.findall("service")]
    assert "drain_blockage" in codes
    assert "appliance_repair" not in codes
    service = next(s for s in root if s.findtext("service_code") == "drain_blockage")
    assert [child.tag for child in service] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert service.findtext("service_name") == "下水道堵塞"
    assert service.findtext("metadata") == "true"
    assert service.findtext("type") == "realtime"
    assert service.findtext("group") == "维修"
    assert "下水道" in service.findtext("keywords")


def test_service_list_in_json_is_an_array_with_booleans(client, community, drain, appliance):
    response = client.get("/open311/v2/services.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    services = {s["service_code"]: s for s in response.json()}
    assert services["drain_blockage"]["metadata"] is True
    assert services["appliance_repair"]["metadata"] is False


def test_service_definition_lists_the_drain_questions(client, community, drain):
    root = xml(client.get("/open311/v2/services/drain_blockage.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "drain_blockage"
    first = root.find("attributes/attribute")
    assert first.findtext("code") == "sewage_backing_up"
    assert first.findtext("datatype") == "singlevaluelist"
    assert first.findtext("required") == "true"
    assert first.findtext("variable") == "true"
    assert first.findtext("order") == "1"
    assert [v.findtext("key") for v in first.findall("values/value")] == ["yes", "no"]


def test_service_definition_in_json_follows_the_spark_mapping(client, community, drain):
    data = client.get("/open311/v2/services/drain_blockage.json").json()
    assert data["service_code"] == "drain_blockage"
    attribute = data["attributes"][0]
    assert attribute["required"] is True
    assert attribute["order"] == 1
    assert attribute["values"][0] == {"key": "yes", "name": "是"}
    assert data["attributes"][1]["datatype_description"] is None


def test_a_category_without_questions_has_an_empty_definition(client, community, appliance):
    data = client.get("/open311/v2/services/appliance_repair.json").json()
    assert data == {"service_code": "appliance_repair", "attributes": []}


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_an_unknown_service_code_is_404_in_the_standard_error_shape(client, community, fmt):
    response = client.get(f"/open311/v2/services/no_such.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        [problem] = response.json()
        assert problem["code"] == 404
        assert "no_such" in problem["description"]
    else:
        root = xml(response)
        assert root.tag == "errors"
        assert root.find("error").findtext("code") == "404"


def test_an_unknown_jurisdiction_is_404(client, community, drain):
    response = client.get("/open311/v2/services.json", {"jurisdiction_id": "nowhere.gov"})
    assert response.status_code == 404
    assert "nowhere.gov" in response.json()[0]["description"]


def test_a_known_jurisdiction_and_an_empty_one_are_both_accepted(client, community, drain):
    assert (
        client.get("/open311/v2/services.json", {"jurisdiction_id": community.code}).status_code
        == 200
    )
    # The standard: an empty parameter means "not passed".
    assert client.get("/open311/v2/services.json", {"jurisdiction_id": ""}).status_code == 200


def test_an_unknown_resource_answers_404_in_xml(client, community):
    response = client.get("/open311/v2/whatever.xml")
    assert response.status_code == 404
    assert xml(response).tag == "errors"


def test_discovery_names_the_endpoint_and_both_formats(client, community):
    data = json.loads(client.get("/open311/v2/discovery.json").content)
    endpoint = data["endpoints"][0]
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]
