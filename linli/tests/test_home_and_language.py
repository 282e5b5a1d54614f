import pytest
from django.urls import reverse

from linli import testing as t


@pytest.mark.django_db
def test_the_home_page_speaks_chinese_by_default(login, operator):
    content = login(operator).get(reverse("home")).content.decode()
    assert "您好" in content
    assert "地点" in content


@pytest.mark.django_db
def test_english_can_be_chosen(login, operator, client):
    login(operator)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    content = client.get(reverse("home")).content.decode()
    assert "Hello" in content
    assert "Places" in content


@pytest.mark.django_db
def test_the_home_page_offers_the_audit_log_to_leaders_but_not_to_grid_workers(
    login, client, leader, grid_worker
):
    audit_url = reverse("accounts:audit_log")
    assert audit_url in login(leader).get(reverse("home")).content.decode()
    client.logout()
    assert audit_url not in login(grid_worker).get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_an_account_without_roles_is_told_what_to_do(login):
    content = login(t.make_user("nobody")).get(reverse("home")).content.decode()
    assert "管理员" in content


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(login, operator):
    response = login(operator).get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "//" not in response.content.decode().split("<body")[0].replace("<!doctype", "")


@pytest.mark.django_db
def test_a_browser_set_to_english_still_gets_chinese_until_the_user_chooses(login, operator):
    client = login(operator)
    content = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "您好" in content
