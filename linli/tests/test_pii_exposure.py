"""Field-level personal data: who receives full numbers and care tags.

One resident of grid A1 has a known mobile, a landline, an emergency contact's
mobile, an ID number and two care tags (独居, 失独), with orders, a care plan held by a
volunteer, check-ins and a visit. Every role of the root conftest (the operator, the
grid workers of A1 and A2, the volunteer, the committee member, the unit liaison, the
community and county leaders, the administrator, a grid worker of community B) then
fetches every page of the site with those objects in its URLs — the JSON API, the
admin, the Excel exports, the printouts and a few error answers — and:

* no answer to anyone carries a full phone or ID number: full values come only
  through the explicit doors (the reveal with a reason, the check-in call, the
  leaders' full export), each audit-logged and tested below;
* whoever may see the resident sees the masked forms (138****1234);
* the care tags' names reach only the roles that arrange care (``CARE_TAG_ROLES``).

The data set is the outsider sweep's (``build_world``), so a new object route gets its
object there once and is covered by both sweeps.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditLog, Role
from linli import testing as t
from linli.testing_security import every_url
from linli.tests.test_outsider_sweep import (
    _admin_permissions,
    _client_for,
    _kwargs_for,
    build_world,
)
from people.policy import CARE_TAG_ROLES

pytestmark = pytest.mark.django_db

MOBILE = "13912345678"  # the resident's own mobile (build_world)
CONTACT = "13698765432"  # the emergency contact's mobile (build_world)
LANDLINE = "03596657321"  # added here, typed as 0359-6657321
ID_NUMBER = "142701195003150013"  # build_world; a valid check digit
FULL_VALUES = {"mobile": MOBILE, "contact": CONTACT, "landline": LANDLINE, "ID": ID_NUMBER}
MASKED_MOBILE = "139****5678"
MASKED_ID = "1427**********0013"
TAG_NAMES = ("失独", "独居")

# The explicit doors to a full value: each is tested on its own below.
REVEAL_ROUTES = {
    "people:reveal": "shows one number after a typed reason (audit-logged)",
    "care:call": "the plan holder's number for the check-in call (audit-logged)",
}
# Routes not fetched in the sweep, with the reason.
NOT_FETCHED = {
    "accounts:logout": "would end the session the sweep runs in",
    "insights:report_pdf": "a compressed PDF; the report page it prints is fetched",
    "api:openapi-json": "the API's schema holds nobody's data (and is slow to build)",
}

ROLES = (
    "operator",
    "grid_worker",
    "grid_worker_b",
    "volunteer",
    "committee_member",
    "liaison",
    "leader",
    "county_leader",
    "admin_user",
    "outsider",
)
# Who may see the resident (masked), and who may see the care tags on them.
SEE_RESIDENT = {
    "operator",
    "grid_worker",
    "volunteer",
    "committee_member",
    "leader",
    "county_leader",
    "admin_user",
}
SEE_ID_MASKED = {"operator", "grid_worker", "leader", "county_leader", "admin_user"}


def _pattern(value: str) -> re.Pattern:
    """The number as a page might write it: digits, maybe split by spaces or dashes."""
    return re.compile(r"[\s\-]?".join(re.escape(c) for c in value))


FULL_PATTERNS = {label: _pattern(value) for label, value in FULL_VALUES.items()}


# --- the data set ------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The outsider sweep's data set, with the conftest's other roles and more PII."""
    tasks = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(TASKS=tasks, MEDIA_ROOT=media):
        with transaction.atomic():
            from hotline.tests.factories import ensure_catalogue

            ensure_catalogue()
            w = build_world()
            _add_people(w)
            yield w
            transaction.set_rollback(True)


