"""The command-line side of the phone link: making a key, and the call simulator."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AuditLog
from hotline import telephony
from hotline.models import Call, TelephonyIntegration
from hotline.tests.factories import ensure_catalogue, make_resident


@pytest.fixture(autouse=True)
def _catalogue(db):
    # Seeded by a migration; a transactional test elsewhere may have flushed it.
    ensure_catalogue()


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def desk(operator):
    operator.phone_extension = "8002"
    operator.save(update_fields=["phone_extension"])
    return operator


@pytest.mark.django_db
def test_create_telephony_key_prints_the_key_once_and_stores_its_hash(community):
    output = run("create_telephony_key", "Asterisk office", community=community.code)
    key = output.splitlines()[2].strip()
    integration = TelephonyIntegration.objects.get()
    assert integration.name == "Asterisk office"
    assert key not in integration.key_hash
    assert telephony.authenticate(key) == integration
    assert AuditLog.objects.filter(action="telephony.create_integration").exists()


@pytest.mark.django_db
def test_create_telephony_key_needs_a_known_community(db):
    with pytest.raises(CommandError):
        run("create_telephony_key", "x", community="NOPE")


@pytest.mark.django_db
def test_the_simulator_rings_and_answers_at_the_operators_desk(login, desk, household):
    make_resident(household, "王秀兰", phone="13800001234")
    output = run("simulate_call", "13800001234", extension="8002", answer_after=0)
    assert "ringing: 200" in output and "answered: 200" in output
    assert "13800001234" not in output
    call = Call.objects.get()
    assert call.state == Call.State.ANSWERED
    assert call.operator == desk
    page = login(desk).get("/hotline/console/ring/", {"seen": 0}).content.decode()
    assert "王秀兰" in page


@pytest.mark.django_db
def test_the_simulator_finds_the_desk_by_itself_and_can_hang_up(desk, community):
    run("simulate_call", "13912345678", answer_after=0, end_after=0)
    call = Call.objects.get()
    assert call.extension == "8002"
    assert call.state == Call.State.ENDED and call.duration_seconds is not None


@pytest.mark.django_db
def test_a_missed_call_only_rings(desk):
    run("simulate_call", "13912345678", no_answer=True)
    assert Call.objects.get().state == Call.State.RINGING


@pytest.mark.django_db
def test_the_simulator_replaces_its_own_key_each_run(desk):
    run("simulate_call", "13912345678", no_answer=True)
    first = TelephonyIntegration.objects.get(name=telephony.SIMULATOR_NAME).key_hash
    run("simulate_call", "13912345679", no_answer=True)
    assert TelephonyIntegration.objects.get(name=telephony.SIMULATOR_NAME).key_hash != first
    assert TelephonyIntegration.objects.count() == 1


@pytest.mark.django_db
def test_the_simulator_uses_a_given_key_and_refuses_a_bad_one(desk, community):
    _integration, key = telephony.create_integration(
        acting_user=None, community=community, name="pbx", channel="command"
    )
    run("simulate_call", "13912345678", key=key, no_answer=True)
    assert Call.objects.get().integration.name == "pbx"
    with pytest.raises(CommandError):
        run("simulate_call", "13912345678", key="bad.key", no_answer=True)


@pytest.mark.django_db
def test_the_simulator_asks_for_a_community_when_it_cannot_tell(community, other_community):
    with pytest.raises(CommandError):
        run("simulate_call", "13912345678", no_answer=True)
