"""Administrators edit categories, time limits and providers in the admin; orders are
read-only there, and a community's administrator sees only their community."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import AuditLog
from hotline.models import Category, ServiceProvider, SlaLimit
from hotline.tests.factories import make_order, make_provider
from linli import testing as t

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(login):
    user = t.make_user("root", is_staff=True, is_superuser=True)
    return login(user)


@pytest.fixture
def community_admin(admin_user, login):
    admin_user.user_permissions.set(Permission.objects.filter(content_type__app_label="hotline"))
    return login(admin_user)


def test_renaming_a_category_refreshes_its_pinyin_and_is_audited(root):
    drains = Category.objects.get(code="drain_blockage")
    url = reverse("admin:hotline_category_change", args=[drains.pk])
    assert root.get(url).status_code == 200
    data = {
        "code": "drain_blockage",
        "name": "下水管道不通",
        "group": "维修",
        "description": "",
        "default_urgency": "urgent",
        "default_level": "grid",
        "unit": "",
        "provider_trade": "drain_clearing",
        "volunteer_skill": "",
        "is_active": "on",
        "order": "30",
        "sla_limits-TOTAL_FORMS": "1",
        "sla_limits-INITIAL_FORMS": "0",
        "sla_limits-MIN_NUM_FORMS": "0",
        "sla_limits-MAX_NUM_FORMS": "1000",
        "sla_limits-0-urgency": "urgent",
        "sla_limits-0-response_amount": "20",
        "sla_limits-0-response_unit": "minutes",
        "sla_limits-0-resolution_amount": "12",
        "sla_limits-0-resolution_unit": "hours",
        "sla_limits-0-warn_before_minutes": "5",
    }
    response = root.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    drains.refresh_from_db()
    assert drains.name_pinyin == "xiashuiguandaobutong"
    assert drains.name_initials == "xsgdbt"
    assert drains.default_urgency == "urgent"
    assert SlaLimit.objects.get(category=drains).response_amount == 20
    assert AuditLog.objects.filter(action="category.update", channel="admin").exists()


def test_a_provider_added_in_the_admin_has_an_encrypted_phone(root, community):
    response = root.post(
        reverse("admin:hotline_serviceprovider_add"),
        {
            "community": community.pk,
            "name": "老马电视维修",
            "trade": "appliance_repair",
            "trade_label": "电视维修",
            "area": "城关",
            "notes": "",
            "is_active": "on",
            "phone": "13912345678",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    provider = ServiceProvider.objects.get()
    assert provider.masked == "139****5678"
    assert "13912345678" not in provider.number_encrypted
    assert provider.reveal() == "13912345678"


def test_a_bad_provider_phone_is_refused_with_a_reason(root, community):
    response = root.post(
        reverse("admin:hotline_serviceprovider_add"),
        {
            "community": community.pk,
            "name": "某师傅",
            "trade": "plumber",
            "trade_label": "水暖",
            "phone": "12345",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert not ServiceProvider.objects.exists()


def test_orders_are_read_only_in_the_admin(root, operator, household):
    order = make_order(operator, household=household)
    assert root.get(reverse("admin:hotline_order_changelist")).status_code == 200
    page = root.get(reverse("admin:hotline_order_change", args=[order.pk]))
    assert page.status_code == 200
    assert order.number in page.content.decode()
    assert root.get(reverse("admin:hotline_order_add")).status_code == 403


def test_a_community_admin_sees_only_their_communitys_providers_and_orders(
    community_admin, operator, household, other_community, other_household
):
    ours = make_provider(household.building.compound.grid.community, "本社区师傅")
    make_provider(other_community, "外社区师傅")
    page = community_admin.get(reverse("admin:hotline_serviceprovider_changelist"))
    assert page.status_code == 200
    body = page.content.decode()
    assert ours.name in body and "外社区师傅" not in body
    other_operator = t.make_user("op_other", role=t.Role.OPERATOR, community=other_community)
    theirs = make_order(other_operator, household=other_household)
    assert (
        community_admin.get(reverse("admin:hotline_order_change", args=[theirs.pk])).status_code
        == 302
    )