def _add_people(w) -> None:
    from care import services as care
    from hotline import services as hotline
    from hotline.models import Category
    from people import services as people

    o = w.objects
    region = w.community.street.region
    other_grid = w.other_community.grids.get()
    w.actors = {
        "operator": w.operator,
        "grid_worker": w.grid_worker,
        "grid_worker_b": w.outsiders["grid worker of grid A2"][0],
        "volunteer": t.make_user("volunteer", role=Role.VOLUNTEER, grid=w.grid),
        "committee_member": t.make_user("committee", role=Role.COMMITTEE, compound=o.compound),
        "liaison": t.make_user("liaison", role=Role.LIAISON, community=w.community),
        # build_world's leader has a second factor; the conftest's has none.
        "leader": t.make_user("leader", role=Role.LEADER, community=w.community),
        "county_leader": t.make_user("county", role=Role.LEADER, region=region),
        "admin_user": w.a_admin,
        "outsider": t.make_user("outsider", role=Role.GRID_WORKER, grid=other_grid),
    }
    _admin_permissions(w.a_admin)
    o.landline = people.add_phone(
        acting_user=w.operator, resident=o.resident, number="0359-6657321", label="家中座机"
    )
    people.update_resident(
        acting_user=w.operator,
        resident=o.resident,
        care_tags=["living_alone", "lost_only_child"],
    )
    # The volunteer holds the resident's care plan, so the resident is theirs to see.
    o.volunteer.user = w.actors["volunteer"]
    o.volunteer.save(update_fields=["user"])
    care.assign_responsible(acting_user=w.operator, plan=o.plan, volunteer=o.volunteer)
    # An order whose contact is the landline, not the registered caller.
    o.landline_order = hotline.create_order(
        acting_user=w.operator,
        category=Category.objects.get(code="drain_blockage"),
        description="家里下水道返水",
        household=o.household,
        contact_name="王秀兰",
        contact_phone="0359-6657321",
    )


# --- fetching ------------------------------------------------------------------------


def _text(response) -> str:
    """What a response says, as text; a workbook's every cell; '' for images."""
    content_type = response.get("Content-Type", "")
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    if "spreadsheetml" in content_type:
        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    if content_type.startswith(("image/", "application/pdf")):
        return ""
    text = body.decode("utf-8", errors="replace")
    if content_type.startswith("application/json") and text:
        # JSON escapes Chinese (\u5931\u72ec); compare what a client would read.
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return text


def _sweep_urls(w, *, staff: bool) -> list[tuple[str, str]]:
    """Every page with the data set's objects in it. The admin's pages only for staff:
    everyone else gets the admin's login redirect, shown once by its index."""

    def values(name, arg, _converter):
        built = _kwargs_for(name, w)
        return built[0].get(arg) if built else None

    urls = [
        (name, url)
        for name, url in every_url(values)
        if name not in REVEAL_ROUTES
        and name not in NOT_FETCHED
        and (staff or not name.startswith("admin:") or name == "admin:index")
    ]
    o = w.objects
    urls += [
        ("hotline:order (landline contact)", reverse("hotline:order", args=[o.landline_order.pk])),
        ("hotline:slip (landline contact)", reverse("hotline:slip", args=[o.landline_order.pk])),
        ("api:order_detail (landline)", f"/api/hotline/orders/{o.landline_order.number}"),
        ("a missing resident", "/people/987654321/"),
        ("a missing page", "/no-such-page/"),
    ]
    return urls


def _posts(w) -> list[tuple[str, str, dict, dict]]:
    """(label, url, data, extra client kwargs) for the POSTs that show people."""
    o = w.objects
    as_json = {"content_type": "application/json"}
    return [
        ("search by name", reverse("people:list"), {"q": "王秀兰"}, {}),
        ("search by last four", reverse("people:list"), {"q": "5678"}, {}),
        ("console search", reverse("hotline:console_search"), {"q": "王秀兰"}, {}),
        ("API search", "/api/people/residents/search", {"query": "王秀兰"}, as_json),
        ("people export", reverse("people:export"), {"compound": "", "reason": ""}, {}),
        # Error answers: a bad number next to the resident's record.
        (
            "invalid phone added",
            reverse("people:phone_add", args=[o.resident.pk]),
            {"number": "1391234567", "label": "本人"},
            {"follow": True},
        ),
        (
            "invalid ID on edit",
            reverse("people:edit", args=[o.resident.pk]),
            {"name": "王秀兰", "id_number": "142701195003150014", "phone": "1391234"},
            {},
        ),
        (
            "invalid phone on registering",
            reverse("people:create") + f"?household={o.household.pk}",
            {"name": "王秀英", "phone": "1391234567", "phone_label": "本人"},
            {},
        ),
        (
            "API order with an invalid phone",
            "/api/hotline/orders",
            {
                "category": "drain_blockage",
                "description": "又堵了",
                "household_id": o.household.pk,
                "contact_phone": "1391234567",
            },
            as_json,
        ),
        (
            "API caller with an invalid phone",
            f"/api/hotline/orders/{o.order.number}/callers",
            {"name": "王秀兰", "phone": "1391234567"},
            as_json,
        ),
    ]


