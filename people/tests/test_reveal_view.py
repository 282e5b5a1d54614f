"""The reveal button: one click with a reason, answered by an htmx fragment."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditLog
from people.tests.factories import make_resident


@pytest.fixture
def wang(operator, community, household):
    return make_resident(operator, community, "王秀兰", household=household, phones=["13800001234"])


def reveal(client, resident, reason="回访"):
    return client.post(
        reverse("people:reveal", args=[resident.pk]),
        {"field": f"phone:{resident.phones.get().pk}", "reason": reason},
        HTTP_HX_REQUEST="true",
    )


def test_a_reason_reveals_the_number_and_writes_the_access_log(login, operator, wang):
    response = reveal(login(operator), wang)
    assert response.status_code == 200
    assert "13800001234" in response.content.decode()
    entry = AuditLog.objects.get(action="resident.reveal_phone")
    assert (entry.actor, entry.object_id, entry.note) == (operator, str(wang.pk), "回访")


def test_without_a_reason_nothing_is_revealed(login, operator, wang):
    response = reveal(login(operator), wang, reason="")
    assert response.status_code == 400
    assert "13800001234" not in response.content.decode()
    assert not AuditLog.objects.filter(action="resident.reveal_phone").exists()


def test_the_reveal_shows_in_the_leaders_audit_log(login, operator, leader, wang):
    reveal(login(operator), wang)
    response = login(leader).get(reverse("accounts:audit_log") + "?action=resident.reveal")
    assert "王秀兰" in response.content.decode()


def test_a_committee_member_cannot_reveal(login, committee_member, wang):
    response = reveal(login(committee_member), wang)
    assert "13800001234" not in response.content.decode()
    assert not AuditLog.objects.filter(action="resident.reveal_phone").exists()


@pytest.mark.parametrize("actor", ["outsider", "grid_worker_b"])
def test_outsiders_get_404(request, login, actor, wang):
    assert reveal(login(request.getfixturevalue(actor)), wang).status_code == 404
