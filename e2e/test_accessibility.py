"""axe-core finds no serious or critical accessibility problem on the main pages."""

from __future__ import annotations

from e2e.helpers import axe, login, report


def test_the_main_pages_have_no_serious_accessibility_violations(page):
    found = {}
    page.goto("/accounts/login/")
    found["login"] = axe(page)
    login(page, "leader")
    found["home"] = axe(page)
    page.goto("/places/")
    found["places"] = axe(page)
    page.get_by_role("link", name="供销巷小区", exact=True).first.click()
    found["compound"] = axe(page)
    page.locator("main table.list a[href*='/places/households/']").first.click()
    found["household"] = axe(page)

    assert found == {name: [] for name in found}, report(found)


def test_the_not_found_page_has_no_serious_accessibility_violations(page):
    login(page, "grid1")
    page.goto("/places/compounds/999999/")
    assert axe(page) == []
