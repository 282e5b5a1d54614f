"""The admin's forms offer and accept only the administrator's places and people.

An administrator of community B (崇相西社区) works in the same admin site as A's
(葫芦岛社区). Their lists were already cut to B; these tests are about the forms: the
drop-downs and inlines must not list A's places, and a forged POST naming A's ids —
a role over A for themselves, a volunteer moved to A's grid — is refused with a clear
message and writes nothing.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import AuditLog, RoleGrant, User
from linli import testing as t
from linli.lib.admin import OUT_OF_SCOPE
from people.models import Volunteer

pytestmark = pytest.mark.django_db


def _admin_of(community, username):
    user = t.make_user(username, role=t.Role.ADMIN, community=community, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["accounts", "people", "places"])
    )
    return user


@pytest.fixture
def b_admin(other_community):
    return _admin_of(other_community, "admin_b")


@pytest.fixture
def b_worker(other_grid):
    return t.make_user("grid_b1", role=t.Role.GRID_WORKER, grid=other_grid)


def _user_form(user, grants, **fields):
    """The admin's change form for ``user`` as a browser posts it, with ``grants`` as
    the RoleGrant inline's rows (each a dict; an ``id`` for an existing one)."""
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "phone_extension": "",
        "is_active": "on",
        "is_staff": "on" if user.is_staff else "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "08:00:00",
        "grants-TOTAL_FORMS": str(len(grants)),
        "grants-INITIAL_FORMS": str(sum(1 for g in grants if g.get("id"))),
        "grants-MIN_NUM_FORMS": "0",
        "grants-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for i, grant in enumerate(grants):
        row = {"user": user.pk, "role": "", "region": "", "community": "", "grid": ""}
        row |= {"compound": "", "id": ""} | grant
        data |= {f"grants-{i}-{k}": v for k, v in row.items()}
    return data


def _change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def test_an_admin_of_b_cannot_grant_themselves_a_role_over_community_a(
    login, b_admin, community, other_community
):
    own = b_admin.grants.get()
    data = _user_form(
        b_admin,
        [
            {"id": own.pk, "role": "admin", "community": other_community.pk},
            {"role": "admin", "community": community.pk},
        ],
    )
    audit_rows = AuditLog.objects.count()

    response = login(b_admin).post(_change_url(b_admin), data)

    assert response.status_code == 200  # the form again, with the error
    assert str(OUT_OF_SCOPE) in response.content.decode()
    assert list(b_admin.grants.values_list("community_id", flat=True)) == [other_community.pk]
    assert AuditLog.objects.count() == audit_rows


@pytest.mark.parametrize("place", ["grid", "compound", "region"])
def test_nor_a_role_over_a_grid_compound_or_the_county_of_a(
    login, b_admin, b_worker, grid, compound, region, place
):
    # region: both communities' county. A community's administrator hands out no
    # county-wide role, or it would cover community A.
    chosen = {"grid": grid, "compound": compound, "region": region}[place]
    data = _user_form(
        b_worker,
        [
            {
                "id": b_worker.grants.get().pk,
                "role": "grid_worker",
                "grid": b_worker.grants.get().grid_id,
            },
            {"role": "grid_worker", place: chosen.pk},
        ],
    )

    response = login(b_admin).post(_change_url(b_worker), data)

    assert response.status_code == 200
    assert str(OUT_OF_SCOPE) in response.content.decode()
    assert b_worker.grants.count() == 1


