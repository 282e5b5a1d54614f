"""update_resident, phones and emergency contacts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditLog
from linli.lib.errors import Conflict, NotFound
from people import services
from people.tests.factories import make_resident


@pytest.fixture
def wang(operator, community, household):
    return make_resident(operator, community, "王秀兰", household=household, phones=["13800001234"])


def test_renaming_updates_pinyin_and_logs_only_what_changed(operator, wang):
    services.update_resident(acting_user=operator, resident=wang, name="王秀英")
    wang.refresh_from_db()
    assert (wang.name_pinyin, wang.name_initials) == ("wangxiuying", "wxy")
    entry = AuditLog.objects.get(action="resident.update")
    assert entry.before["name"] == "王秀兰" and entry.after["name"] == "王秀英"
    assert "search_text" not in entry.after


def test_care_tags_are_changed_only_by_roles_that_see_them(operator, wang, grid_worker):
    services.update_resident(acting_user=operator, resident=wang, care_tags=["living_alone"])
    assert list(wang.care_tags.values_list("code", flat=True)) == ["living_alone"]


def test_a_stale_edit_form_is_a_conflict(operator, wang):
    stale = wang.updated_at
    services.update_resident(acting_user=operator, resident=wang, notes="爱聊天")
    with pytest.raises(Conflict):
        services.update_resident(
            acting_user=operator, resident=wang, notes="x", expected_updated_at=stale
        )


def test_adding_a_second_phone_keeps_the_first_primary(operator, wang):
    phone = services.add_phone(
        acting_user=operator, resident=wang, number="13900001111", label="女儿"
    )
    assert not phone.is_primary and phone.masked == "139****1111"
    with pytest.raises(ValidationError):
        services.add_phone(acting_user=operator, resident=wang, number="139 0000 1111")
    with pytest.raises(ValidationError):
        services.add_phone(acting_user=operator, resident=wang, number="1234567")


def test_removing_the_primary_phone_promotes_the_next(operator, wang):
    second = services.add_phone(acting_user=operator, resident=wang, number="13900001111")
    services.remove_phone(acting_user=operator, phone=wang.phones.get(is_primary=True))
    second.refresh_from_db()
    assert second.is_primary
    assert AuditLog.objects.filter(action="resident.remove_phone").exists()


def test_an_outsider_cannot_edit(outsider, wang):
    with pytest.raises(NotFound):
        services.update_resident(acting_user=outsider, resident=wang, name="x")
    with pytest.raises(NotFound):
        services.add_phone(acting_user=outsider, resident=wang, number="13900001111")
