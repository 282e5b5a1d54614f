"""The second factor: leaders and admins with an authenticator app enter a code."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import SecondFactorMiddleware
from accounts.models import AuditLog
from linli.testing_security import every_url

VERIFY = reverse("accounts:otp_verify")
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def code_for(device):
    """The code the leader's phone shows now (the clock is frozen by ``clock``)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def device(leader):
    return TOTPDevice.objects.create(user=leader, name="phone", confirmed=True)


@pytest.mark.django_db
def test_a_leader_with_an_app_is_sent_to_the_code_page_from_every_url(login, leader, device):
    client = login(leader)
    checked = 0
    for name, url in sorted(every_url()):
        if name in SecondFactorMiddleware.OPEN_VIEWS:
            continue
        response = client.get(url)
        if url.startswith("/api/"):
            assert response.status_code == 401, (name, url)
            assert response.json()["code"] == "second_factor_required"
        else:
            assert response.status_code == 302, (name, url, response.status_code)
            assert response["Location"].startswith(VERIFY), (name, url)
        checked += 1
    assert checked >= 10


@pytest.mark.django_db
def test_the_code_page_remembers_where_the_leader_was_going(login, leader, device):
    response = login(leader).get(reverse("accounts:audit_log"))
    assert response["Location"] == f"{VERIFY}?next=%2Faccounts%2Faudit%2F"


@pytest.mark.django_db
def test_an_htmx_request_is_sent_to_the_code_page_by_a_client_redirect(login, leader, device):
    response = login(leader).get(reverse("home"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == VERIFY


@pytest.mark.django_db
def test_posting_to_a_page_without_the_code_changes_nothing(login, leader, device):
    response = login(leader).post(reverse("accounts:otp_setup"), {"action": "remove"})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


@pytest.mark.django_db
def test_a_wrong_code_is_refused_with_a_clear_message(login, leader, device, clock):
    client = login(leader)
    right = code_for(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"otp_token": wrong})
    assert response.status_code == 400
    assert "验证码不对" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_the_right_code_lets_the_leader_in(client, leader, device, clock):
    from linli import testing as t

    client.post(reverse("accounts:login"), {"username": "leader", "password": t.TEST_PASSWORD})
    assert client.get(reverse("home"))["Location"].startswith(VERIFY)
    response = client.post(VERIFY, {"otp_token": code_for(device), "next": "/accounts/audit/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/audit/"
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("accounts:audit_log")).status_code == 200


@pytest.mark.django_db
def test_the_code_page_does_not_send_the_leader_to_another_site(login, leader, device, clock):
    response = login(leader).post(
        VERIFY, {"otp_token": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
def test_a_code_cannot_be_used_twice(client, login, leader, device, clock):
    code = code_for(device)
    assert login(leader).post(VERIFY, {"otp_token": code}).status_code == 302
    client.post(reverse("accounts:logout"))
    assert login(leader).post(VERIFY, {"otp_token": code}).status_code == 400


@pytest.mark.django_db
def test_repeated_wrong_codes_lock_the_code_page_for_a_while(login, leader, device, clock):
    client = login(leader)
    for _ in range(4):
        clock.shift(dt.timedelta(seconds=30))
        right = code_for(device)
        client.post(VERIFY, {"otp_token": f"{(int(right) + 7) % 1_000_000:06d}"})
    # Four failures: the next try must wait 8 seconds; even the right code is refused.
    response = client.post(VERIFY, {"otp_token": code_for(device)})
    assert response.status_code == 400
    assert "错误次数过多" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302
    clock.shift(dt.timedelta(seconds=31))
    assert client.post(VERIFY, {"otp_token": code_for(device)}).status_code == 302
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_staff_without_an_app_are_not_asked_for_a_code(login, operator, leader):
    assert login(operator).get(reverse("home")).status_code == 200
    assert login(leader).get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_a_leader_turns_the_second_factor_on_with_a_first_code(login, leader, clock):
    client = login(leader)
    page = client.get(reverse("accounts:otp_setup")).content.decode()
    assert "<svg" in page
    pending = TOTPDevice.objects.get(user=leader, confirmed=False)
    from accounts.twofactor import manual_key

    assert manual_key(pending) in page
    # Nothing changes until the first code: pages still open without one.
    assert client.get(reverse("home")).status_code == 200
    response = client.post(
        reverse("accounts:otp_setup"), {"action": "confirm", "otp_token": code_for(pending)}
    )
    assert response.status_code == 302
    assert TOTPDevice.objects.get(pk=pending.pk).confirmed
    assert AuditLog.objects.filter(action="account.second_factor_on", actor=leader).exists()
    # The session that confirmed the app counts as verified.
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_a_wrong_first_code_does_not_turn_it_on(login, leader, clock):
    client = login(leader)
    client.get(reverse("accounts:otp_setup"))
    pending = TOTPDevice.objects.get(user=leader, confirmed=False)
    wrong = f"{(int(code_for(pending)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:otp_setup"), {"action": "confirm", "otp_token": wrong})
    assert response.status_code == 400
    assert "验证码不对" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=leader, confirmed=True).exists()


@pytest.mark.django_db
def test_the_qr_code_has_no_inline_style_or_script(login, leader):
    page = login(leader).get(reverse("accounts:otp_setup")).content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "style=" not in svg
    assert "<script" not in svg


@pytest.mark.django_db
def test_grid_workers_cannot_open_the_second_factor_page(login, grid_worker):
    assert login(grid_worker).get(reverse("accounts:otp_setup")).status_code == 403


@pytest.mark.django_db
def test_a_leader_turns_it_off_with_a_current_code(login, leader, device, clock):
    client = login(leader)
    client.post(VERIFY, {"otp_token": code_for(device)})
    clock.shift(dt.timedelta(seconds=30))
    response = client.post(
        reverse("accounts:otp_setup"), {"action": "remove", "otp_token": code_for(device)}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=leader).exists()
    assert AuditLog.objects.filter(action="account.second_factor_off").exists()


@pytest.mark.django_db
def test_a_required_role_must_enrol_before_anything_else(login, leader, settings):
    settings.LINLI_REQUIRE_2FA_ROLES = ["leader"]
    client = login(leader)
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("accounts:otp_setup"))
    assert client.get(reverse("accounts:otp_setup")).status_code == 200


@pytest.mark.django_db
def test_a_required_role_cannot_turn_it_off(login, leader, device, settings, clock):
    settings.LINLI_REQUIRE_2FA_ROLES = ["leader"]
    client = login(leader)
    client.post(VERIFY, {"otp_token": code_for(device)})
    clock.shift(dt.timedelta(seconds=30))
    response = client.post(
        reverse("accounts:otp_setup"), {"action": "remove", "otp_token": code_for(device)}
    )
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


@pytest.mark.django_db
def test_an_administrator_resets_a_lost_phone_in_the_admin_and_it_is_audited(
    client, leader, device
):
    from linli import testing as t

    root = t.make_user("root", is_staff=True, is_superuser=True)
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    entry = AuditLog.objects.get(action="account.second_factor_reset")
    assert entry.object_id == str(leader.pk)
    assert device.key not in str(entry.before) + str(entry.after) + entry.note


@pytest.mark.django_db
def test_after_a_reset_the_leader_is_no_longer_asked(login, leader, device):
    client = login(leader)
    assert client.get(reverse("home")).status_code == 302
    device.delete()
    assert client.get(VERIFY).status_code == 302
    assert client.get(reverse("home")).status_code == 200
