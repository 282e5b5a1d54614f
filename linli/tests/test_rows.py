"""rows.insert writes what Model.save() would, for the models that use it."""

import datetime as dt

import pytest
from django.db import models
from django.forms.models import model_to_dict
from django.utils import timezone

from accounts.models import AuditLog, User
from hotline.models import Order, OrderContact, OrderEvent
from linli.lib import rows

# Every model whose rows go in through rows.insert (hotline services, the audit trail).
INSERTED = [AuditLog, Order, OrderContact, OrderEvent]


def _stored(obj):
    fresh = type(obj).objects.get(pk=obj.pk)
    return {k: v for k, v in model_to_dict(fresh).items() if k != "id"} | {"at": fresh.at}


@pytest.mark.django_db
def test_an_inserted_row_reads_back_as_a_saved_one():
    actor = User.objects.create_user("rows-actor")
    values = dict(
        actor=actor,
        action="order.create",
        channel=AuditLog.Channel.PHONE,
        object_type="hotline.order",
        object_id="7",
        object_repr="HLD202611290001 屋顶漏水",
        before={"state": "received"},
        after={"state": "resolved", "words": ["谢谢", 3, None]},
        note="",
    )
    saved = AuditLog.objects.create(**values)
    inserted = rows.insert(AuditLog(**values))

    assert inserted.pk is not None and inserted.pk != saved.pk
    assert inserted._state.adding is False
    assert _stored(inserted) | {"at": None} == _stored(saved) | {"at": None}
    # auto_now_add filled in, as save() does.
    assert abs(_stored(inserted)["at"] - timezone.now()) < dt.timedelta(minutes=1)


@pytest.mark.django_db
def test_a_row_that_exists_is_not_inserted_again():
    entry = rows.insert(AuditLog(action="x", object_type="y"))
    with pytest.raises(ValueError, match="already has a primary key"):
        rows.insert(entry)
    assert AuditLog.objects.filter(action="x").count() == 1


@pytest.mark.parametrize("model", INSERTED, ids=lambda m: m.__name__)
def test_nothing_listens_to_the_models_inserted_without_save(model):
    # insert() sends no save signals and skips save() overrides: if one appears,
    # the hotline's writes would silently bypass it.
    assert not rows.listened_to(model)
    assert model.save is models.Model.save