@pytest.fixture(scope="module")
def answers(world, django_db_blocker):
    """role -> [(what, status, text)] for every fetch of the sweep."""
    out = {}
    posts = _posts(world)
    with django_db_blocker.unblock():
        for role in ROLES:
            user = world.actors[role]
            client, _headers = _client_for(user, None)
            got = []
            for name, url in _sweep_urls(world, staff=user.is_staff):
                response = client.get(url)
                got.append((f"GET {url} ({name})", response.status_code, _text(response)))
            for label, url, data, kwargs in posts:
                # Each POST in its own savepoint, so one role's writes don't feed the next.
                with transaction.atomic():
                    response = client.post(url, data, **kwargs)
                    got.append((f"POST {url} ({label})", response.status_code, _text(response)))
                    transaction.set_rollback(True)
            out[role] = got
    return out


# --- the checks ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_no_answer_carries_a_full_number(answers, role):
    leaks = [
        f"{what} → {status}: full {label}"
        for what, status, text in answers[role]
        for label, pattern in FULL_PATTERNS.items()
        if pattern.search(text)
    ]
    assert not leaks, f"{role} received full numbers:\n" + "\n".join(leaks)


@pytest.mark.parametrize("role", sorted(SEE_RESIDENT))
def test_whoever_may_see_the_resident_sees_the_masked_numbers(answers, role):
    seen = "\n".join(text for _what, _status, text in answers[role])
    assert MASKED_MOBILE in seen
    if role in SEE_ID_MASKED:
        assert MASKED_ID in seen


@pytest.mark.parametrize(
    "role",
    sorted(set(ROLES) - SEE_RESIDENT),
)
def test_who_may_not_see_the_resident_gets_not_even_the_masked_number(answers, role):
    found = [what for what, _status, text in answers[role] if MASKED_MOBILE in text]
    assert not found, f"{role} saw the resident's number in:\n" + "\n".join(found)


def _catalogue() -> list[str]:
    """The work-order categories' words: public data that may mention 独居 (陪伴聊天:
    "独居、空巢老人想找人说说话") without saying anything about a person."""
    from hotline.models import Category

    words = Category.objects.values_list("name", "description")
    return sorted({w for pair in words for w in pair if w}, key=len, reverse=True)


def _without(text: str, words: list[str]) -> str:
    for word in words:
        text = text.replace(word, "")
    return text


@pytest.mark.parametrize("role", ROLES)
def test_care_tags_reach_only_the_roles_that_arrange_care(world, answers, role):
    may = world.actors[role].has_role(*CARE_TAG_ROLES)
    catalogue = _catalogue()
    found = [
        f"{what}: {tag}"
        for what, _status, text in answers[role]
        for tag in TAG_NAMES
        if tag in _without(text, catalogue)
    ]
    if may and role in SEE_RESIDENT:
        assert found, f"{role} arranges care but never saw the resident's care tags"
    elif not may:
        assert not found, f"{role} may not see care tags but got them in:\n" + "\n".join(found)


def test_the_sweep_reached_the_pages(answers):
    """The control: the operator really got the pages, the exports and the API."""
    ok = {
        what.split(" (")[-1].rstrip(")")
        for what, status, _t in answers["operator"]
        if status == 200
    }
    for name in (
        "people:detail",
        "people:list",
        "hotline:order",
        "hotline:slip",
        "hotline:handover",
        "care:plan",
        "care:visit",
        "api:resident",
        "api:order_detail",
        "insights:orders_export",
        "people export",
    ):
        assert name in ok, name


# --- the explicit doors to a full value ---------------------------------------------------


def _audit_count(action: str, resident) -> int:
    return AuditLog.objects.filter(
        action=action, object_type="people.resident", object_id=str(resident.pk)
    ).count()


def _reveal(world, role, field, reason="回访居民"):
    client, _headers = _client_for(world.actors[role], None)
    url = reverse("people:reveal", args=[world.objects.resident.pk])
    return _text(client.post(url, {"field": field, "reason": reason}))


