"""Every care page: the right roles see it, others are refused, outsiders see nothing
of the community, and list pages keep a fixed number of queries."""

import pytest
from django.urls import reverse

from care import services
from care.models import RecurringProblem
from care.tests import factories as f
from linli import testing as t

LIST_PAGES = [
    "care:today",
    "care:day",
    "care:overview",
    "care:plans",
    "care:alerts",
    "care:visits",
    "care:coverage",
    "care:volunteers",
    "care:problems",
    "care:season",
]


@pytest.fixture
def world(plan, operator, grid_worker, household, elder, community, grid):
    """A plan with an alert, a visit with a finding, a volunteer and a recurring card."""
    services.record_check_in(acting_user=grid_worker, plan=plan, kind="call", outcome="no_answer")
    services.record_check_in(acting_user=grid_worker, plan=plan, kind="call", outcome="no_answer")
    visit = services.log_visit(
        acting_user=grid_worker, household=household, summary="屋里很冷", findings=["暖气不热"]
    )
    volunteer = f.make_volunteer(community, grid=grid)
    for _ in range(3):
        f.make_order(operator, household=household)
    services.detect_recurring_problems()
    return {
        "plan": plan,
        "alert": plan.alerts.get(),
        "visit": visit,
        "finding": visit.findings.get(),
        "volunteer": volunteer,
        "card": RecurringProblem.objects.get(),
        "household": household,
    }


def object_pages(w):
    return [
        reverse("care:plan", args=[w["plan"].pk]),
        reverse("care:visit", args=[w["visit"].pk]),
        reverse("care:visit_new", args=[w["household"].pk]),
        reverse("care:volunteer", args=[w["volunteer"].pk]),
        reverse("care:problem", args=[w["card"].pk]),
    ]


def object_posts(w):
    return [
        (reverse("care:record", args=[w["plan"].items.first().pk]), {"outcome": "fine"}),
        (reverse("care:plan_check_in", args=[w["plan"].pk]), {"kind": "visit", "outcome": "fine"}),
        (reverse("care:plan_assign", args=[w["plan"].pk]), {"responsible": ""}),
        (reverse("care:plan_contact", args=[w["plan"].pk]), {"kind": "call", "every_days": "3"}),
        (reverse("care:plan_active", args=[w["plan"].pk]), {"active": "0"}),
        (reverse("care:alert_close", args=[w["alert"].pk]), {"note": "见到了"}),
        (reverse("care:visit_finding", args=[w["visit"].pk]), {"text": "灯坏了"}),
        (reverse("care:finding_order", args=[w["finding"].pk]), {"category": "1"}),
        (reverse("care:visit_plan", args=[w["household"].pk]), {"on_date": "2099-01-01"}),
        (
            reverse("care:volunteer_hours", args=[w["volunteer"].pk]),
            {"on_date": "2020-01-01", "hours": "1", "note": "x"},
        ),
        (reverse("care:problem_action", args=[w["card"].pk, "acknowledge"]), {}),
        (reverse("care:problem_action", args=[w["card"].pk, "close"]), {"note": "x"}),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("name", LIST_PAGES)
def test_the_leader_opens_every_list_page(login, leader, world, name):
    response = login(leader).get(reverse(name))
    assert response.status_code == 200, name


@pytest.mark.django_db
def test_the_leader_opens_every_object_page(login, leader, world):
    client = login(leader)
    for url in object_pages(world):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_the_grid_worker_opens_the_pages_of_their_grid(login, grid_worker, world):
    client = login(grid_worker)
    for name in LIST_PAGES:
        expected = 403 if name == "care:overview" else 200
        assert client.get(reverse(name)).status_code == expected, name
    for url in object_pages(world):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_an_outsider_finds_no_object_of_this_community(login, outsider, other_community, world):
    # The grid worker of the other community, and its leader (who holds every role
    # the office pages need, only not here).
    other_leader = t.make_user(role=t.Role.LEADER, community=other_community)
    for user in (outsider, other_leader):
        client = login(user)
        for url in object_pages(world):
            assert client.get(url).status_code == 404, (user, url)
    client = login(other_leader)
    for url, data in object_posts(world):
        assert client.post(url, data).status_code == 404, url


@pytest.mark.django_db
def test_an_outsider_sees_empty_lists(login, outsider, world):
    client = login(outsider)
    for name in (
        "care:today",
        "care:day",
        "care:plans",
        "care:alerts",
        "care:visits",
        "care:problems",
        "care:volunteers",
        "care:season",
    ):
        content = client.get(reverse(name)).content.decode()
        assert "王秀兰" not in content, name
        assert world["household"].address not in content, name
    assert world["volunteer"].name not in client.get(reverse("care:volunteers")).content.decode()


@pytest.mark.django_db
def test_the_grid_worker_of_the_other_grid_finds_nothing_of_grid_a1(login, grid_worker_b, world):
    client = login(grid_worker_b)
    for url in object_pages(world):
        if "volunteers" in url:
            continue  # volunteers belong to the community, not to one grid
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_a_committee_member_and_a_liaison_are_refused(login, committee_member, liaison, world):
    for user in (committee_member, liaison):
        client = login(user)
        for name in LIST_PAGES:
            assert client.get(reverse(name)).status_code == 403, (user, name)


@pytest.mark.django_db
def test_pages_need_login(client, world):
    for url in [reverse(n) for n in LIST_PAGES] + object_pages(world):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_the_pages_speak_chinese_by_default(login, grid_worker, world):
    from django.utils import timezone

    world["plan"].items.update(next_due=timezone.localdate())
    content = login(grid_worker).get(reverse("care:day")).content.decode()
    assert "我的一天" in content
    assert "两次无人应答" in content
    assert "一切安好" in content and "需要帮助" in content and "无人应答" in content
