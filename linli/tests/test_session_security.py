"""Sessions and cookies in production: Secure, HttpOnly, SameSite, idle and absolute limits."""

import datetime as dt
import json

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import override_settings
from django.urls import reverse

from linli import testing as t
from linli.tests.test_settings import PRODUCTION, run_manage

COOKIE_SETTINGS = [
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "SESSION_COOKIE_AGE",
    "SESSION_SAVE_EVERY_REQUEST",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "LINLI_SESSION_ABSOLUTE_HOURS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "X_FRAME_OPTIONS",
]


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """The security settings as a production environment (no DEBUG, HTTPS) gets them."""
    script = (
        "import json; from django.conf import settings; "
        f"print('SETTINGS=' + json.dumps({{k: getattr(settings, k) for k in {COOKIE_SETTINGS!r}}}))"
    )
    result = run_manage(["shell", "-c", script], PRODUCTION, tmp_path_factory.mktemp("prod"))
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("SETTINGS="))
    return json.loads(line.removeprefix("SETTINGS="))


def test_production_cookies_are_secure_httponly_and_samesite(production):
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["CSRF_COOKIE_HTTPONLY"] is True
    assert production["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert production["CSRF_COOKIE_SAMESITE"] in ("Lax", "Strict")


def test_production_forces_https_with_hsts(production):
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 31536000
    assert production["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert production["X_FRAME_OPTIONS"] == "DENY"


def test_production_sessions_idle_out_after_thirty_minutes_and_end_within_a_day(production):
    assert production["SESSION_COOKIE_AGE"] == 30 * 60
    assert production["SESSION_SAVE_EVERY_REQUEST"] is True
    assert production["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert 1 <= production["LINLI_SESSION_ABSOLUTE_HOURS"] <= 24


@pytest.mark.django_db
def test_the_session_cookie_a_log_in_sets_carries_the_production_flags(client, production, leader):
    flags = {k: production[k] for k in COOKIE_SETTINGS if k.startswith(("SESSION_", "CSRF_"))}
    with override_settings(**flags):
        response = client.post(
            reverse("accounts:login"),
            {"username": "leader", "password": t.TEST_PASSWORD},
            secure=True,
        )
    assert response.status_code == 302
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == production["SESSION_COOKIE_SAMESITE"]
    # Expires when the browser closes: no lasting cookie on a shared office computer.
    assert not cookie["max-age"] and not cookie["expires"]


@pytest.mark.django_db
def test_logging_in_gives_a_new_session_key(client, leader):
    session = client.session
    session["before"] = 1
    session.save()
    before = session.session_key
    client.post(reverse("accounts:login"), {"username": "leader", "password": t.TEST_PASSWORD})
    assert client.session.session_key != before


START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_an_active_session_is_renewed_and_an_idle_one_ends_after_thirty_minutes(login, operator):
    with time_machine.travel(START, tick=False) as clock:
        client = login(operator)
        home = reverse("home")
        assert client.get(home).status_code == 200
        for _ in range(3):  # 87 minutes in all, never 30 idle
            clock.shift(dt.timedelta(minutes=29))
            assert client.get(home).status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get(home)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_clicking_through_pages_renews_the_session_once_a_minute_not_on_every_click(
    login, operator
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def session_writes(client) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        return sum(
            1
            for q in queries.captured_queries
            if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
        )

    with time_machine.travel(START, tick=False) as clock:
        client = login(operator)
        client.get(reverse("home"))
        clock.shift(dt.timedelta(seconds=61))
        assert session_writes(client) == 1
        clock.shift(dt.timedelta(seconds=20))
        assert session_writes(client) == 0
        clock.shift(dt.timedelta(seconds=41))
        assert session_writes(client) == 1


@pytest.mark.django_db
def test_even_an_active_session_ends_at_the_absolute_limit(login, operator, settings):
    settings.LINLI_SESSION_ABSOLUTE_HOURS = 1
    with time_machine.travel(START, tick=False) as clock:
        client = login(operator)
        home = reverse("home")
        for _ in range(4):  # 0, 20, 40, 60 minutes: within the hour
            assert client.get(home).status_code == 200
            clock.shift(dt.timedelta(minutes=20))
        response = client.get(home)  # 80 minutes after logging in
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_session_middlewares_run_in_the_order_that_makes_them_work(settings):
    order = settings.MIDDLEWARE
    auth = order.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    absolute = order.index("accounts.middleware.SessionTimeoutMiddleware")
    otp = order.index("django_otp.middleware.OTPMiddleware")
    login_required = order.index("django.contrib.auth.middleware.LoginRequiredMiddleware")
    second = order.index("accounts.middleware.SecondFactorMiddleware")
    assert order.index("accounts.middleware.SessionMiddleware") < auth
    assert auth < absolute < otp < login_required < second


@pytest.mark.django_db
def test_pages_carry_the_protective_headers(login, operator):
    response = login(operator).get(reverse("home"))
    policy = response["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-eval'" not in policy and "'unsafe-inline'" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_requiring_the_second_factor_for_leaders_and_admins_passes_check_deploy(tmp_path):
    env = {**PRODUCTION, "LINLI_REQUIRE_2FA_ROLES": "leader,admin"}
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_unknown_role_in_the_second_factor_setting_fails_the_system_check(settings):
    from accounts.checks import second_factor_roles

    settings.LINLI_REQUIRE_2FA_ROLES = ["leader", "boss"]
    errors = second_factor_roles(None)
    assert [e.id for e in errors] == ["linli.E201"]
    assert "boss" in errors[0].msg
    settings.LINLI_REQUIRE_2FA_ROLES = ["leader", "admin"]
    assert second_factor_roles(None) == []


def test_a_retention_shorter_than_six_months_is_refused(tmp_path):
    result = run_manage(["check"], {**PRODUCTION, "LINLI_AUDIT_RETENTION_DAYS": "30"}, tmp_path)
    assert result.returncode != 0
    assert "LINLI_AUDIT_RETENTION_DAYS must be at least 183" in result.stderr