def test_the_operator_reveals_a_number_with_a_reason_and_it_is_logged(world):
    o = world.objects
    before = _audit_count("resident.reveal_phone", o.resident)
    text = _reveal(world, "operator", f"phone:{o.landline.pk}")
    assert FULL_PATTERNS["landline"].search(text)
    assert not FULL_PATTERNS["mobile"].search(text)  # one number at a time
    assert _audit_count("resident.reveal_phone", o.resident) == before + 1
    entry = AuditLog.objects.filter(action="resident.reveal_phone").latest("id")
    assert entry.actor == world.operator
    assert entry.note == "回访居民"
    assert not any(p.search(json.dumps(entry.after)) for p in FULL_PATTERNS.values())


def test_a_reveal_without_a_reason_shows_nothing_and_logs_nothing(world):
    o = world.objects
    before = _audit_count("resident.reveal_phone", o.resident)
    text = _reveal(world, "operator", f"phone:{o.phone.pk}", reason="")
    assert not FULL_PATTERNS["mobile"].search(text)
    assert _audit_count("resident.reveal_phone", o.resident) == before


def test_the_leader_reveals_the_id_number_and_the_grid_worker_may_not(world):
    o = world.objects
    assert FULL_PATTERNS["ID"].search(_reveal(world, "leader", "id_number"))
    assert _audit_count("resident.reveal_id_number", o.resident) == 1
    assert not FULL_PATTERNS["ID"].search(_reveal(world, "grid_worker", "id_number"))
    assert _audit_count("resident.reveal_id_number", o.resident) == 1


@pytest.mark.parametrize("role", ["committee_member", "volunteer", "grid_worker_b", "liaison"])
def test_roles_without_the_reveal_get_no_number_through_it(world, role):
    o = world.objects
    before = AuditLog.objects.filter(action__startswith="resident.reveal").count()
    for field in (f"phone:{o.phone.pk}", f"contact:{o.contact.pk}", "id_number"):
        text = _reveal(world, role, field)
        assert not any(p.search(text) for p in FULL_PATTERNS.values()), (role, field)
    assert AuditLog.objects.filter(action__startswith="resident.reveal").count() == before


def test_the_volunteer_holding_the_plan_gets_the_number_to_call_and_it_is_logged(world):
    o = world.objects
    url = reverse("care:call", args=[o.plan.pk, o.phone.pk])
    before = _audit_count("resident.reveal_phone", o.resident)
    client, _headers = _client_for(world.actors["volunteer"], None)
    assert FULL_PATTERNS["mobile"].search(_text(client.post(url)))
    assert _audit_count("resident.reveal_phone", o.resident) == before + 1
    for role in ("grid_worker_b", "committee_member", "liaison", "outsider"):
        client, _headers = _client_for(world.actors[role], None)
        response = client.post(url)
        assert not FULL_PATTERNS["mobile"].search(_text(response)), role
    assert _audit_count("resident.reveal_phone", o.resident) == before + 1


def _people_export(world, role, **data):
    client, _headers = _client_for(world.actors[role], None)
    response = client.post(reverse("people:export"), {"compound": "", "reason": "", **data})
    return response, _text(response)


def test_a_leader_exports_full_numbers_only_with_a_reason_and_it_is_logged(world):
    response, text = _people_export(world, "leader", full_values="on", reason="低保年审")
    assert "spreadsheetml" in response["Content-Type"]
    assert FULL_PATTERNS["mobile"].search(text) and FULL_PATTERNS["ID"].search(text)
    entry = AuditLog.objects.filter(action="resident.export").latest("id")
    assert entry.actor == world.actors["leader"]
    assert entry.after["full_values"] is True and entry.note == "低保年审"

    _response, text = _people_export(world, "leader", full_values="on", reason="")
    assert not any(p.search(text) for p in FULL_PATTERNS.values())


def test_an_operator_asking_for_full_numbers_gets_the_masked_export(world):
    response, text = _people_export(world, "operator", full_values="on", reason="想要全号")
    assert "spreadsheetml" in response["Content-Type"]
    assert MASKED_MOBILE in text
    assert not any(p.search(text) for p in FULL_PATTERNS.values())
