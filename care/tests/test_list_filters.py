"""The care lists (check-ins, plans, alerts, visits) filter by period, place, category,
state and the person responsible, as links that can be shared; the filters only ever
narrow what the viewer may see."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from care import services
from care.models import CareAlert, CarePlan, CheckIn, PlanItem
from care.tests import factories as f

pytestmark = pytest.mark.django_db

NOW = f.at(2026, 6, 10, 9)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def residents(household, household_b, building, grid_worker, grid_worker_b):
    """王秀兰 (grid A, 高龄 + 独居: calls and visits), 李大爷 (grid B, 独居: calls only)
    and 张奶奶 (grid A, 高龄), each in their own household."""
    from linli import testing as t

    return {
        "a": f.make_resident(household, "王秀兰", tags=["aged_80", "living_alone"]),
        "b": f.make_resident(household_b, "李大爷", tags=["living_alone"]),
        "c": f.make_resident(t.make_household(building, "502"), "张奶奶", tags=["aged_80"]),
    }


@pytest.fixture
def helper(community, grid_b):
    """A volunteer without an account who looks after 李大爷 in grid B."""
    return f.make_volunteer(community, "孙志愿", grid=grid_b)


@pytest.fixture
def plans(residents, operator, community, helper):
    """Plan A (王秀兰) held by grid A's worker, started 1 June; plan B (李大爷) held by
    the volunteer, started 1 May; plan C (张奶奶) paused, started 1 June."""
    services.generate_plans(acting_user=operator, community=community)
    a, b, c = (residents[k].care_plan for k in "abc")
    CarePlan.objects.filter(pk__in=[a.pk, c.pk]).update(created_at=f.at(2026, 6, 1))
    CarePlan.objects.filter(pk=b.pk).update(created_at=f.at(2026, 5, 1))
    services.assign_responsible(acting_user=operator, plan=b, user=None, volunteer=helper)
    services.set_plan_active(acting_user=operator, plan=c, active=False)
    return {"a": a, "b": b, "c": c}


def page(client, name, **params) -> str:
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response.content.decode()


def shown(html: str, *markers: str) -> set[str]:
    return {m for m in markers if m in html}


# --- Check-ins ----------------------------------------------------------------------------

NOTES = ("备注一", "备注二", "备注三", "备注四")


@pytest.fixture
def check_ins(plans, grid_worker, grid_worker_b, helper):
    """备注一: 王秀兰 fine on 2 June (call, grid worker A); 备注二: 王秀兰 no answer on
    5 June; 备注三: 李大爷 fine on 20 May, made by the volunteer (entered by grid worker
    B); 备注四: 李大爷 fine on 8 June, a visit by grid worker B."""
    rows = [
        (grid_worker, plans["a"], "call", "fine", f.at(2026, 6, 2), None),
        (grid_worker, plans["a"], "call", "no_answer", f.at(2026, 6, 5), None),
        (grid_worker_b, plans["b"], "call", "fine", f.at(2026, 5, 20), helper),
        (grid_worker_b, plans["b"], "visit", "fine", f.at(2026, 6, 8), None),
    ]
    for note, (user, plan, kind, outcome, at, done_by) in zip(NOTES, rows, strict=True):
        services.record_check_in(
            acting_user=user,
            plan=plan,
            kind=kind,
            outcome=outcome,
            at=at,
            note=note,
            done_by=done_by,
        )


def notes(client, **params) -> set[str]:
    return shown(page(client, "care:check_ins", **params), *NOTES)


def test_the_check_in_history_lists_every_check_in_in_scope(login, operator, check_ins):
    assert notes(login(operator)) == set(NOTES)


def test_check_ins_filter_by_period(login, operator, check_ins):
    client = login(operator)
    assert notes(client, start="2026-06-02", end="2026-06-05") == {"备注一", "备注二"}
    assert notes(client, end="2026-05-31") == {"备注三"}
    assert notes(client, start="2026-06-08") == {"备注四"}


def test_check_ins_filter_by_place(login, operator, check_ins, grid_b, compound):
    client = login(operator)
    assert notes(client, grid=grid_b.pk) == {"备注三", "备注四"}
    assert notes(client, compound=compound.pk) == {"备注一", "备注二"}


def test_check_ins_filter_by_outcome_and_contact(login, operator, check_ins):
    client = login(operator)
    assert notes(client, outcome="no_answer") == {"备注二"}
    assert notes(client, outcome="fine") == {"备注一", "备注三", "备注四"}
    assert notes(client, kind="visit") == {"备注四"}


def test_check_ins_filter_by_care_tag(login, operator, check_ins):
    assert notes(login(operator), tag="aged_80") == {"备注一", "备注二"}


def test_check_ins_filter_by_who_made_them(
    login, operator, grid_worker, grid_worker_b, helper, check_ins
):
    client = login(operator)
    assert notes(client, assignee=f"user:{grid_worker.pk}") == {"备注一", "备注二"}
    # Entered by grid worker B, but made by the volunteer: it is the volunteer's.
    assert notes(client, assignee=f"volunteer:{helper.pk}") == {"备注三"}
    assert notes(login(grid_worker_b), assignee="me") == {"备注四"}


def test_a_volunteer_sees_the_check_ins_of_their_residents_and_cannot_filter_by_care_tag(
    login, operator, volunteer, community, grid, plans, check_ins
):
    own = f.make_volunteer(community, "赵建国", user=volunteer, grid=grid)
    services.assign_responsible(acting_user=operator, plan=plans["a"], user=None, volunteer=own)
    client = login(volunteer)
    html = page(client, "care:check_ins")
    assert shown(html, *NOTES) == {"备注一", "备注二"}
    assert 'name="tag"' not in html
    # The parameter is ignored rather than used to learn who carries which care tag.
    assert notes(client, tag="disabled") == {"备注一", "备注二"}
    assert notes(login(operator), tag="disabled") == set()


# --- Care plans ---------------------------------------------------------------------------

NAMES = ("王秀兰", "李大爷", "张奶奶")


def names(client, **params) -> set[str]:
    return shown(page(client, "care:plans", **params), *NAMES)


def test_the_plan_list_shows_active_plans_by_default(login, operator, plans):
    assert names(login(operator)) == {"王秀兰", "李大爷"}


def test_plans_filter_by_state(login, operator, plans):
    client = login(operator)
    assert names(client, state="paused") == {"张奶奶"}
    assert names(client, state="all") == set(NAMES)
    PlanItem.objects.filter(plan=plans["a"]).update(next_due=dt.date(2026, 6, 1))
    PlanItem.objects.exclude(plan=plans["a"]).update(next_due=dt.date(2026, 6, 20))
    assert names(client, state="missed") == {"王秀兰"}


def test_plans_filter_by_the_day_they_started(login, operator, plans):
    client = login(operator)
    assert names(client, state="all", start="2026-06-01") == {"王秀兰", "张奶奶"}
    assert names(client, state="all", end="2026-05-31") == {"李大爷"}


def test_plans_filter_by_place(login, operator, plans, grid, compound_b):
    client = login(operator)
    assert names(client, state="all", grid=grid.pk) == {"王秀兰", "张奶奶"}
    assert names(client, compound=compound_b.pk) == {"李大爷"}


def test_plans_filter_by_care_tag_and_kind_of_contact(login, operator, plans):
    client = login(operator)
    assert names(client, state="all", tag="aged_80") == {"王秀兰", "张奶奶"}
    assert names(client, kind="visit") == {"王秀兰"}


def test_plans_filter_by_who_is_responsible(login, operator, grid_worker, helper, plans, community):
    client = login(operator)
    assert names(client, assignee=f"user:{grid_worker.pk}") == {"王秀兰"}
    assert names(client, assignee=f"volunteer:{helper.pk}") == {"李大爷"}
    assert names(login(grid_worker), assignee="me") == {"王秀兰"}
    services.assign_responsible(acting_user=operator, plan=plans["a"], user=None, volunteer=None)
    assert names(login(operator), assignee="none") == {"王秀兰"}


def test_the_old_show_links_of_the_overview_still_work(login, leader, operator, plans):
    services.assign_responsible(acting_user=operator, plan=plans["a"], user=None, volunteer=None)
    PlanItem.objects.filter(plan=plans["b"]).update(next_due=dt.date(2026, 6, 1))
    PlanItem.objects.exclude(plan=plans["b"]).update(next_due=dt.date(2026, 6, 20))
    client = login(leader)
    overview = page(client, "care:overview")
    assert "?show=unassigned" in overview and "?show=missed" in overview
    assert names(client, show="unassigned") == {"王秀兰"}
    assert names(client, show="missed") == {"李大爷"}
    assert names(client, show="paused") == {"张奶奶"}


# --- Alerts ---------------------------------------------------------------------------------


@pytest.fixture
def alerts(plans, grid_worker, grid_worker_b):
    """王秀兰 missed two calls on 2 June and nobody went: escalated, still open.
    李大爷 missed two on 5 June and grid worker B went the same day: handled."""
    for hour in (9, 11):
        services.record_check_in(
            acting_user=grid_worker,
            plan=plans["a"],
            kind="call",
            outcome="no_answer",
            at=f.at(2026, 6, 2, hour),
        )
    services.escalate_alerts(now=f.at(2026, 6, 2, 19))
    for hour in (9, 11):
        services.record_check_in(
            acting_user=grid_worker_b,
            plan=plans["b"],
            kind="call",
            outcome="no_answer",
            at=f.at(2026, 6, 5, hour),
        )
    handled = CareAlert.objects.get(plan=plans["b"])
    services.close_alert(acting_user=grid_worker_b, alert=handled, note="上门看过，身体无恙")


def alerted(client, **params) -> set[str]:
    return shown(page(client, "care:alerts", **params), *NAMES)


def test_alerts_filter_by_state(login, operator, alerts):
    client = login(operator)
    assert alerted(client) == {"王秀兰", "李大爷"}
    assert alerted(client, state="open") == {"王秀兰"}
    assert alerted(client, state="escalated") == {"王秀兰"}
    assert alerted(client, state="handled") == {"李大爷"}


def test_alerts_filter_by_the_day_they_were_raised(login, operator, alerts):
    client = login(operator)
    assert alerted(client, start="2026-06-03") == {"李大爷"}
    assert alerted(client, end="2026-06-02") == {"王秀兰"}


def test_alerts_filter_by_place_and_by_whose_resident_it_is(
    login, operator, grid_worker, helper, grid_b, compound, alerts
):
    client = login(operator)
    assert alerted(client, grid=grid_b.pk) == {"李大爷"}
    assert alerted(client, compound=compound.pk) == {"王秀兰"}
    assert alerted(client, assignee=f"volunteer:{helper.pk}") == {"李大爷"}
    assert alerted(login(grid_worker), assignee="me") == {"王秀兰"}


# --- Home visits ----------------------------------------------------------------------------

MET = ("见到甲", "见到乙", "见到丁", "2026-06-20")


@pytest.fixture
def visits(household, household_b, grid_worker, grid_worker_b):
    """见到甲: grid A on 2 June, a leak found (no order yet); 见到乙: grid B on 5 June,
    nothing found; 见到丁: grid A on 6 June, a finding already an order; and a visit
    planned in grid A for 20 June."""
    services.log_visit(
        acting_user=grid_worker,
        household=household,
        met_note="见到甲",
        findings=["厨房漏水"],
        at=f.at(2026, 6, 2),
    )
    services.log_visit(
        acting_user=grid_worker_b,
        household=household_b,
        met_note="见到乙",
        summary="一切正常",
        at=f.at(2026, 6, 5),
    )
    done = services.log_visit(
        acting_user=grid_worker,
        household=household,
        met_note="见到丁",
        findings=["楼道灯坏了"],
        at=f.at(2026, 6, 6),
    )
    services.order_from_finding(
        acting_user=grid_worker, finding=done.findings.get(), category=f.category("roof_leak")
    )
    services.plan_visit(acting_user=grid_worker, household=household, on_date=dt.date(2026, 6, 20))


def visited(client, **params) -> set[str]:
    return shown(page(client, "care:visits", **params), *MET)


def test_visits_filter_by_state(login, operator, visits):
    client = login(operator)
    assert visited(client) == set(MET)
    assert visited(client, state="planned") == {"2026-06-20"}
    assert visited(client, state="done") == {"见到甲", "见到乙", "见到丁"}


def test_visits_filter_by_their_day_recorded_or_planned(login, operator, visits):
    client = login(operator)
    assert visited(client, end="2026-06-03") == {"见到甲"}
    assert visited(client, start="2026-06-05", end="2026-06-06") == {"见到乙", "见到丁"}
    assert visited(client, start="2026-06-15") == {"2026-06-20"}


def test_visits_filter_by_what_they_found(login, operator, visits):
    client = login(operator)
    assert visited(client, state="done", findings="found") == {"见到甲", "见到丁"}
    assert visited(client, findings="no_order") == {"见到甲"}
    assert visited(client, state="done", findings="nothing") == {"见到乙"}


def test_visits_filter_by_place_and_visitor(
    login, operator, grid_worker, grid_worker_b, grid_b, compound, visits
):
    client = login(operator)
    assert visited(client, grid=grid_b.pk) == {"见到乙"}
    assert visited(client, state="done", compound=compound.pk) == {"见到甲", "见到丁"}
    assert visited(client, assignee=f"user:{grid_worker_b.pk}") == {"见到乙"}
    assert visited(login(grid_worker), state="done", assignee="me") == {"见到甲", "见到丁"}


# --- What every list shares ----------------------------------------------------------------

LISTS = ("care:check_ins", "care:plans", "care:alerts", "care:visits")


@pytest.mark.parametrize("name", LISTS)
def test_a_backwards_period_is_refused_plainly(login, operator, plans, name):
    html = page(login(operator), name, start="2026-06-30", end="2026-06-01")
    assert "开始日期晚于结束日期" in html


def test_a_backwards_period_is_left_out_while_the_other_filters_apply(
    login, operator, check_ins, grid_b
):
    client = login(operator)
    params = {"start": "2026-06-30", "end": "2026-06-01", "grid": grid_b.pk}
    assert notes(client, **params) == {"备注三", "备注四"}


@pytest.mark.parametrize("name", LISTS)
def test_a_grid_worker_cannot_filter_their_way_into_another_grid(
    login, grid_worker_b, grid, compound, grid_worker, check_ins, alerts, visits, name
):
    client = login(grid_worker_b)
    for params in ({"grid": grid.pk}, {"compound": compound.pk}, {"state": "all"}):
        html = page(client, name, **params)
        assert "王秀兰" not in html and "张奶奶" not in html
        assert not shown(html, "备注一", "备注二", "见到甲", "见到丁", "2026-06-20")
    html = page(client, name, grid=grid.pk)
    # Refused out loud, and the message is tied to the field that was refused.
    assert 'role="alert"' in html and 'id="id_grid_error"' in html
    # Grid A's worker is not among the people grid B's worker may filter by.
    assert f'value="user:{grid_worker.pk}"' not in html
    html = page(client, name, assignee=f"user:{grid_worker.pk}")
    assert 'role="alert"' in html and "王秀兰" not in html


@pytest.mark.parametrize("name", LISTS)
def test_an_outsider_sees_nothing_of_the_community_whatever_the_filters(
    login, outsider, grid, operator, check_ins, alerts, visits, name
):
    client = login(outsider)
    for params in ({}, {"grid": grid.pk}, {"assignee": f"user:{operator.pk}"}):
        html = page(client, name, **params)
        assert not shown(html, *NAMES, *NOTES, *MET)
    assert f'value="user:{operator.pk}"' not in page(client, name)


@pytest.mark.parametrize("name", LISTS)
def test_roles_without_care_records_may_not_open_the_lists(login, committee_member, name):
    assert login(committee_member).get(reverse(name)).status_code == 403


def test_the_filter_form_offers_the_places_and_people_of_the_viewers_area(
    login, grid_worker, grid_worker_b, operator, helper, grid, grid_b, plans
):
    html = page(login(grid_worker), "care:plans")
    assert f'<option value="{grid.pk}"' in html
    assert f'<option value="{grid_b.pk}"' not in html
    assert f'value="user:{operator.pk}"' in html  # the office may hold plans in grid A
    assert f'value="user:{grid_worker_b.pk}"' not in html
    assert f'value="volunteer:{helper.pk}"' not in html  # a volunteer of grid B
    html = page(login(operator), "care:plans")
    assert f'value="user:{grid_worker_b.pk}"' in html
    assert f'value="volunteer:{helper.pk}"' in html


# --- Pages ----------------------------------------------------------------------------------


def test_the_check_in_pager_keeps_the_filters(login, operator, grid_worker, plans):
    CheckIn.objects.bulk_create(
        CheckIn(
            plan=plans["a"],
            kind="call",
            outcome="fine",
            at=f.at(2026, 6, 1) + dt.timedelta(minutes=i),
            recorded_by=grid_worker,
        )
        for i in range(51)
    )
    html = page(login(operator), "care:check_ins", outcome="fine", page="1")
    assert "page=2&amp;outcome=fine" in html


def test_the_plan_pager_keeps_the_filters_and_turns_old_links_into_new_ones(
    login, operator, community, household, plans
):
    for i in range(50):
        f.make_resident(household, f"孙{i:02d}", tags=["living_alone"])
    services.generate_plans(acting_user=operator, community=community)
    client = login(operator)
    assert "page=2&amp;tag=living_alone" in page(client, "care:plans", tag="living_alone")
    PlanItem.objects.update(next_due=dt.date(2026, 6, 1))
    html = page(client, "care:plans", show="missed")
    assert "page=2&amp;state=missed" in html and "page=2&amp;show" not in html


def test_the_alert_pager_keeps_the_filters(login, operator, community, grid, plans):
    CareAlert.objects.bulk_create(
        CareAlert(
            plan=plans["a"],
            community=community,
            grid=grid,
            state=CareAlert.State.HANDLED,
            raised_at=f.at(2026, 6, 1),
            due_at=f.at(2026, 6, 1, 18),
            handled_at=f.at(2026, 6, 1, 12),
        )
        for _ in range(31)
    )
    html = page(login(operator), "care:alerts", state="handled", grid=grid.pk)
    assert f"page=2&amp;state=handled&amp;grid={grid.pk}" in html


def test_the_visit_pager_keeps_the_filters(login, grid_worker, household):
    for i in range(31):
        services.log_visit(
            acting_user=grid_worker,
            household=household,
            met_note=f"走访{i}",
            at=f.at(2026, 6, 1) + dt.timedelta(minutes=i),
        )
    html = page(login(grid_worker), "care:visits", state="done", assignee="me")
    assert "page=2&amp;state=done&amp;assignee=me" in html


def test_the_check_in_history_takes_as_many_queries_for_one_row_as_for_many(
    login, operator, grid_worker, plans
):
    client = login(operator)
    params = {"outcome": "fine", "assignee": f"user:{grid_worker.pk}"}

    def queries() -> int:
        page(client, "care:check_ins", **params)  # the session's own writes come first
        with CaptureQueriesContext(connection) as ctx:
            html = page(client, "care:check_ins", **params)
        assert "王秀兰" in html
        # The session middleware writes now and then (the idle timeout): not the list's.
        return len([q for q in ctx.captured_queries if not _session_write(q["sql"])])

    services.record_check_in(acting_user=grid_worker, plan=plans["a"], kind="call", outcome="fine")
    one = queries()
    for _ in range(8):
        services.record_check_in(
            acting_user=grid_worker, plan=plans["a"], kind="visit", outcome="fine"
        )
    assert queries() == one <= 10


def _session_write(sql: str) -> bool:
    return "django_session" in sql or "SAVEPOINT" in sql
