"""POST /api/telephony/calls: the phone system reports ringing, answered and ended."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from hotline import telephony
from hotline.models import Call, TelephonyIntegration
from linli import testing as t
from people.models import Phone, Resident

URL = "/api/telephony/calls"


def make_resident(community, household, name="王秀兰", number="13800001234"):
    resident = Resident.objects.create(
        community=community,
        household=household,
        name=name,
        name_pinyin="wangxiulan",
        name_initials="wxl",
        birth_year=1948,
    )
    phone = Phone(resident=resident, label="本人", is_primary=True)
    phone.set_number(number)
    phone.save()
    return resident


@pytest.fixture
def integration(community, admin_user):
    return telephony.create_integration(
        acting_user=admin_user, community=community, name="Asterisk"
    )


@pytest.fixture
def desk_operator(operator):
    operator.phone_extension = "8002"
    operator.save(update_fields=["phone_extension"])
    return operator


def post(client, key, **payload):
    return client.post(
        URL, data=json.dumps(payload), content_type="application/json", HTTP_X_API_KEY=key
    )


def test_the_url_is_where_the_docs_say(db):
    assert reverse("api:telephony_calls") == URL


@pytest.mark.django_db
def test_a_bad_key_is_refused_and_nothing_is_recorded(client, integration):
    _, key = integration
    for bad in ("", "nonsense", key[:9] + "x" * 20, key + "x"):
        response = post(client, bad, call_id="c1", event="ringing", caller="13800001234")
        assert response.status_code == 401
    response = client.post(
        URL,
        data=json.dumps({"call_id": "c1", "event": "ringing"}),
        content_type="application/json",
    )
    assert response.status_code == 401
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_a_disabled_integration_is_refused(client, integration):
    obj, key = integration
    TelephonyIntegration.objects.filter(pk=obj.pk).update(is_active=False)
    assert post(client, key, call_id="c1", event="ringing").status_code == 401


@pytest.mark.django_db
def test_a_staff_session_is_not_a_phone_system(login, client, admin_user, integration):
    login(admin_user)
    response = client.post(
        URL, data=json.dumps({"call_id": "c1", "event": "ringing"}), content_type="application/json"
    )
    assert response.status_code == 401


@pytest.mark.django_db
def test_the_key_may_come_as_a_bearer_token(client, integration):
    _, key = integration
    response = client.post(
        URL,
        data=json.dumps({"call_id": "c1", "event": "ringing", "caller": "13800001234"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_only_a_hash_of_the_key_is_stored(integration):
    obj, key = integration
    obj.refresh_from_db()
    assert key not in obj.key_hash
    assert key.split(".", 1)[1] not in obj.key_hash
    assert obj.key_prefix == key.split(".", 1)[0]


@pytest.mark.django_db
def test_ringing_finds_the_resident_and_the_operator_at_that_extension(
    client, integration, desk_operator, community, household
):
    resident = make_resident(community, household)
    _, key = integration
    response = post(
        client, key, call_id="c1", event="ringing", caller="+86 138-0000-1234", extension="8002"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["known_caller"] is True
    assert body["operator"] == desk_operator.username
    assert "1380000" not in response.content.decode()
    call = Call.objects.get()
    assert call.resident == resident
    assert call.operator == desk_operator
    assert call.masked == "138****1234"
    assert call.state == Call.State.RINGING


@pytest.mark.django_db
def test_a_number_of_another_community_is_not_matched(
    client, integration, desk_operator, other_community, other_household
):
    make_resident(other_community, other_household)
    _, key = integration
    body = post(
        client, key, call_id="c1", event="ringing", caller="13800001234", extension="8002"
    ).json()
    assert body["known_caller"] is False


@pytest.mark.django_db
def test_an_unknown_extension_still_records_the_call(client, integration, desk_operator):
    _, key = integration
    response = post(
        client, key, call_id="c1", event="ringing", caller="13800001234", extension="9999"
    )
    assert response.status_code == 200
    assert response.json()["operator"] is None
    assert Call.objects.get().operator is None


@pytest.mark.django_db
def test_an_operator_of_another_community_at_the_same_extension_gets_no_pop(
    client, integration, other_community
):
    t.make_user("far", role=t.Role.OPERATOR, community=other_community, phone_extension="8002")
    _, key = integration
    body = post(client, key, call_id="c1", event="ringing", extension="8002").json()
    assert body["operator"] is None


@pytest.mark.django_db
def test_answered_and_ended_set_the_times_once(client, integration, desk_operator):
    _, key = integration
    post(client, key, call_id="c1", event="ringing", caller="13800001234", extension="8002")
    first = post(client, key, call_id="c1", event="answered").json()
    again = post(client, key, call_id="c1", event="answered").json()
    assert first["answered_at"] and again["answered_at"] == first["answered_at"]
    ended = post(client, key, call_id="c1", event="ended").json()
    assert ended["state"] == "ended"
    assert ended["duration_seconds"] is not None and ended["duration_seconds"] >= 0
    call = Call.objects.get()
    assert call.answered_at <= call.ended_at
    assert Call.objects.count() == 1


@pytest.mark.django_db
def test_an_answered_event_for_an_unknown_call_opens_it(client, integration, desk_operator):
    _, key = integration
    body = post(
        client, key, call_id="lost-ring", event="answered", caller="13800001234", extension="8002"
    ).json()
    assert body["state"] == "answered"
    assert body["operator"] == desk_operator.username


@pytest.mark.django_db
def test_a_transferred_call_pops_at_the_desk_that_answered(
    client, integration, desk_operator, community
):
    other = t.make_user("op2", role=t.Role.OPERATOR, community=community, phone_extension="8003")
    _, key = integration
    post(client, key, call_id="c1", event="ringing", caller="13800001234", extension="8002")
    body = post(client, key, call_id="c1", event="answered", extension="8003").json()
    assert body["operator"] == other.username
    assert Call.objects.get().extension == "8003"


@pytest.mark.django_db
def test_bad_input_gets_a_clear_error_and_writes_nothing(client, integration):
    _, key = integration
    response = post(client, key, call_id="c1", event="hangup")
    assert response.status_code == 422
    response = post(client, key, call_id="", event="ringing")
    assert response.status_code == 422
    response = client.post(
        URL, data="not json", content_type="application/json", HTTP_X_API_KEY=key
    )
    assert response.status_code in (400, 422)
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_a_withheld_number_is_recorded_without_a_match(client, integration, desk_operator):
    _, key = integration
    body = post(
        client, key, call_id="c1", event="ringing", caller="anonymous", extension="8002"
    ).json()
    assert body["known_caller"] is False
    assert Call.objects.get().masked == ""


@pytest.mark.django_db
def test_only_an_admin_may_create_an_integration(operator, community):
    from linli.lib.errors import NotAllowed

    with pytest.raises(NotAllowed):
        telephony.create_integration(acting_user=operator, community=community, name="x")
    assert not TelephonyIntegration.objects.exists()
