"""The household page (places) lists who lives there now and who lived there before."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from people import services
from people.tests.factories import make_resident


def test_current_and_past_members_are_listed(login, operator, community, household):
    make_resident(operator, community, "王秀兰", household=household, phones=["13800001234"])
    gone = make_resident(operator, community, "赵六", household=household)
    services.move_out(acting_user=operator, resident=gone, on=dt.date(2025, 3, 31))
    html = login(operator).get(reverse("places:household", args=[household.pk])).content.decode()
    assert "王秀兰" in html and "138****1234" in html
    assert "赵六" in html and "2025-03-31" in html


def test_the_household_page_pins_its_query_count(
    login, operator, community, household, django_assert_max_num_queries
):
    for n in range(6):
        make_resident(
            operator, community, f"住户{n}", household=household, phones=[f"1380000000{n}"]
        )
    client = login(operator)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("places:household", args=[household.pk])).status_code == 200


def test_a_committee_member_sees_members_without_care_tags(
    login, operator, committee_member, community, household
):
    make_resident(operator, community, "王秀兰", household=household, care_tags=["living_alone"])
    html = (
        login(committee_member)
        .get(reverse("places:household", args=[household.pk]))
        .content.decode()
    )
    assert "王秀兰" in html and "独居" not in html
