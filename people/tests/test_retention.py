"""purge_residents: the personal data of residents who left long ago goes; the orders,
their timelines and every figure stay exactly as they were."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import AuditLog
from care.models import CareAlert, CarePlan, CheckIn
from hotline import services as hotline
from hotline.models import Call, Order, OrderContact, OrderEvent
from hotline.tests.factories import category
from insights import rollups
from linli import testing as t
from linli.lib import pii
from linli.lib.errors import NotAllowed, ServiceError
from people import retention, services
from people.models import CareTag, EmergencyContact, Phone, Resident, Volunteer
from people.tests.factories import make_resident

GONE_MOBILE = "13911112222"
GONE_ID = "142701195003150013"  # made up, with a correct check digit
GONE_CONTACT = "13722223333"


def _years_ago(years: int, days: int = 0) -> dt.date:
    return retention.years_before(timezone.localdate(), years) - dt.timedelta(days=days)


def _order(operator, caller, *, finish: str):
    """An order the resident called about: closed after the call-back, withdrawn, or
    still open."""
    if finish == "closed":
        order = hotline.create_order(
            acting_user=operator,
            category=category("appliance_repair"),
            description="电视机不亮了",
            caller=caller,
            solved_on_call=True,
            resolution="电话里教会了换电池",
        )
        return hotline.record_callback(acting_user=operator, order=order, result="satisfied")
    order = hotline.create_order(
        acting_user=operator,
        category=category("drain_blockage"),
        description="下水道堵了",
        caller=caller,
    )
    if finish == "withdrawn":
        hotline.withdraw_order(acting_user=operator, order=order, reason="自己疏通了")
    return order


def _move_out(operator, resident, on):
    services.move_out(acting_user=operator, resident=resident, on=on)


@pytest.fixture
def people(operator, community, household, building):
    """Four former and current residents of one community."""
    tag = CareTag.objects.first()
    gone = make_resident(
        operator,
        community,
        "王秀兰",
        household=household,
        phones=[GONE_MOBILE],
        id_number=GONE_ID,
        care_tags=[tag],
        notes="女儿在太原",
    )
    services.add_emergency_contact(
        acting_user=operator, resident=gone, name="王小明", relation="儿子", number=GONE_CONTACT
    )
    _order(operator, gone, finish="closed")
    _order(operator, gone, finish="withdrawn")
    call = Call(community=community, external_id="c-1", resident=gone)
    call.set_number(GONE_MOBILE)
    call.save()
    plan = CarePlan.objects.create(resident=gone, community=community, note="耳背，多敲门")
    CheckIn.objects.create(
        plan=plan, kind="call", outcome="fine", recorded_by=operator, note="血压有点高"
    )
    volunteer = Volunteer.objects.create(community=community, name="王秀兰", resident=gone)

    recent = make_resident(
        operator,
        community,
        "赵六",
        household=t.make_household(building, "502"),
        phones=["13800001111"],
    )
    _order(operator, recent, finish="closed")
    still_here = make_resident(operator, community, "钱七", household=household)
    open_caller = make_resident(
        operator, community, "孙八", household=t.make_household(building, "601")
    )
    open_order = _order(operator, open_caller, finish="open")

    _move_out(operator, gone, _years_ago(3, days=30))
    _move_out(operator, recent, _years_ago(1))
    _move_out(operator, open_caller, _years_ago(5))
    return {
        "gone": gone,
        "recent": recent,
        "still_here": still_here,
        "open_caller": open_caller,
        "open_order": open_order,
        "volunteer": volunteer,
        "plan": plan,
    }


def _history():
    """The orders and their timelines, and the figures computed from them."""
    as_of = timezone.now()
    return (
        list(Order.objects.order_by("pk").values()),
        list(OrderEvent.objects.order_by("pk").values()),
        rollups.compute_all(as_of),
    )


def test_a_dry_run_counts_and_changes_nothing(people):
    before = (list(Resident.objects.values()), Phone.objects.count(), AuditLog.objects.count())
    out = io.StringIO()
    call_command("purge_residents", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "would remove the personal data of 1 residents" in text
    assert "phones 1, emergency contacts 1, order contacts 2, calls 1, care plans ended 1" in text
    assert "nothing was changed" in text
    assert "王秀兰" not in text
    after = (list(Resident.objects.values()), Phone.objects.count(), AuditLog.objects.count())
    assert after == before


def test_a_purge_removes_exactly_the_long_gone_residents_personal_data(people, operator):
    gone = people["gone"]
    orders, events, figures = _history()

    out = io.StringIO()
    call_command("purge_residents", stdout=out)
    assert "removed the personal data of 1 residents" in out.getvalue()

    gone.refresh_from_db()
    assert gone.personal_data_removed_at is not None
    assert str(gone) == str(Resident(personal_data_removed_at=timezone.now()))
    for name in (
        "name",
        "name_pinyin",
        "name_initials",
        "search_text",
        "notes",
        "id_number_encrypted",
        "id_number_index",
        "id_number_last4_index",
        "id_number_masked",
    ):
        assert getattr(gone, name) == "", name
    assert gone.birth_year is None and not gone.care_tags.exists()
    full_index, last4_index = pii.id_indexes(GONE_ID)
    assert not Resident.objects.filter(id_number_index=full_index).exists()
    assert not Resident.objects.filter(id_number_last4_index=last4_index).exists()
    phone_index, _last4 = pii.phone_indexes(GONE_MOBILE)
    assert not Phone.objects.filter(number_index=phone_index).exists()
    assert not Call.objects.filter(number_index=phone_index).exists()
    assert not EmergencyContact.objects.filter(resident=gone).exists()
    assert services.find_by_phone(GONE_MOBILE) == []
    assert services.search_residents(acting_user=operator, query="王秀兰") == []
    contacts = OrderContact.objects.filter(resident=gone)
    assert contacts.count() == 2
    assert set(contacts.values_list("name", "phone_masked", "phone_encrypted")) == {("", "", "")}
    people["plan"].refresh_from_db()
    assert not people["plan"].is_active and people["plan"].note == ""
    assert list(CheckIn.objects.filter(plan=people["plan"]).values_list("note", flat=True)) == [""]
    people["volunteer"].refresh_from_db()
    assert people["volunteer"].resident is None

    # Everyone else keeps their name and numbers.
    for key in ("recent", "still_here", "open_caller"):
        person = people[key]
        person.refresh_from_db()
        assert person.personal_data_removed_at is None and person.name
    assert people["recent"].phones.count() == 1

    # The orders, their timelines and every figure are unchanged.
    assert _history() == (orders, events, figures)
    assert Order.objects.filter(caller=gone).count() == 2


def test_every_purge_is_in_the_audit_log_without_personal_data(people):
    gone = people["gone"]
    retention.purge_residents()
    row = AuditLog.objects.get(action="resident.purge")
    assert row.object_id == str(gone.pk) and row.object_repr == ""
    assert row.community_id == gone.community_id and row.channel == "command"
    assert "left on" in row.note
    run = AuditLog.objects.get(action="resident.purge_run")
    assert "1 residents" in run.note
    for entry in AuditLog.objects.filter(action__startswith="resident.purge"):
        text = f"{entry.object_repr} {entry.note} {entry.before} {entry.after}"
        assert "王秀兰" not in text and GONE_MOBILE[-4:] not in text


def test_a_second_run_finds_nobody(people):
    assert retention.purge_residents().residents == 1
    assert retention.purge_residents().residents == 0
    assert AuditLog.objects.filter(action="resident.purge").count() == 1


def test_residents_with_an_open_order_or_an_open_alert_are_kept(people, operator):
    open_caller = people["open_caller"]
    assert retention.purge_residents(dry_run=True).residents == 1
    hotline.withdraw_order(acting_user=operator, order=people["open_order"], reason="不用了")
    plan = CarePlan.objects.create(resident=open_caller, community=open_caller.community)
    CareAlert.objects.create(plan=plan, community=open_caller.community, due_at=timezone.now())
    assert retention.purge_residents(dry_run=True).residents == 1
    CareAlert.objects.filter(plan=plan).update(state=CareAlert.State.HANDLED)
    assert retention.purge_residents(dry_run=True).residents == 2


def test_someone_who_moved_back_in_is_kept(people, operator, household):
    gone = people["gone"]
    services.move_in(acting_user=operator, resident=gone, household=household, relation="family")
    assert retention.purge_residents(dry_run=True).residents == 0


def test_a_longer_period_keeps_more_and_a_shorter_one_is_refused(people):
    assert retention.purge_residents(years=4, dry_run=True).residents == 0
    with pytest.raises(ServiceError, match="3"):
        retention.purge_residents(years=2)
    with pytest.raises(CommandError, match="3"):
        call_command("purge_residents", "--years", "2")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--years", "three"], "not a whole number"),
        (["--years", "0"], "at least 1"),
        (["--community", "NOPE"], "NOPE"),
    ],
)
def test_bad_arguments_say_what_is_wrong(people, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("purge_residents", *args)
    assert Resident.objects.filter(personal_data_removed_at__isnull=False).count() == 0


def test_an_administrator_purges_only_their_own_communities(people, other_community, operator):
    other_admin = t.make_user("admin-b", role=t.Role.ADMIN, community=other_community)
    assert retention.purge_residents(acting_user=other_admin).residents == 0
    with pytest.raises(NotAllowed):
        retention.purge_residents(acting_user=operator)
    admin = t.make_user("admin-a", role=t.Role.ADMIN, community=people["gone"].community)
    assert retention.purge_residents(acting_user=admin).residents == 1
