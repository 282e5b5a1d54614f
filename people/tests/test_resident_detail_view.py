"""The resident page: masking per role, care tags only where needed, 404 outside scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from people import assignments
from people.models import Resident
from people.tests.factories import make_resident

ID = "142701195003150013"


@pytest.fixture
def wang(operator, community, household):
    return make_resident(
        operator,
        community,
        "王秀兰",
        household=household,
        phones=["13800001234"],
        id_number=ID,
        care_tags=["lost_only_child"],
    )


def page(login, user, resident):
    return login(user).get(reverse("people:detail", args=[resident.pk]))


@pytest.mark.parametrize("actor", ["operator", "leader", "grid_worker", "admin_user"])
def test_staff_who_arrange_care_see_masked_numbers_care_tags_and_a_reveal_button(
    request, login, actor, wang
):
    response = page(login, request.getfixturevalue(actor), wang)
    html = response.content.decode()
    assert response.status_code == 200
    assert "138****1234" in html and "13800001234" not in html
    assert "1427**********0013" in html and ID not in html
    assert "失独" in html
    assert "显示完整号码" in html


def test_a_committee_member_sees_the_resident_masked_without_care_tags_or_id(
    login, committee_member, wang
):
    html = page(login, committee_member, wang).content.decode()
    assert "138****1234" in html
    assert "失独" not in html and "1427**" not in html
    assert "显示完整号码" not in html


def test_a_volunteer_sees_only_assigned_residents_masked_and_without_care_tags(
    login, volunteer, wang, monkeypatch
):
    assert page(login, volunteer, wang).status_code == 404
    monkeypatch.setattr(
        assignments, "_sources", [lambda user: Resident.objects.filter(pk=wang.pk).values("pk")]
    )
    html = page(login, volunteer, wang).content.decode()
    assert "138****1234" in html and "13800001234" not in html
    assert "失独" not in html and "显示完整号码" not in html


@pytest.mark.parametrize("actor", ["outsider", "grid_worker_b", "liaison"])
def test_staff_outside_the_residents_area_get_404(request, login, actor, wang):
    assert page(login, request.getfixturevalue(actor), wang).status_code == 404


def test_the_page_shows_household_members_and_history(login, operator, community, household, wang):
    make_resident(operator, community, "李建国", household=household)
    html = page(login, operator, wang).content.decode()
    assert "李建国" in html and "resident.create" in html


def test_the_page_takes_a_fixed_number_of_queries(
    login, operator, community, household, wang, django_assert_max_num_queries
):
    for n in range(5):
        make_resident(
            operator, community, f"家人{n}", household=household, phones=[f"1390000000{n}"]
        )
    client = login(operator)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("people:detail", args=[wang.pk])).status_code == 200


def test_the_resident_page_labels_the_household_as_the_residents_address(login, operator, wang):
    # "Home" means 首页 in the navigation; here it is the resident's 住址.
    html = page(login, operator, wang).content.decode()
    assert "<dt>住址</dt>" in html
    assert "<dt>首页</dt>" not in html
