"""The caller's screen-pop: a call event from the phone system makes the caller's card
appear on the console of the operator at that extension, on the very next poll."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
import time_machine
from django.urls import reverse

from hotline import telephony
from hotline.models import Call, Order
from hotline.tests.factories import ensure_catalogue, make_resident
from linli import testing as t

API = "/api/telephony/calls"
RING = "/hotline/console/ring/"


@pytest.fixture(autouse=True)
def _catalogue(db):
    # Seeded by a migration; a transactional test elsewhere may have flushed it.
    ensure_catalogue()


@pytest.fixture
def key(community, admin_user):
    return telephony.create_integration(acting_user=admin_user, community=community, name="PBX")[1]


@pytest.fixture
def desk(operator):
    operator.phone_extension = "8002"
    operator.save(update_fields=["phone_extension"])
    return operator


def event(client, key, **payload):
    response = client.post(
        API, data=json.dumps(payload), content_type="application/json", HTTP_X_API_KEY=key
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
def test_the_poll_is_quiet_while_nothing_rings(login, desk):
    response = login(desk).get(RING, {"seen": 0}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response.content == b""


@pytest.mark.django_db
def test_ringing_pops_the_callers_card_on_the_next_poll(client, login, desk, key, household):
    make_resident(household, "王秀兰", phone="13800001234")
    body = event(client, key, call_id="c1", event="ringing", caller="13800001234", extension="8002")
    response = login(desk).get(RING, {"seen": 0}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    assert "王秀兰" in page
    assert 'hx-swap-oob="true"' in page
    assert f"seen={body['id']}" in page  # the next poll knows this call
    assert f'name="call" value="{body["id"]}"' in page
    again = login(desk).get(RING, {"seen": body["id"]}, HTTP_HX_REQUEST="true")
    assert again.status_code == 204


@pytest.mark.django_db
def test_the_poll_costs_one_query_of_its_own(login, desk, django_assert_num_queries):
    client = login(desk)
    client.get(RING, {"seen": 0})
    # Framework: session, user, the user's roles; no session save, since a poll is not
    # the user's activity. The poll itself: one indexed look-up of the call table.
    with django_assert_num_queries(4) as captured:
        client.get(RING, {"seen": 0})
    calls = [q["sql"] for q in captured.captured_queries if "hotline_call" in q["sql"]]
    assert len(calls) == 1


@pytest.mark.django_db
def test_a_call_to_another_extension_does_not_pop_here(client, login, desk, key, community):
    t.make_user("op2", role=t.Role.OPERATOR, community=community, phone_extension="8003")
    event(client, key, call_id="c1", event="ringing", caller="13800001234", extension="8003")
    assert login(desk).get(RING, {"seen": 0}).status_code == 204


@pytest.mark.django_db
def test_an_unknown_number_pops_a_card_to_add_the_resident_or_go_anonymous(
    client, login, desk, key
):
    event(client, key, call_id="c1", event="ringing", caller="13912345678", extension="8002")
    page = login(desk).get(RING, {"seen": 0}).content.decode()
    assert "139****5678" in page
    assert "13912345678" not in page
    assert reverse("hotline:console_new_resident") in page


@pytest.mark.django_db
def test_a_new_resident_from_the_call_keeps_the_calling_number(client, login, desk, key, household):
    body = event(client, key, call_id="c1", event="ringing", caller="13912345678", extension="8002")
    response = login(desk).post(
        reverse("hotline:console_new_resident"),
        {
            "name": "陈新来",
            "call": body["id"],
            "place": f"household:{household.pk}",
            "relation": "tenant",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "陈新来" in response.content.decode()
    from people.models import Resident

    resident = Resident.objects.get(name="陈新来")
    assert resident.household == household
    assert resident.phones.get().masked == "139****5678"


@pytest.mark.django_db
def test_a_new_resident_with_a_bad_number_is_refused_with_a_message(login, desk, household):
    from people.models import Resident

    response = login(desk).post(
        reverse("hotline:console_new_resident"),
        {"name": "陈新来", "phone": "12345", "place": f"household:{household.pk}"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert 'class="errorlist' in response.content.decode()
    assert not Resident.objects.filter(name="陈新来").exists()


@pytest.mark.django_db
def test_the_order_taken_on_the_call_keeps_the_call_and_its_times(
    client, login, desk, key, household
):
    caller = make_resident(household, "王秀兰", phone="13800001234")
    body = event(client, key, call_id="c9", event="ringing", caller="13800001234", extension="8002")
    event(client, key, call_id="c9", event="answered")
    console = login(desk)
    response = console.post(
        reverse("hotline:console_intake"),
        {
            "step": 3,
            "caller": caller.pk,
            "call": body["id"],
            "category": "家电维修",
            "description": "电视机不亮了",
        },
    )
    assert response.status_code == 302
    event(client, key, call_id="c9", event="ended")
    order = Order.objects.get()
    assert order.call_id == body["id"]
    call = Call.objects.get(pk=body["id"])
    assert call.answered_at and call.ended_at and call.duration_seconds is not None
    assert order.contacts.get().call_id == call.pk


@pytest.mark.django_db
def test_an_anonymous_order_on_a_call_keeps_the_number_for_the_call_back(
    client, login, desk, key, compound
):
    body = event(client, key, call_id="c1", event="ringing", caller="13912345678", extension="8002")
    response = login(desk).post(
        reverse("hotline:console_intake"),
        {
            "step": 3,
            "call": body["id"],
            "category": "路灯照明",
            "description": "巷口路灯不亮",
            "place": f"compound:{compound.pk}",
        },
    )
    assert response.status_code == 302
    contact = Order.objects.get().contacts.get()
    assert contact.resident is None
    assert contact.phone_masked == "139****5678"


@pytest.mark.django_db
def test_a_call_of_another_community_cannot_be_used(login, desk, other_community):
    stranger = Call(community=other_community, external_id="far")
    stranger.set_number("13800001234")
    stranger.save()
    response = login(desk).get(reverse("hotline:console_call", args=[stranger.pk]))
    assert response.status_code == 404
    response = login(desk).post(
        reverse("hotline:console_intake"),
        {
            "step": 3,
            "call": stranger.pk,
            "category": "其他",
            "description": "x",
            "place_text": "某处",
        },
    )
    assert response.status_code == 422
    assert "该来电不属于您" in response.content.decode()
    assert not Order.objects.exists()


# --- the call's state on the card ---------------------------------------------------------

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _state_poll(page: str) -> str:
    """The URL the card's call line polls, or "" when it has stopped polling."""
    found = re.search(r'id="call-state"[^>]*hx-get="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else ""


def _call_line(page: str) -> str:
    return re.sub(r"<[^>]+>", "", page.split('id="call-state"', 1)[1].split("</strong>", 1)[0])


@pytest.mark.django_db
def test_the_card_follows_the_call_from_ringing_to_the_call_to_its_end(
    client, login, desk, key, household
):
    make_resident(household, "王秀兰", phone="13800001234")
    with time_machine.travel(START, tick=False) as clock:
        event(client, key, call_id="c9", event="ringing", caller="13800001234", extension="8002")
        console = login(desk)
        card = console.get(RING, {"seen": 0}, HTTP_HX_REQUEST="true").content.decode()
        assert "来电振铃" in _call_line(card)
        poll = _state_poll(card)
        assert poll
        assert console.get(poll, HTTP_HX_REQUEST="true").status_code == 204  # still ringing

        clock.shift(dt.timedelta(seconds=5))
        event(client, key, call_id="c9", event="answered", extension="8002")
        clock.shift(dt.timedelta(seconds=75))
        answered = console.get(poll, HTTP_HX_REQUEST="true")
        assert answered.status_code == 200
        line = _call_line(answered.content.decode())
        assert "通话中" in line and "01:15" in line
        poll = _state_poll(answered.content.decode())
        assert console.get(poll, HTTP_HX_REQUEST="true").status_code == 204  # still talking

        clock.shift(dt.timedelta(seconds=45))
        event(client, key, call_id="c9", event="ended")
        ended = console.get(poll, HTTP_HX_REQUEST="true").content.decode()
        assert "通话结束" in _call_line(ended) and "02:00" in _call_line(ended)
        assert _state_poll(ended) == ""  # nothing left to follow


@pytest.mark.django_db
def test_the_console_opened_during_a_call_shows_it_as_on_the_line(
    client, login, desk, key, household
):
    with time_machine.travel(START, tick=False) as clock:
        body = event(client, key, call_id="c10", event="ringing", caller="13900001111")
        event(client, key, call_id="c10", event="answered", extension="8002")
        clock.shift(dt.timedelta(seconds=62))
        page = login(desk).get("/hotline/console/", {"call": body["id"]}).content.decode()
    line = _call_line(page)
    assert "通话中" in line and "01:02" in line


@pytest.mark.django_db
def test_another_desks_call_state_is_not_found(client, login, key, other_community):
    body = event(client, key, call_id="c11", event="ringing", caller="13900001111")
    stranger = t.make_user("stranger", role="operator", community=other_community)
    url = reverse("hotline:console_call_state", args=[body["id"]])
    assert login(stranger).get(url, {"state": "answered"}).status_code == 404


# --- polls are not activity ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_console_left_alone_times_out_although_it_polls_every_second(login, desk):
    with time_machine.travel(START, tick=False) as clock:
        client = login(desk)
        assert client.get("/hotline/console/").status_code == 200
        for _ in range(29):  # 29 minutes of polls, a few each minute, and nothing else
            clock.shift(dt.timedelta(minutes=1))
            for _ in range(3):
                assert client.get(RING, {"seen": 0}, HTTP_HX_REQUEST="true").status_code == 204
        clock.shift(dt.timedelta(minutes=2))  # 31 minutes after the last real request
        poll = client.get(RING, {"seen": 0}, HTTP_HX_REQUEST="true")
        response = client.get("/hotline/console/")
    assert poll.status_code == 302
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_what_the_operator_does_keeps_the_session_alive_between_polls(login, desk):
    with time_machine.travel(START, tick=False) as clock:
        client = login(desk)
        for minute in range(1, 46):
            clock.shift(dt.timedelta(minutes=1))
            assert client.get(RING, {"seen": 0}, HTTP_HX_REQUEST="true").status_code == 204
            if minute == 20:  # the operator searches for a resident
                search = client.post(
                    "/hotline/console/search/", {"q": "王"}, HTTP_HX_REQUEST="true"
                )
                assert search.status_code == 200
        # 45 minutes after logging in, 25 after the search: still logged in.
        assert client.get("/hotline/console/").status_code == 200
