"""API keys: made by administrators, stored as hashes, acting as service accounts."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AuditLog, Role
from linli.lib.errors import NotAllowed, NotFound, ServiceError
from open311 import services, tokens
from open311.models import ApiToken

pytestmark = pytest.mark.django_db


def test_a_key_is_stored_only_as_prefix_and_hash(admin_user, community):
    token, key = services.create_api_token(
        acting_user=admin_user, name="县12345平台", community=community, scopes=["orders:read"]
    )
    assert key.startswith(f"linli_{token.key_prefix}_")
    assert token.key_hash == tokens.hash_key(key)
    assert key not in str(ApiToken.objects.values().get())
    assert tokens.find_token(key) == token
    assert tokens.find_token(key[:-1]) is None


def test_the_service_account_cannot_log_in_and_holds_the_grant(admin_user, community):
    token, _key = services.create_api_token(
        acting_user=admin_user, name="app", community=community, scopes=["orders:read"]
    )
    assert not token.user.has_usable_password()
    grant = token.user.grants.get()
    assert (grant.role, grant.community) == (Role.OPERATOR, community)


def test_making_a_key_is_audited(admin_user, community):
    token, key = services.create_api_token(
        acting_user=admin_user, name="app", community=community, scopes=["orders:read"]
    )
    entry = AuditLog.objects.get(action="api_token.create")
    assert entry.actor == admin_user
    assert token.key_hash not in str(entry.after)
    assert key not in str(entry.after)


def test_only_administrators_make_keys(operator, community):
    with pytest.raises(NotAllowed):
        services.create_api_token(
            acting_user=operator, name="app", community=community, scopes=["orders:read"]
        )


def test_an_administrator_of_another_community_cannot_make_keys_here(community, other_community):
    from linli import testing as t

    stranger = t.make_user("admin_b", role=Role.ADMIN, community=other_community)
    with pytest.raises(NotFound):
        services.create_api_token(
            acting_user=stranger, name="app", community=community, scopes=["orders:read"]
        )


@pytest.mark.parametrize(
    "fields",
    [
        {"scopes": ["orders:delete"]},
        {"scopes": []},
        {"name": " "},
        {"role": Role.ADMIN},
        {"rate_limit_per_minute": 0},
    ],
)
def test_bad_token_settings_are_refused(admin_user, community, fields):
    args = {"name": "app", "scopes": ["orders:read"], **fields}
    with pytest.raises(ServiceError):
        services.create_api_token(acting_user=admin_user, community=community, **args)
    assert not ApiToken.objects.exists()


def test_a_grid_of_another_community_is_refused(admin_user, community, other_grid):
    with pytest.raises(ServiceError):
        services.create_api_token(
            acting_user=admin_user,
            name="app",
            community=community,
            scopes=["orders:read"],
            grid=other_grid,
        )


def test_a_revoked_or_expired_key_stops_working(admin_user, community):
    from datetime import timedelta

    from django.utils import timezone

    token, key = services.create_api_token(
        acting_user=admin_user, name="app", community=community, scopes=["orders:read"]
    )
    services.revoke_api_token(acting_user=admin_user, token=token)
    assert tokens.find_token(key) is None
    assert AuditLog.objects.filter(action="api_token.revoke").exists()
    _token, expiring = services.create_api_token(
        acting_user=admin_user,
        name="old",
        community=community,
        scopes=["orders:read"],
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    assert tokens.find_token(expiring) is None


def test_the_command_prints_the_key_once(admin_user, community, grid):
    out = io.StringIO()
    call_command(
        "create_api_token",
        by=admin_user.username,
        community=community.code,
        name="县12345平台",
        role="grid_worker",
        grid=grid.number,
        scopes="orders:read,orders:write",
        stdout=out,
    )
    key = out.getvalue().strip().splitlines()[-1]
    token = tokens.find_token(key)
    assert token.scopes == ["orders:read", "orders:write"]
    assert token.user.grants.get().grid == grid
    assert AuditLog.objects.get(action="api_token.create").channel == "command"


def test_the_command_refuses_a_non_administrator(operator, community):
    with pytest.raises(CommandError):
        call_command("create_api_token", by=operator.username, community=community.code, name="x")


def test_the_admin_revoke_action_goes_through_the_service(login, community):
    from linli import testing as t

    superuser = t.make_user("root", is_superuser=True, is_staff=True)
    admin_client = login(superuser)
    token, key = services.create_api_token(
        acting_user=superuser, name="app", community=community, scopes=["orders:read"]
    )
    response = admin_client.post(
        "/admin/open311/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    assert tokens.find_token(key) is None
    assert AuditLog.objects.get(action="api_token.revoke").channel == "admin"
    page = admin_client.get(f"/admin/open311/apitoken/{token.pk}/change/")
    assert token.key_hash not in page.content.decode()
