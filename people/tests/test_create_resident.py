"""create_resident: validation, encryption, search fields, membership and audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.models import AuditLog
from linli.lib.errors import NotAllowed, NotFound
from people.models import Membership, Resident
from people.services import create_resident

VALID_ID = "142701195003150013"  # a made-up number with a correct check digit


def test_a_resident_is_stored_with_pinyin_masked_phones_and_an_owner_membership(
    operator, community, household
):
    resident = create_resident(
        acting_user=operator,
        community=community,
        name="王秀兰",
        household=household,
        phones=[("138 0000 1234", "本人"), ("0359-4021234", "家中座机")],
        id_number=VALID_ID,
        care_tags=["living_alone"],
    )
    resident.refresh_from_db()
    assert (resident.name_pinyin, resident.name_initials) == ("wangxiulan", "wxl")
    assert "3-2-401" in resident.search_text and "供销巷小区" in resident.search_text
    assert [p.masked for p in resident.phones.all()] == ["138****1234", "0359****1234"]
    assert resident.phones.get(is_primary=True).reveal() == "13800001234"
    assert resident.id_number_masked == "1427**********0013"
    assert resident.birth_year == 1950 and resident.sex == Resident.Sex.MALE
    assert resident.household == household
    membership = Membership.objects.get(resident=resident)
    assert membership.relation == Membership.Relation.OWNER and membership.end_date is None
    assert [t.code for t in resident.care_tags.all()] == ["living_alone"]


def test_creation_writes_an_audit_row_without_plain_numbers(operator, community):
    resident = create_resident(
        acting_user=operator,
        community=community,
        name="王秀兰",
        phones=["13800001234"],
        id_number=VALID_ID,
    )
    entry = AuditLog.objects.get(action="resident.create", object_id=str(resident.pk))
    assert entry.actor == operator and entry.community == community
    flat = str(entry.after)
    assert "13800001234" not in flat and VALID_ID not in flat
    assert "138****1234" in flat


def test_a_tenant_in_a_rented_household_defaults_to_tenant(operator, community, building):
    from linli import testing as t

    rented = t.make_household(building, "502", occupancy="rented")
    resident = create_resident(
        acting_user=operator, community=community, name="赵六", household=rented
    )
    assert resident.memberships.get().relation == Membership.Relation.TENANT


@pytest.mark.parametrize(
    ("field", "kwargs", "message"),
    [
        ("phones", {"phones": ["12345"]}, "不是有效的中国手机号"),
        ("phones", {"phones": ["2345678901"]}, "不是有效的中国手机号"),
        ("id_number", {"id_number": "142701195003150016"}, "校验位"),
        ("id_number", {"id_number": "1427011950"}, "18"),
        ("name", {"name": "  "}, "姓名"),
        ("birth_year", {"birth_year": 1850}, "1900"),
        ("birth_year", {"id_number": VALID_ID, "birth_year": 1960}, "1950"),
    ],
)
def test_bad_input_is_rejected_with_a_translated_message_and_nothing_written(
    operator, community, field, kwargs, message
):
    kwargs = {"name": "王秀兰", **kwargs}
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        create_resident(acting_user=operator, community=community, **kwargs)
    messages = " ".join(caught.value.message_dict[field])
    assert message in messages
    assert not Resident.objects.exists()
    assert not AuditLog.objects.filter(action="resident.create").exists()


def test_a_duplicate_id_number_in_the_community_is_rejected(operator, community):
    create_resident(acting_user=operator, community=community, name="王秀兰", id_number=VALID_ID)
    with pytest.raises(ValidationError) as caught:
        create_resident(acting_user=operator, community=community, name="王秀", id_number=VALID_ID)
    assert "id_number" in caught.value.message_dict


def test_a_grid_worker_may_register_in_their_grid_but_not_elsewhere(
    grid_worker, grid_worker_b, community, household
):
    resident = create_resident(
        acting_user=grid_worker, community=community, name="王秀兰", household=household
    )
    assert resident.household == household
    with pytest.raises(NotFound):
        create_resident(
            acting_user=grid_worker_b, community=community, name="李四", household=household
        )
    with pytest.raises(NotAllowed):
        create_resident(acting_user=grid_worker, community=community, name="张三")


@pytest.mark.parametrize("actor", ["volunteer", "committee_member", "liaison", "outsider"])
def test_roles_without_the_right_cannot_register(request, actor, community, household):
    user = request.getfixturevalue(actor)
    with pytest.raises((NotAllowed, NotFound)):
        create_resident(acting_user=user, community=community, name="王秀兰", household=household)
    assert not Resident.objects.exists()
