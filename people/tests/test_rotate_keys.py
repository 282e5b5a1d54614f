"""manage.py rotate_keys: new keys, nothing lost."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import AuditLog
from linli.lib import pii
from people import services
from people.models import EmergencyContact, Resident
from people.tests.factories import make_resident

ID = "142701195003150013"


@pytest.fixture
def wang(operator, community, household):
    resident = make_resident(
        operator, community, "王秀兰", household=household, phones=["13800001234"], id_number=ID
    )
    services.add_emergency_contact(
        acting_user=operator,
        resident=resident,
        name="王小明",
        relation="儿子",
        number="13900001111",
    )
    return resident


def test_rotation_re_encrypts_and_re_indexes_everything(settings, operator, wang):
    old_key = settings.LINLI_DATA_KEY
    new_key = Fernet.generate_key().decode()
    settings.LINLI_DATA_KEY = new_key
    settings.LINLI_DATA_KEYS_OLD = [old_key]
    settings.LINLI_INDEX_KEY = "a-new-index-key-for-the-test-0123456789"

    # Before rotation the index is stale: the phone system would not recognise her.
    assert services.find_by_phone("13800001234") == []
    call_command("rotate_keys", verbosity=0)

    settings.LINLI_DATA_KEYS_OLD = []  # the old key is gone for good
    resident = Resident.objects.get(pk=wang.pk)
    assert Fernet(new_key.encode()).decrypt(resident.id_number_encrypted.encode()).decode() == ID
    assert resident.phones.get().reveal() == "13800001234"
    assert EmergencyContact.objects.get(resident=resident).reveal() == "13900001111"
    assert services.find_by_phone("13800001234") == [resident]
    found = services.search_residents(acting_user=operator, query="1234")
    assert [r.pk for r in found] == [resident.pk]
    found = services.search_residents(acting_user=operator, query=ID)
    assert [r.pk for r in found] == [resident.pk]
    assert AuditLog.objects.filter(action="keys.rotate").count() == 1


def test_rotation_with_an_unknown_key_stops_with_a_clear_error(settings, wang):
    settings.LINLI_DATA_KEY = Fernet.generate_key().decode()
    settings.LINLI_DATA_KEYS_OLD = []
    with pytest.raises(CommandError, match="LINLI_DATA_KEYS_OLD"):
        call_command("rotate_keys", verbosity=0)


def test_running_rotation_twice_is_harmless(wang):
    call_command("rotate_keys", verbosity=0)
    call_command("rotate_keys", verbosity=0)
    assert Resident.objects.get(pk=wang.pk).phones.get().reveal() == "13800001234"
    assert pii.decrypt(Resident.objects.get(pk=wang.pk).id_number_encrypted) == ID
