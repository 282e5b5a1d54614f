"""The outbox: a notification is stored with the change it reports, and sent through the
configured channels only after that change is committed."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from hotline import notify, tasks
from hotline.models import Notification

pytestmark = pytest.mark.django_db

SENT: list = []


class RecordingChannel(notify.Channel):
    name = "record"

    def send(self, notification):
        SENT.append(notification.subject)


class FailingChannel(notify.Channel):
    name = "sms"

    def send(self, notification):
        raise RuntimeError("gateway down")


class OnlyEscalations(RecordingChannel):
    name = "only"

    def wants(self, notification):
        return notification.kind == "escalated"


@pytest.fixture(autouse=True)
def _clear():
    SENT.clear()
    notify._load_channels.cache_clear()
    yield
    notify._load_channels.cache_clear()


def test_a_notification_is_sent_by_the_default_channels_after_commit(
    operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        note = notify.notify(operator, kind="test", subject="有新工单")
        assert Notification.objects.get(pk=note.pk).status == "pending"
    note.refresh_from_db()
    assert note.status == "sent"
    assert note.channel == "store,log"
    assert note.sent_at is not None
    assert note.attempts == 1


def test_many_notifications_in_one_transaction_schedule_one_delivery(
    operator, leader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            for user in (operator, leader, operator):
                notify.notify(user, kind="test", subject="x")
    assert len(callbacks) == 1


def test_nothing_is_stored_or_sent_when_the_change_is_rolled_back(
    operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify.notify(operator, kind="test", subject="x")
            raise RuntimeError("the change failed")
    assert not Notification.objects.exists()
    assert callbacks == []


def test_nobody_to_tell_means_no_notification(operator):
    operator.is_active = False
    assert notify.notify(operator, kind="test", subject="x") is None
    assert notify.notify(None, kind="test", subject="x") is None
    assert not Notification.objects.exists()


def test_a_configured_channel_receives_the_message(operator, settings):
    settings.LINLI_NOTIFY_CHANNELS = [f"{__name__}.RecordingChannel"]
    notify.notify(operator, kind="test", subject="路灯工单已派")
    assert notify.deliver_pending() == 1
    assert SENT == ["路灯工单已派"]
    assert Notification.objects.get().channel == "record"


def test_a_channel_may_take_only_some_kinds(operator, settings):
    settings.LINLI_NOTIFY_CHANNELS = [f"{__name__}.OnlyEscalations"]
    notify.notify(operator, kind="dispatched", subject="派单")
    notify.notify(operator, kind="escalated", subject="升级")
    assert notify.deliver_pending() == 2
    assert SENT == ["升级"]


def test_a_failed_send_is_kept_and_retried_until_the_limit(operator, settings):
    settings.LINLI_NOTIFY_CHANNELS = [f"{__name__}.FailingChannel"]
    note = notify.notify(operator, kind="escalated", subject="升级")
    for attempt in range(1, notify.MAX_ATTEMPTS + 1):
        assert notify.deliver_pending() == 0
        note.refresh_from_db()
        assert note.status == "failed" and note.attempts == attempt
        assert "gateway down" in note.error
    notify.deliver_pending()
    note.refresh_from_db()
    assert note.attempts == notify.MAX_ATTEMPTS  # given up; it stays visible as failed


def test_a_sent_notification_is_not_sent_again(operator, settings):
    settings.LINLI_NOTIFY_CHANNELS = [f"{__name__}.RecordingChannel"]
    notify.notify(operator, kind="test", subject="一次")
    assert notify.deliver_pending() == 1
    assert notify.deliver_pending() == 0
    assert SENT == ["一次"]


def test_the_delivery_task_is_periodic_and_sends_the_outbox(operator, settings):
    from django.apps import apps

    settings.LINLI_NOTIFY_CHANNELS = [f"{__name__}.RecordingChannel"]
    assert (60, "hotline.tasks.deliver_notifications") in apps.get_app_config(
        "hotline"
    ).periodic_tasks
    notify.notify(operator, kind="test", subject="任务发送")
    assert tasks.deliver_notifications.enqueue().return_value == 1
    assert SENT == ["任务发送"]


def _claimed_by_a_worker_that_died(note, *, minutes_ago: int, attempts: int = 1):
    """What a worker killed between taking a row and sending it leaves behind."""
    Notification.objects.filter(pk=note.pk).update(
        status="sending",
        attempts=attempts,
        claimed_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )


def test_a_message_left_sending_by_a_dead_worker_is_sent_after_the_lease(operator, settings):
    settings.LINLI_NOTIFY_CHANNELS = [f"{__name__}.RecordingChannel"]
    note = notify.notify(operator, kind="escalated", subject="升级到社区")
    _claimed_by_a_worker_that_died(note, minutes_ago=2)
    assert notify.deliver_pending() == 0  # maybe still being sent: left alone
    assert SENT == []

    _claimed_by_a_worker_that_died(note, minutes_ago=11)
    assert notify.deliver_pending() == 1
    note.refresh_from_db()
    assert (note.status, note.attempts, SENT) == ("sent", 2, ["升级到社区"])
    assert notify.deliver_pending() == 0
    assert SENT == ["升级到社区"]


def test_a_message_abandoned_on_its_last_attempt_shows_as_failed(operator, settings):
    settings.LINLI_NOTIFY_CHANNELS = [f"{__name__}.RecordingChannel"]
    note = notify.notify(operator, kind="supervised", subject="督办")
    _claimed_by_a_worker_that_died(note, minutes_ago=30, attempts=notify.MAX_ATTEMPTS)
    assert notify.deliver_pending() == 0
    note.refresh_from_db()
    assert (note.status, note.error) == ("failed", notify.ABANDONED)
    assert SENT == []