def test_a_grant_inside_b_is_saved_and_audited(
    login, b_admin, b_worker, other_grid, other_compound
):
    data = _user_form(
        b_worker,
        [
            {"id": b_worker.grants.get().pk, "role": "grid_worker", "grid": other_grid.pk},
            {"role": "committee", "compound": other_compound.pk},
        ],
    )

    response = login(b_admin).post(_change_url(b_worker), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(b_worker.grants.values_list("role", "compound_id")) == {
        ("grid_worker", None),
        ("committee", other_compound.pk),
    }
    assert AuditLog.objects.filter(action="user.update", actor=b_admin).exists()


def test_the_forms_do_not_list_a_s_places(login, b_admin, community, other_community, region):
    page = login(b_admin).get(_change_url(b_admin)).content.decode()
    community_choices = page[page.index('name="grants-0-community"') :]
    community_choices = community_choices[: community_choices.index("</select>")]
    assert other_community.name in community_choices
    assert community.name not in community_choices
    region_choices = page[page.index('name="grants-0-region"') :]
    assert region.name not in region_choices[: region_choices.index("</select>")]

    volunteer_form = login(b_admin).get(reverse("admin:people_volunteer_add")).content.decode()
    assert other_community.name in volunteer_form
    assert community.name not in volunteer_form


def test_the_autocomplete_behind_the_grid_field_finds_only_b_s_grids(
    login, b_admin, grid, other_grid
):
    response = login(b_admin).get(
        reverse("admin:autocomplete"),
        {"app_label": "accounts", "model_name": "rolegrant", "field_name": "grid", "term": ""},
    )
    names = {row["text"] for row in response.json()["results"]}
    assert str(other_grid) in names
    assert str(grid) not in names


def test_a_forged_volunteer_in_a_s_grid_is_refused(login, b_admin, other_community, grid):
    response = login(b_admin).post(
        reverse("admin:people_volunteer_add"),
        {
            "community": other_community.pk,
            "grid": grid.pk,
            "name": "赵建国",
            "kind": "resident",
            "skills": "[]",
            "availability": "",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert str(OUT_OF_SCOPE) in response.content.decode()
    assert not Volunteer.objects.exists()


def test_another_community_s_grants_of_the_same_person_stay_out_of_the_form(
    login, b_admin, b_worker, community
):
    # The worker also helps in community A; B's administrator neither sees nor drops it.
    RoleGrant.objects.create(user=b_worker, role="operator", community=community)
    page = login(b_admin).get(_change_url(b_worker)).content.decode()
    assert 'name="grants-INITIAL_FORMS" value="1"' in page

    data = _user_form(
        b_worker,
        [
            {
                "id": b_worker.grants.get(grid__isnull=False).pk,
                "role": "grid_worker",
                "grid": b_worker.grants.get(grid__isnull=False).grid_id,
            }
        ],
    )
    assert login(b_admin).post(_change_url(b_worker), data).status_code == 302
    assert b_worker.grants.filter(community=community).exists()


def test_only_a_superuser_makes_superusers_or_hands_out_permissions(login, b_admin):
    grant = b_admin.grants.get()
    held = set(b_admin.user_permissions.values_list("pk", flat=True))
    extra = Permission.objects.filter(content_type__app_label="auth").values_list("pk", flat=True)
    data = _user_form(
        b_admin,
        [{"id": grant.pk, "role": "admin", "community": grant.community_id}],
        is_superuser="on",
        user_permissions=[*held, *extra],
    )

    login(b_admin).post(_change_url(b_admin), data)

    b_admin.refresh_from_db()
    assert not b_admin.is_superuser
    assert set(b_admin.user_permissions.values_list("pk", flat=True)) == held


def test_a_superuser_keeps_every_choice(login, b_admin, community):
    root = User.objects.create_superuser("root", password=t.TEST_PASSWORD)
    data = _user_form(
        b_admin,
        [
            {
                "id": b_admin.grants.get().pk,
                "role": "admin",
                "community": b_admin.grants.get().community_id,
            },
            {"role": "operator", "community": community.pk},
        ],
    )

    response = login(root).post(_change_url(b_admin), data)

    assert response.status_code == 302
    assert b_admin.grants.filter(community=community).exists()


def test_the_list_filters_do_not_name_a_s_places(login, b_admin, community, grid, other_grid):
    # The grids list filters by community, the compounds list by the grid's community:
    # B's administrator has only B to filter by, and must not be shown A's name.
    for name in ("admin:places_grid_changelist", "admin:places_compound_changelist"):
        response = login(b_admin).get(reverse(name))
        assert response.status_code == 200
        assert community.name not in response.content.decode()
