"""Place pages: each user sees their own area, and nothing outside it exists for them."""

import pytest
from django.urls import reverse

from linli import testing as t


@pytest.fixture
def places(compound, compound_b, other_compound, household, household_b, other_household):
    return {
        "compound": compound,
        "compound_b": compound_b,
        "other_compound": other_compound,
        "household": household,
        "household_b": household_b,
        "other_household": other_household,
    }


def place_urls(household):
    building = household.building
    compound = building.compound
    return [
        reverse("places:grid", args=[compound.grid_id]),
        reverse("places:compound", args=[compound.pk]),
        reverse("places:building", args=[building.pk]),
        reverse("places:household", args=[household.pk]),
    ]


@pytest.mark.django_db
def test_a_grid_worker_sees_every_page_of_their_own_grid(login, grid_worker, places):
    client = login(grid_worker)
    for url in place_urls(places["household"]):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_a_grid_worker_gets_not_found_for_another_grid(login, grid_worker, places):
    client = login(grid_worker)
    for url in place_urls(places["household_b"]):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "不存在".encode() in response.content or b"does not exist" in response.content


@pytest.mark.django_db
def test_a_worker_of_another_community_gets_not_found_everywhere(login, outsider, places):
    client = login(outsider)
    for household in (places["household"], places["household_b"]):
        for url in place_urls(household):
            assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_the_community_leader_sees_all_grids_but_not_the_neighbouring_community(
    login, leader, places
):
    client = login(leader)
    for household in (places["household"], places["household_b"]):
        for url in place_urls(household):
            assert client.get(url).status_code == 200, url
    for url in place_urls(places["other_household"]):
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_a_county_leader_sees_every_community_of_the_county(login, county_leader, places):
    client = login(county_leader)
    for key in ("household", "household_b", "other_household"):
        for url in place_urls(places[key]):
            assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_a_committee_member_sees_only_their_compound(login, committee_member, places, grid):
    client = login(committee_member)
    assert client.get(reverse("places:compound", args=[places["compound"].pk])).status_code == 200
    assert client.get(reverse("places:compound", args=[places["compound_b"].pk])).status_code == 404
    # The grid itself is wider than a committee member's compound.
    assert client.get(reverse("places:grid", args=[grid.pk])).status_code == 404


@pytest.mark.django_db
def test_the_tree_lists_only_compounds_in_scope(login, grid_worker, places):
    content = login(grid_worker).get(reverse("places:tree")).content.decode()
    assert places["compound"].name in content
    assert places["compound_b"].name not in content
    assert places["other_compound"].name not in content


@pytest.mark.django_db
def test_a_user_without_a_role_sees_no_places(login, places):
    client = login(t.make_user("nobody"))
    assert client.get(reverse("places:compound", args=[places["compound"].pk])).status_code == 404
    assert "暂无".encode() in client.get(reverse("places:tree")).content


@pytest.mark.django_db
def test_place_pages_need_login(client, places):
    for url in [reverse("places:tree"), *place_urls(places["household"])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_the_compound_page_shows_households_with_area_and_occupancy(login, leader, compound):
    building = t.make_building(compound, "5号楼")
    t.make_household(building, "502", unit="1", area_m2=92.35, occupancy="rented")
    content = login(leader).get(reverse("places:compound", args=[compound.pk])).content.decode()
    assert "5号楼" in content
    assert "1-502" in content
    assert "92.35" in content
    assert "出租" in content


@pytest.mark.django_db
def test_the_compound_page_query_count_does_not_grow_with_households(
    login, leader, compound, django_assert_max_num_queries
):
    for b in range(3):
        building = t.make_building(compound, f"{b + 10}号楼")
        for r in range(10):
            t.make_household(building, f"{r + 1}01")
    client = login(leader)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("places:compound", args=[compound.pk])).status_code == 200


@pytest.mark.django_db
def test_the_tree_query_count_does_not_grow_with_compounds(
    login, leader, grid, grid_b, django_assert_max_num_queries
):
    for g in (grid, grid_b):
        for _ in range(8):
            t.make_household(t.make_building(t.make_compound(g)))
    client = login(leader)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("places:tree")).status_code == 200
