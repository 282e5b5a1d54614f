"""Finding one's way through the places of the community, and not into another's."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e.helpers import login, shot


def test_the_leader_browses_from_home_to_a_compound_and_a_household(page):
    login(page, "leader")
    shot(page, "home")

    page.locator(".cards").get_by_role("link", name=re.compile("地点")).click()
    expect(page.locator("h1")).to_have_text("地点")
    expect(page.locator("main")).to_contain_text("第一网格")
    shot(page, "places")

    page.get_by_role("link", name="供销巷小区", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("供销巷小区")
    expect(page.locator(".stats")).to_contain_text("户")
    shot(page, "compound")

    first_door = page.locator("main table.list a[href*='/places/households/']").first
    door = first_door.inner_text()
    first_door.click()
    expect(page.locator("h1")).to_contain_text("供销巷小区")
    expect(page.locator(".kv")).to_contain_text(door.split("-")[-1])
    # The breadcrumbs lead back up the way the leader came.
    page.locator(".breadcrumbs").get_by_role("link", name="供销巷小区").click()
    expect(page.locator("h1")).to_have_text("供销巷小区")


def test_an_outsider_gets_not_found_for_a_compound_of_another_community(new_page, linli_server):
    leader = login(new_page(), "leader")
    leader.goto("/places/")
    href = leader.get_by_role("link", name="和谐果品小区", exact=True).first.get_attribute("href")
    compound_url = f"{linli_server.url}{href}"

    outsider = login(new_page(), "outsider")
    response = outsider.goto(compound_url)
    assert response.status == 404
    expect(outsider.locator("main")).to_contain_text("页面不存在")
    expect(outsider.locator("main")).not_to_contain_text("和谐果品小区")
    # The way back is offered.
    outsider.get_by_role("link", name=re.compile("首页")).click()
    expect(outsider.locator("h1")).to_contain_text("孙丽")
