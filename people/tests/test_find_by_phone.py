"""find_by_phone: the caller's screen-pop looks a number up without any user."""

from __future__ import annotations

import datetime as dt

from linli import testing as t
from people.services import find_by_phone
from people.tests.factories import make_resident


def test_a_known_mobile_finds_its_resident(operator, community, household):
    wang = make_resident(operator, community, "王秀兰", household=household, phones=["13800001234"])
    assert find_by_phone("13800001234") == [wang]
    assert find_by_phone("+86 138 0000 1234") == [wang]


def test_a_local_landline_is_found_with_or_without_area_code(operator, community):
    li = make_resident(operator, community, "李建国", phones=["0359-4021234"])
    assert find_by_phone("4021234") == [li]
    assert find_by_phone("03594021234") == [li]


def test_current_residents_come_before_those_who_moved_away(operator, community):
    gone = make_resident(operator, community, "张三", phones=["03594020001"])
    gone.moved_away_on = dt.date(2024, 1, 1)
    gone.save()
    here = make_resident(operator, community, "张四", phones=["03594020001"])
    assert find_by_phone("0359-4020001") == [here, gone]


def test_the_community_restricts_the_match(operator, community, other_community):
    other_operator = t.make_user(role=t.Role.OPERATOR, community=other_community)
    mine = make_resident(operator, community, "王秀兰", phones=["13800001234"])
    make_resident(other_operator, other_community, "王秀兰", phones=["13800001234"])
    assert find_by_phone("13800001234", community=community) == [mine]
    assert len(find_by_phone("13800001234")) == 2


def test_an_emergency_contacts_number_is_not_a_match(operator, community):
    from people.models import EmergencyContact

    wang = make_resident(operator, community, "王秀兰")
    contact = EmergencyContact(resident=wang, name="王小明", relation="儿子")
    contact.set_number("13900001111")
    contact.save()
    assert find_by_phone("13900001111") == []


def test_an_unknown_or_short_number_finds_nobody(operator, community):
    make_resident(operator, community, "王秀兰", phones=["13800001234"])
    assert find_by_phone("13800009999") == []
    assert find_by_phone("1234") == []
