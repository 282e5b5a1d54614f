"""The outbox: every message to staff is a ``Notification`` row first, then goes out.

``notify()`` only writes the row, inside the caller's transaction, so a message exists
exactly when the change it reports was committed. After the commit, the pending rows
are handed to the channels listed in ``settings.LINLI_NOTIFY_CHANNELS`` (by default:
"store" — the in-app inbox, which needs nothing more — and "log"). A channel that
fails leaves the row ``failed``; the periodic ``hotline.tasks.deliver_notifications``
task retries it up to ``MAX_ATTEMPTS`` times, and takes again a row left ``sending``
for longer than ``CLAIM_LEASE`` by a worker that died. Delivery is at least once.

A channel is any class with a ``name`` and ``send(notification)``; see
docs/notifications.md for an SMS adapter.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils.module_loading import import_string

from hotline import clock
from hotline.models import Notification

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Sending one message takes seconds (an SMS gateway's timeout included); a row still
# "sending" after this long was left by a worker that stopped (killed, restarted).
CLAIM_LEASE = dt.timedelta(minutes=10)
ABANDONED = "the worker stopped while sending it"
DEFAULT_CHANNELS = ["hotline.notify.StoreChannel", "hotline.notify.LogChannel"]


class Channel:
    """How a notification leaves the outbox. Subclasses override ``send``.

    ``send`` raises on failure (the row is marked failed and retried later) and returns
    normally on success. ``wants`` lets a channel skip some notifications (an SMS
    channel might send only escalations and supervision).
    """

    name = "channel"

    def wants(self, notification: Notification) -> bool:
        return True

    def send(self, notification: Notification) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class StoreChannel(Channel):
    """The in-app inbox: the stored row is the message, so there is nothing to send."""

    name = "store"

    def send(self, notification: Notification) -> None:
        return None


class LogChannel(Channel):
    """Writes one log line per notification (phone numbers are masked by the log filter)."""

    name = "log"

    def send(self, notification: Notification) -> None:
        logger.info(
            "notify %s → user %s: %s",
            notification.kind,
            notification.recipient_id,
            notification.subject,
        )


@lru_cache(maxsize=8)
def _load_channels(paths: tuple[str, ...]) -> tuple[Channel, ...]:
    return tuple(import_string(path)() for path in paths)


def channels() -> tuple[Channel, ...]:
    paths = getattr(settings, "LINLI_NOTIFY_CHANNELS", None) or DEFAULT_CHANNELS
    return _load_channels(tuple(paths))


def notify(recipient, *, kind: str, subject: str, body: str = "", link: str = "", order=None):
    """Put a message for ``recipient`` (a staff account) in the outbox.

    Returns the Notification, or None when there is nobody to tell (no account, or an
    inactive one). Delivery happens after the surrounding transaction commits.
    """
    if recipient is None or not getattr(recipient, "is_active", False):
        return None
    if not link and order is not None:
        link = _order_link(order)
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        subject=str(subject)[:200],
        body=str(body),
        link=link[:200],
        order=order,
        created_at=clock.now(),
    )
    _schedule_delivery()
    return notification


def _order_link(order) -> str:
    from django.urls import NoReverseMatch, reverse

    for name in ("hotline:order", "hotline:order_detail"):
        try:
            return reverse(name, args=[order.pk])
        except NoReverseMatch:
            continue
    return ""


def _deliver_after_commit() -> None:
    from hotline import tasks

    try:
        tasks.deliver_notifications.enqueue()
    except Exception:
        # The periodic task picks the rows up anyway; a queue hiccup loses nothing.
        logger.exception("could not enqueue notification delivery")


def _schedule_delivery() -> None:
    """One delivery per transaction, however many notifications it wrote."""
    if getattr(settings, "LINLI_NOTIFY_DEFER", False):
        return
    if connection.in_atomic_block:
        for _sids, func, _robust in connection.run_on_commit:
            if func is _deliver_after_commit:
                return
    transaction.on_commit(_deliver_after_commit)


def deliver(notification: Notification) -> bool:
    """Send one claimed notification through every channel that wants it."""
    used: list[str] = []
    try:
        for channel in channels():
            if channel.wants(notification):
                channel.send(notification)
                used.append(channel.name)
    except Exception as exc:
        logger.warning("notification %s failed: %s", notification.pk, exc)
        Notification.objects.filter(pk=notification.pk).update(
            status=Notification.Status.FAILED, error=str(exc)[:300], channel=",".join(used)[:20]
        )
        return False
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SENT, sent_at=clock.now(), channel=",".join(used)[:20], error=""
    )
    return True


def deliver_pending(limit: int = 500) -> int:
    """Send pending notifications, retry failed ones and take again the ones a dead
    worker left "sending"; returns how many were sent.

    Each row is claimed with a conditional UPDATE, so two workers never send the same
    row at once.
    """
    Status = Notification.Status
    now = clock.now()
    abandoned = Q(status=Status.SENDING) & (
        Q(claimed_at__lt=now - CLAIM_LEASE) | Q(claimed_at__isnull=True)
    )
    # Abandoned on its last attempt: no more tries, but visible as failed, not "sending".
    Notification.objects.filter(abandoned, attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, error=ABANDONED
    )
    sent = 0
    ids = list(
        Notification.objects.filter(
            Q(status__in=(Status.PENDING, Status.FAILED)) | abandoned,
            attempts__lt=MAX_ATTEMPTS,
        )
        .order_by("created_at", "id")
        .values_list("id", "status", "attempts")[:limit]
    )
    for pk, status, attempts in ids:
        # The attempt count makes the claim conditional even on a row taken again
        # from "sending": of two workers, one moves it on and the other finds 0 rows.
        claimed = Notification.objects.filter(pk=pk, status=status, attempts=attempts).update(
            status=Status.SENDING, attempts=attempts + 1, claimed_at=now
        )
        if not claimed:
            continue
        notification = Notification.objects.select_related("recipient", "order").get(pk=pk)
        if deliver(notification):
            sent += 1
    return sent
