"""The registry list and its search box."""

from __future__ import annotations

import pytest
from django.urls import reverse

from people.tests.factories import make_resident


@pytest.fixture
def residents(operator, community, household, household_b):
    made = [
        make_resident(
            operator,
            community,
            "王秀兰",
            household=household,
            phones=["13800001234"],
            care_tags=["living_alone"],
        )
    ]
    for n in range(12):
        made.append(
            make_resident(
                operator, community, f"李{n}", household=household_b, phones=[f"1391234{n:04d}"]
            )
        )
    return made


def test_the_list_pins_its_query_count(login, operator, residents, django_assert_max_num_queries):
    client = login(operator)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("people:list"))
    assert response.status_code == 200
    assert "138****1234" in response.content.decode()


def test_search_pins_its_query_count(login, operator, residents, django_assert_max_num_queries):
    client = login(operator)
    with django_assert_max_num_queries(18):
        response = client.post(reverse("people:list"), {"q": "li"})
    assert response.content.decode().count("139****") == 12


def test_the_search_box_answers_htmx_with_the_results_only(login, operator, residents):
    response = login(operator).post(
        reverse("people:list"), {"q": "wxl"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    html = response.content.decode()
    assert "王秀兰" in html and "<html" not in html


def test_nothing_found_says_what_to_do_next(login, operator, residents):
    html = login(operator).post(reverse("people:list"), {"q": "张无忌"}).content.decode()
    assert "登记新居民" in html


def test_a_grid_worker_lists_only_their_grid(login, grid_worker_b, residents):
    html = login(grid_worker_b).get(reverse("people:list")).content.decode()
    assert "王秀兰" not in html and "李1" in html


def test_an_outsider_lists_nobody(login, outsider, residents):
    html = login(outsider).get(reverse("people:list")).content.decode()
    assert "王秀兰" not in html and "李1" not in html


def test_a_liaison_has_no_registry(login, liaison, residents):
    html = login(liaison).post(reverse("people:list"), {"q": "王秀兰"}).content.decode()
    assert "138****1234" not in html
