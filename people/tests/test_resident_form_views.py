"""Registering and editing residents through the pages."""

from __future__ import annotations

from django.urls import reverse

from people.models import Membership, Resident
from people.tests.factories import make_resident


def test_registering_in_a_household_creates_the_resident_and_membership(login, operator, household):
    response = login(operator).post(
        reverse("people:create") + f"?household={household.pk}",
        {"name": "王秀兰", "phone": "13800001234", "phone_label": "本人", "relation": "owner"},
    )
    resident = Resident.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "people:detail", args=[resident.pk]
    )
    assert resident.household == household
    assert Membership.objects.get(resident=resident).relation == "owner"


def test_an_invalid_phone_is_shown_on_the_form_in_chinese(login, operator, household):
    response = login(operator).post(
        reverse("people:create") + f"?household={household.pk}",
        {"name": "王秀兰", "phone": "12345"},
    )
    assert response.status_code == 400
    assert "不是有效的中国手机号" in response.content.decode()
    assert not Resident.objects.exists()


def test_a_wrong_id_check_digit_is_shown_on_the_form(login, operator, household):
    response = login(operator).post(
        reverse("people:create") + f"?household={household.pk}",
        {"name": "王秀兰", "id_number": "142701195003150016"},
    )
    assert response.status_code == 400
    assert "校验位" in response.content.decode()


def test_editing_keeps_the_id_number_when_left_empty(login, operator, community, household):
    wang = make_resident(
        operator, community, "王秀兰", household=household, id_number="142701195003150013"
    )
    response = login(operator).post(
        reverse("people:edit", args=[wang.pk]),
        {
            "name": "王秀英",
            "sex": "M",
            "birth_year": "1950",
            "updated_at": wang.updated_at.isoformat(),
        },
    )
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.name == "王秀英" and wang.id_number_masked == "1427**********0013"


def test_a_stale_edit_form_is_refused(login, operator, community, household):
    wang = make_resident(operator, community, "王秀兰", household=household)
    stale = wang.updated_at.isoformat()
    client = login(operator)
    client.post(reverse("people:edit", args=[wang.pk]), {"name": "王秀英", "updated_at": stale})
    response = client.post(
        reverse("people:edit", args=[wang.pk]), {"name": "王秀芳", "updated_at": stale}
    )
    assert response.status_code == 400
    wang.refresh_from_db()
    assert wang.name == "王秀英"


def test_outsiders_cannot_open_the_forms(login, outsider, operator, community, household):
    wang = make_resident(operator, community, "王秀兰", household=household)
    client = login(outsider)
    assert client.get(reverse("people:edit", args=[wang.pk])).status_code == 404
    assert client.get(reverse("people:create") + f"?household={household.pk}").status_code == 404
    assert client.get(reverse("people:move", args=[wang.pk])).status_code == 404


def test_moving_out_through_the_page_keeps_the_history(login, operator, community, household):
    wang = make_resident(operator, community, "王秀兰", household=household)
    response = login(operator).post(
        reverse("people:move_out", args=[wang.pk]), {"on": "2025-06-30", "leaves_community": "on"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(resident=wang).end_date.isoformat() == "2025-06-30"


def test_moving_through_the_page_finds_the_household_by_door(
    login, operator, community, household, compound
):
    from linli import testing as t

    other = t.make_household(household.building, "502", unit="2")
    wang = make_resident(operator, community, "王秀兰", household=household)
    response = login(operator).post(
        reverse("people:move", args=[wang.pk]),
        {"compound": compound.pk, "door": "3-2-502", "relation": "tenant", "on": "2025-06-30"},
    )
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.household == other
