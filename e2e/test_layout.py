"""Pages stay usable when the text is large and the screen is small."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import DESKTOP
from e2e.helpers import login, overflows_horizontally, report, shot

ZOOM_200 = {"width": DESKTOP["width"] // 2, "height": DESKTOP["height"] // 2}


def visit_main_pages(page):
    """Home, the places tree, a compound and a household: (name, url) as visited.

    和谐果品小区 is in the first grid, so the leader and grid1 can both open it.
    """
    yield "home", page.url
    page.goto("/places/")
    yield "places", page.url
    page.get_by_role("link", name="和谐果品小区", exact=True).first.click()
    yield "compound", page.url
    page.locator("main table.list a[href*='/places/households/']").first.click()
    yield "household", page.url


@pytest.mark.parametrize("username", ["leader", "grid1"])
def test_at_200_percent_zoom_nothing_spills_out_sideways(new_page, username):
    # 200% zoom of a 1280 px window leaves 640 CSS pixels: the same layout as this.
    page = login(new_page(viewport=ZOOM_200), username)
    wide = {name: overflows_horizontally(page) for name, _ in visit_main_pages(page)}
    assert wide == {name: [] for name in wide}, report(wide)


def test_on_a_phone_the_pages_fit_and_the_navigation_is_reachable(phone_page):
    page = login(phone_page, "grid1")
    expect(page.locator("nav.mainnav a").first).to_be_visible()
    shot(page, "home-phone")
    wide = {name: overflows_horizontally(page) for name, _ in visit_main_pages(page)}
    assert wide == {name: [] for name in wide}, report(wide)
    # Tables become stacked cards on a phone: no header row, so each figure names
    # its column itself ("户数 84", not a bare "84").
    page.goto("/places/")
    expect(page.locator("table.list.stack thead").first).to_be_hidden()
    expect(page.locator("table.list.stack td[data-label='户数']").first).to_be_visible()
    shot(page, "places-phone")


def test_the_login_page_fits_a_phone(phone_page):
    phone_page.goto("/accounts/login/")
    expect(phone_page.locator("form button[type=submit]")).to_be_in_viewport()
    assert overflows_horizontally(phone_page) == []


def test_on_a_phone_the_care_menu_is_one_row_that_scrolls_sideways(new_page):
    # A grid worker has ten care pages; at 390 px they used to take three rows of
    # pills above every care page.
    page = login(new_page(viewport={"width": 390, "height": 844}, is_mobile=True), "grid1")
    page.goto("/care/season/")  # the last of the row: it must be scrolled into view
    menu = page.get_by_role("navigation", name="关爱")
    links = menu.get_by_role("link")
    assert links.count() >= 8
    expect(menu.locator("a[aria-current=page]")).to_be_in_viewport()
    rows = {round(box["y"]) for box in (link.bounding_box() for link in links.all())}
    assert len(rows) == 1, rows
    assert menu.bounding_box()["height"] < 60
    assert overflows_horizontally(page) == []  # the row scrolls, not the page

    # By keyboard every link is reachable, and the one with the focus comes into view.
    page.goto("/care/day/")
    links.first.focus()
    for _ in range(links.count() - 1):
        page.keyboard.press("Tab")
    expect(links.last).to_be_focused()
    expect(links.last).to_be_in_viewport()
    links.last.press("Enter")
    expect(page).to_have_url(re.compile(r"/care/season/$"))
