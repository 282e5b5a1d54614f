"""Logging in and out, lockout after repeated failures, session limits."""

import time

import pytest
from django.urls import reverse

from accounts.middleware import SESSION_STARTED
from linli import testing as t


def attempt(client, username, password, ip="10.0.0.5"):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


@pytest.mark.django_db
def test_a_staff_member_logs_in_and_lands_on_the_home_page(client, operator):
    response = attempt(client, "operator", t.TEST_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert "张敏" in home.content.decode()


@pytest.mark.django_db
def test_a_wrong_password_is_refused_with_a_clear_message(client, operator):
    response = attempt(client, "operator", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


@pytest.mark.django_db
def test_five_wrong_passwords_lock_that_user_on_that_address(client, operator):
    for _ in range(5):
        attempt(client, "operator", "wrong-password")
    locked = attempt(client, "operator", t.TEST_PASSWORD)
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()


@pytest.mark.django_db
def test_a_lockout_does_not_lock_out_colleagues_behind_the_same_address(client, operator, leader):
    for _ in range(5):
        attempt(client, "operator", "wrong-password")
    response = attempt(client, "leader", t.TEST_PASSWORD)
    assert response.status_code == 302


@pytest.mark.django_db
def test_logout_kills_the_session(client, operator):
    attempt(client, "operator", t.TEST_PASSWORD)
    session_key = client.session.session_key
    client.post(reverse("accounts:logout"))
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_logout_by_a_plain_link_does_nothing(client, login, operator):
    login(operator)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_every_page_needs_login_except_the_marked_public_ones(client, db):
    assert client.get(reverse("home")).status_code == 302
    assert client.get(reverse("accounts:audit_log")).status_code == 302
    assert client.get(reverse("accounts:login")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200


@pytest.mark.django_db
def test_a_session_older_than_the_absolute_limit_must_log_in_again(
    client, login, operator, settings
):
    settings.LINLI_SESSION_ABSOLUTE_HOURS = 1
    login(operator)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[SESSION_STARTED] = int(time.time()) - 2 * 3600
    session.save()
    assert client.get(reverse("home")).status_code == 302


def test_idle_timeout_is_thirty_minutes_and_renewed_on_each_request(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_passwords_are_hashed_with_argon2(settings):
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db
def test_stored_passwords_use_argon2(operator):
    assert operator.password.startswith("argon2")
