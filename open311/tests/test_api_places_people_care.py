"""Places, residents and care check-ins in the JSON API, from inside and outside."""

from __future__ import annotations

import pytest

from accounts.models import Role
from open311.tests.conftest import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(community, household):
    from people.models import Phone, Resident

    person = Resident.objects.create(
        community=community,
        household=household,
        name="王秀兰",
        name_pinyin="wangxiulan",
        name_initials="wxl",
    )
    phone = Phone(resident=person, is_primary=True)
    phone.set_number("13912345678")
    phone.save()
    from people.services import refresh_search_fields

    refresh_search_fields(person)
    person.save()
    return person


def test_the_tree_shows_the_key_area_only(
    client, make_key, community, grid, compound, grid_b, compound_b, other_compound
):
    _token, grid_key = make_key(community, role=Role.GRID_WORKER, grid=grid, scopes=["places:read"])
    tree = client.get("/api/places/tree", **bearer(grid_key)).json()
    assert [c["code"] for c in tree] == [community.code]
    assert [g["id"] for g in tree[0]["grids"]] == [grid.pk]
    assert [c["name"] for c in tree[0]["grids"][0]["compounds"]] == [compound.name]


def test_a_community_key_sees_every_grid(client, key, community, compound, compound_b):
    tree = client.get("/api/places/tree", **bearer(key)).json()
    names = {c["name"] for g in tree[0]["grids"] for c in g["compounds"]}
    assert names == {compound.name, compound_b.name}


def test_households_give_the_open311_address_id(client, key, household):
    url = f"/api/places/buildings/{household.building_id}/households"
    [row] = client.get(url, **bearer(key)).json()
    assert row["id"] == household.pk
    assert row["door"] == "3-2-401"


def test_places_of_another_community_are_404(client, outsider_key, compound, household):
    assert (
        client.get(f"/api/places/compounds/{compound.pk}", **bearer(outsider_key)).status_code
        == 404
    )
    url = f"/api/places/buildings/{household.building_id}/households"
    assert client.get(url, **bearer(outsider_key)).status_code == 404


def test_resident_search_is_a_post_and_masks_the_phone(client, key, resident):
    response = client.post(
        "/api/people/residents/search",
        {"query": "13912345678"},
        content_type="application/json",
        **bearer(key),
    )
    assert response.status_code == 200
    [card] = response.json()
    assert card["id"] == resident.pk
    assert card["phones"] == [{"label": "本人", "masked": "139****5678"}]
    assert "13912345678" not in response.content.decode()
    assert card["care_tags"] == []


def test_care_tags_are_null_for_a_role_that_does_not_arrange_care(
    client, make_key, community, compound, resident
):
    _token, committee_key = make_key(
        community, role=Role.COMMITTEE, compound=compound, scopes=["residents:read"]
    )
    card = client.get(f"/api/people/residents/{resident.pk}", **bearer(committee_key)).json()
    assert card["name"] == "王秀兰"
    assert card["care_tags"] is None


def test_residents_of_another_community_are_404_and_never_found(client, outsider_key, resident):
    assert (
        client.get(f"/api/people/residents/{resident.pk}", **bearer(outsider_key)).status_code
        == 404
    )
    found = client.post(
        "/api/people/residents/search",
        {"query": "王秀兰"},
        content_type="application/json",
        **bearer(outsider_key),
    ).json()
    assert found == []


def test_a_key_without_residents_scope_cannot_search(client, make_key, community, resident):
    _token, orders_key = make_key(community, scopes=["orders:read"])
    response = client.post(
        "/api/people/residents/search",
        {"query": "王"},
        content_type="application/json",
        **bearer(orders_key),
    )
    assert response.status_code == 403


@pytest.fixture
def plan(resident, community, grid, grid_worker):
    from care.models import CarePlan

    return CarePlan.objects.create(
        resident=resident, community=community, grid=grid, responsible_user=grid_worker
    )


def test_a_check_in_is_recorded_and_listed(client, key, plan):
    response = client.post(
        f"/api/care/plans/{plan.pk}/check-ins",
        {"kind": "call", "outcome": "fine"},
        content_type="application/json",
        **bearer(key),
    )
    assert response.status_code == 201, response.content
    page = client.get("/api/care/check-ins", **bearer(key)).json()
    [item] = page["items"]
    assert (item["plan_id"], item["outcome"], item["resident_name"]) == (plan.pk, "fine", "王秀兰")


def test_check_ins_of_another_community_are_invisible(client, outsider_key, key, plan):
    client.post(
        f"/api/care/plans/{plan.pk}/check-ins",
        {"kind": "call", "outcome": "fine"},
        content_type="application/json",
        **bearer(key),
    )
    assert client.get("/api/care/check-ins", **bearer(outsider_key)).json()["items"] == []
    response = client.post(
        f"/api/care/plans/{plan.pk}/check-ins",
        {"kind": "call", "outcome": "fine"},
        content_type="application/json",
        **bearer(outsider_key),
    )
    assert response.status_code == 404


def test_the_docs_page_loads_its_scripts_from_files(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    import re

    inline = [
        attrs
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        if body.strip() and "application/json" not in attrs
    ]
    assert inline == []  # only a JSON data block, which the CSP does not treat as script
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_schema_is_served_without_login(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/hotline/orders/{number}/dispatch" in schema["paths"]
