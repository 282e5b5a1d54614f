"""reveal_phone / reveal_id_number: one click with a reason, always in the audit log."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditLog
from linli.lib.errors import NotAllowed, NotFound
from people import services
from people.tests.factories import make_resident

ID = "142701195003150013"


@pytest.fixture
def wang(operator, community, household):
    return make_resident(
        operator, community, "王秀兰", household=household, phones=["13800001234"], id_number=ID
    )


def test_revealing_a_phone_returns_it_and_logs_who_whose_which_and_why(operator, wang):
    phone = wang.phones.get()
    number = services.reveal_phone(acting_user=operator, phone=phone, reason="回访")
    assert number == "13800001234"
    entry = AuditLog.objects.get(action="resident.reveal_phone")
    assert entry.actor == operator
    assert entry.object_type == "people.resident" and entry.object_id == str(wang.pk)
    assert entry.after == {
        "field": "phone",
        "id": phone.pk,
        "label": "本人",
        "masked": "138****1234",
    }
    assert entry.note == "回访" and entry.at is not None
    assert "13800001234" not in str(entry.after) + entry.note


def test_revealing_an_id_number_is_logged(leader, wang):
    assert services.reveal_id_number(acting_user=leader, resident=wang, reason="办理高龄补贴") == ID
    entry = AuditLog.objects.get(action="resident.reveal_id_number")
    assert entry.after["masked"] == "1427**********0013" and entry.note == "办理高龄补贴"


def test_an_emergency_contacts_number_can_be_revealed_too(operator, wang):
    contact = services.add_emergency_contact(
        acting_user=operator, resident=wang, name="王小明", relation="儿子", number="13900001111"
    )
    assert services.reveal_phone(acting_user=operator, phone=contact, reason="老人没接电话") == (
        "13900001111"
    )
    assert AuditLog.objects.filter(action="resident.reveal_contact_phone").count() == 1


def test_a_reason_is_required(operator, wang):
    with pytest.raises(ValidationError):
        services.reveal_phone(acting_user=operator, phone=wang.phones.get(), reason=" ")
    assert not AuditLog.objects.filter(action__startswith="resident.reveal").exists()


def test_a_grid_worker_may_reveal_a_phone_in_their_grid_but_not_an_id(grid_worker, wang):
    assert services.reveal_phone(acting_user=grid_worker, phone=wang.phones.get(), reason="走访")
    with pytest.raises(NotAllowed):
        services.reveal_id_number(acting_user=grid_worker, resident=wang, reason="走访")


@pytest.mark.parametrize("actor", ["volunteer", "committee_member", "liaison"])
def test_roles_that_do_not_phone_residents_cannot_reveal(request, actor, wang):
    user = request.getfixturevalue(actor)
    with pytest.raises((NotAllowed, NotFound)):
        services.reveal_phone(acting_user=user, phone=wang.phones.get(), reason="想知道")
    assert not AuditLog.objects.filter(action__startswith="resident.reveal").exists()


@pytest.mark.parametrize("actor", ["grid_worker_b", "outsider"])
def test_staff_outside_the_residents_area_get_not_found(request, actor, wang):
    user = request.getfixturevalue(actor)
    with pytest.raises(NotFound):
        services.reveal_phone(acting_user=user, phone=wang.phones.get(), reason="回访")


def test_too_many_reveals_in_an_hour_are_refused(operator, wang, monkeypatch):
    monkeypatch.setattr(services, "REVEALS_PER_HOUR", 2)
    phone = wang.phones.get()
    services.reveal_phone(acting_user=operator, phone=phone, reason="回访")
    services.reveal_phone(acting_user=operator, phone=phone, reason="回访")
    with pytest.raises(NotAllowed):
        services.reveal_phone(acting_user=operator, phone=phone, reason="回访")
