"""Logging in, as each demo account and as people really do it."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from accounts.demo import DEMO_ACCOUNTS
from accounts.models import Role
from e2e.helpers import LOGIN_URL, login, shot


def zh(text) -> str:
    """The Chinese a page shows for an English msgid (or a lazy translation)."""
    with translation.override("zh-hans"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


# Areas only some roles are offered (the rest of the home page depends on which apps
# have landed, and is checked by opening every area shown).
ONLY_FOR = {"Audit log": {Role.LEADER, Role.ADMIN}, "Administration": {Role.ADMIN}}


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda a: a.username)
def test_every_demo_account_reaches_its_home_page_and_every_area_shown_opens(new_page, account):
    page = login(new_page(), account.username)

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("h1")).to_contain_text(account.display_name)
    expect(page.locator(".page-head .sub")).to_contain_text(zh(Role(account.role).label))
    cards = page.locator(".cards a.card")
    nav = page.locator("nav.mainnav a")
    areas = [(card.get_attribute("href"), card.locator("h3").inner_text()) for card in cards.all()]
    assert areas, "every role has something to do"
    # The top navigation and the home page offer the same areas, in the same order.
    assert [(a.get_attribute("href"), a.inner_text()) for a in nav.all()] == areas
    labels = {label for _, label in areas}
    for area, roles in ONLY_FOR.items():
        assert (zh(area) in labels) == (account.role in roles), f"{area} for {account.role}"
    for href, label in areas:
        response = page.goto(href)
        assert response.status == 200, f"{label} ({href}) answered {response.status}"


def test_a_wrong_password_is_refused_with_a_chinese_explanation(page):
    page.goto(LOGIN_URL)
    shot(page, "login")
    page.locator("#id_username").fill("grid2")
    page.locator("#id_password").fill("not-the-password")
    page.locator("form button[type=submit]").click()

    alert = page.get_by_role("alert")
    expect(alert).to_have_text(zh("The user name or password is not right. Please try again."))
    expect(alert).to_contain_text("用户名或密码")
    expect(page).to_have_url(re.compile(re.escape(LOGIN_URL)))
    # The name stays filled in, the password does not.
    expect(page.locator("#id_username")).to_have_value("grid2")
    expect(page.locator("#id_password")).to_have_value("")


def test_logging_in_works_with_the_keyboard_alone(page):
    from linli.demo import DEMO_PASSWORD

    page.goto(LOGIN_URL)
    expect(page.locator("#id_username")).to_be_focused()
    page.keyboard.type("operator")
    page.keyboard.press("Tab")
    expect(page.locator("#id_password")).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_contain_text("张敏")
    # From the top of a page, the first Tab offers to skip the navigation.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))


def test_the_language_can_be_switched_to_english_and_back(page):
    login(page, "grid1")
    expect(page.locator("h1")).to_contain_text("您好")

    page.locator("#lang").select_option("en")
    expect(page.locator("h1")).to_have_text("Hello, 王芳")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("nav.mainnav")).to_contain_text("Places")

    page.locator("#lang").select_option("zh-hans")
    expect(page.locator("h1")).to_contain_text("您好")


def test_logging_out_returns_to_the_login_page(page):
    login(page, "volunteer")
    page.get_by_role("button", name=zh("Log out")).click()
    expect(page).to_have_url(re.compile(re.escape(LOGIN_URL)))
    page.goto("/places/")
    expect(page).to_have_url(re.compile(re.escape(LOGIN_URL)))
