"""The audit log: written by changes, readable by leaders and admins in their scope."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import AuditLog, Role
from linli import testing as t
from linli.lib.errors import NotAllowed, ServiceError


@pytest.mark.django_db
def test_an_admin_edit_of_a_compound_is_written_to_the_audit_log(client, compound):
    root = t.make_user("root", is_staff=True, is_superuser=True)
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("admin:places_compound_change", args=[compound.pk])
    response = client.post(
        url,
        {
            "grid": compound.grid_id,
            "name": "供销巷小区",
            "kind": "compound",
            "address": "",
            "is_old": "on",
            "is_open": "on",
            "year_built": "1993",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditLog.objects.get(action="compound.update")
    assert entry.actor == root
    assert entry.channel == "admin"
    assert entry.before == {"year_built": 1995}
    assert entry.after == {"year_built": 1993}


@pytest.mark.django_db
def test_creating_an_account_needs_the_admin_role(operator, admin_user):
    with pytest.raises(NotAllowed):
        services.create_staff_account(
            acting_user=operator, username="new", password="a-long-enough-pass"
        )
    user = services.create_staff_account(
        acting_user=admin_user, username="new", password="a-long-enough-pass"
    )
    assert AuditLog.objects.filter(action="account.create", object_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_a_weak_password_is_refused_and_nothing_is_written(admin_user):
    with pytest.raises(ServiceError):
        services.create_staff_account(acting_user=admin_user, username="new", password="123")
    assert not AuditLog.objects.filter(action="account.create").exists()


@pytest.mark.django_db
def test_a_role_is_granted_over_exactly_one_place(admin_user, community, grid):
    user = t.make_user("someone")
    with pytest.raises(ServiceError):
        services.grant_role(
            acting_user=admin_user, user=user, role=Role.OPERATOR, community=community, grid=grid
        )
    services.grant_role(acting_user=admin_user, user=user, role=Role.OPERATOR, community=community)
    assert user.has_role(Role.OPERATOR)


@pytest.mark.django_db
def test_leaders_read_the_audit_log_of_their_community_only(
    login, leader, community, other_community, admin_user
):
    from accounts import audit

    audit.record(
        admin_user, "test.here", object_type="x", object_repr="本社区", community_id=community.pk
    )
    audit.record(
        admin_user,
        "test.there",
        object_type="x",
        object_repr="邻社区",
        community_id=other_community.pk,
    )
    content = login(leader).get(reverse("accounts:audit_log")).content.decode()
    assert "本社区" in content
    assert "邻社区" not in content


@pytest.mark.django_db
def test_grid_workers_cannot_read_the_audit_log(login, grid_worker):
    assert login(grid_worker).get(reverse("accounts:audit_log")).status_code == 403


@pytest.mark.django_db
def test_the_audit_log_cannot_be_changed_in_the_admin(client, admin_user):
    root = t.make_user("root", is_staff=True, is_superuser=True)
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    from accounts import audit

    entry = audit.record(admin_user, "test.x", object_type="x")
    assert client.get(reverse("admin:accounts_auditlog_delete", args=[entry.pk])).status_code == 403
    assert (
        client.post(reverse("admin:accounts_auditlog_change", args=[entry.pk]), {}).status_code
        == 403
    )
