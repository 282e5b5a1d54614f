"""axe-core finds no serious or critical accessibility problem on the main pages.

The seed's stories (test_story_hotline.py) check the pages in the state they leave
them: the console with a caller's card, a closed order, the grid worker's phone after
accepting an order (with its message), the volunteer's check-ins with a number shown
and the dashboard. Here the other main pages are checked as a user first opens them.
"""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.conftest import PHONE
from e2e.helpers import axe, login, login_once, report

PHONE_CONTEXT = {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
SESSIONS: dict[str, dict] = {}  # username → browser storage, to log in once per account


def test_the_main_pages_have_no_serious_accessibility_violations(page):
    found = {}
    page.goto("/accounts/login/")
    found["login"] = axe(page)
    login(page, "leader")
    SESSIONS["leader"] = page.context.storage_state()
    found["home"] = axe(page)
    page.goto("/places/")
    found["places"] = axe(page)
    page.get_by_role("link", name="供销巷小区", exact=True).first.click()
    found["compound"] = axe(page)
    page.locator("main table.list a[href*='/places/households/']").first.click()
    found["household"] = axe(page)

    assert found == {name: [] for name in found}, report(found)


def test_the_office_pages_have_no_serious_accessibility_violations(new_page):
    found = {}
    operator = login_once(new_page, "operator", SESSIONS)
    operator.goto("/hotline/orders/")
    found["orders"] = axe(operator)
    operator.locator("main table.list a[href*='/hotline/orders/']").first.click()
    found["order"] = axe(operator)
    operator.goto("/hotline/callbacks/")
    found["call-backs"] = axe(operator)
    # A resident's page: the registry finds the bereaved elders by their care tag.
    operator.goto("/people/?tag=lost_only_child")
    operator.locator("#results a[href^='/people/']").first.click()
    found["resident"] = axe(operator)

    leader = login_once(new_page, "leader", SESSIONS)
    for name, path in {
        "rates": "/insights/rates/",
        "report": "/insights/report/",
        "care plans": "/care/plans/",
    }.items():
        leader.goto(path)
        found[name] = axe(leader)

    assert found == {name: [] for name in found}, report(found)


def _give_an_order_to(new_page, worker_name: str) -> None:
    """Dispatch an open order to the worker through the operator's order page.

    The demo's year of orders leaves some in a grid worker's hands or none, depending
    on the hour it is loaded; the phone pages are to be checked with an order listed.
    """
    desk = login_once(new_page, "operator", SESSIONS)
    for state in ("received", "returned", "dispatched"):
        desk.goto(f"/hotline/orders/?state={state}")
        orders = desk.locator("main table.list a[href*='/hotline/orders/']")
        if orders.count():
            break
    orders.first.click()
    form = desk.locator("form[action$='/dispatch/']")
    if not form.is_visible():  # a dispatched order keeps its form folded (改派)
        desk.locator("details", has=form).locator("summary").click()
    form.locator("select[name=target_other]").select_option(label=worker_name)
    form.locator("button[type=submit]").click()
    expect(desk.locator(".order-head")).to_contain_text("已派单")
    expect(desk.locator("main dl dd", has_text=worker_name).first).to_be_visible()


def test_the_phone_pages_have_no_serious_accessibility_violations(new_page):
    found = {}
    worker = login_once(new_page, "grid1", SESSIONS, **PHONE_CONTEXT)
    _give_an_order_to(new_page, worker.locator("header .who").inner_text())
    worker.goto("/hotline/mine/")
    found["my orders"] = axe(worker)
    worker.locator(".m-list li a").first.click()
    found["phone order"] = axe(worker)
    worker.goto("/care/day/")
    found["my day"] = axe(worker)

    assert found == {name: [] for name in found}, report(found)


def test_the_not_found_page_has_no_serious_accessibility_violations(page):
    login(page, "grid1")
    page.goto("/places/compounds/999999/")
    assert axe(page) == []
