"""manage.py simulate_call 13800001234 [--extension 8002]

Play a phone call into the hotline: "ringing", then (unless --no-answer) "answered",
optionally "ended". The events go through the real endpoint, POST
/api/telephony/calls — in this process by default, or to a running server with --url —
so the operator logged in at the extension sees the caller's card pop up.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from accounts.models import User
from hotline import telephony
from places.models import Community


class Command(BaseCommand):
    help = "Simulate a call from NUMBER: ringing → answered (→ ended) through the CTI endpoint."

    def add_arguments(self, parser):
        parser.add_argument("number", help="The calling number, e.g. 13800001234")
        parser.add_argument("--extension", default="", help="The desk extension that rings")
        parser.add_argument("--community", default="", help="The community's code")
        parser.add_argument(
            "--key",
            default=os.environ.get("LINLI_TELEPHONY_KEY", ""),
            help="An integration key (default: $LINLI_TELEPHONY_KEY, else a fresh simulator key)",
        )
        parser.add_argument(
            "--url", default="", help="Post to a running server instead, e.g. http://127.0.0.1:8100"
        )
        parser.add_argument("--call-id", default="", help="The call id (default: a new one)")
        parser.add_argument("--answer-after", type=float, default=2.0, help="Seconds of ringing")
        parser.add_argument("--no-answer", action="store_true", help="Ring only (a missed call)")
        parser.add_argument(
            "--end-after", type=float, default=None, help="Hang up after this many seconds"
        )

    def handle(self, *args, **options):
        extension = options["extension"]
        community = self._community(options["community"], extension)
        if not extension:
            extension = self._default_extension(community)
        key = options["key"] or telephony.simulator_key(community)
        call_id = options["call_id"] or f"sim-{uuid.uuid4().hex[:12]}"
        base = {"call_id": call_id, "caller": options["number"], "extension": extension}
        self._post(options, key, {**base, "event": "ringing"})
        if options["no_answer"]:
            return
        time.sleep(max(0.0, options["answer_after"]))
        self._post(options, key, {**base, "event": "answered"})
        if options["end_after"] is not None:
            time.sleep(max(0.0, options["end_after"]))
            self._post(options, key, {**base, "event": "ended"})

    def _community(self, code: str, extension: str) -> Community:
        if code:
            found = Community.objects.filter(code=code).first()
            if found is None:
                raise CommandError(f"No community with the code {code!r}.")
            return found
        desks = User.objects.filter(is_active=True, grants__role__in=telephony.DESK_ROLES)
        if extension:
            desks = desks.filter(phone_extension=extension)
        else:
            desks = desks.exclude(phone_extension="")
        ids = set(desks.values_list("grants__community_id", flat=True)) - {None}
        if len(ids) == 1:
            return Community.objects.get(pk=ids.pop())
        if Community.objects.count() == 1:
            return Community.objects.get()
        raise CommandError("Say which community with --community CODE.")

    def _default_extension(self, community) -> str:
        user = (
            User.objects.filter(is_active=True, grants__role__in=telephony.DESK_ROLES)
            .filter(Q(grants__community=community))
            .exclude(phone_extension="")
            .order_by("grants__role", "id")
            .first()
        )
        if user is None:
            raise CommandError("No desk account has a phone extension; give --extension.")
        return user.phone_extension

    def _post(self, options, key: str, payload: dict) -> None:
        body = json.dumps(payload)
        if options["url"]:
            status, text = self._post_http(options["url"], key, body)
        else:
            status, text = self._post_here(key, body)
        self.stdout.write(f"{payload['event']:>8}: {status} {text}")
        if status != 200:
            raise CommandError(f"The endpoint refused the {payload['event']} event.")

    def _post_here(self, key: str, body: str) -> tuple[int, str]:
        hosts = [h for h in settings.ALLOWED_HOSTS if h and "*" not in h]
        client = Client(HTTP_HOST=(hosts[0].lstrip(".") if hosts else "localhost"))
        response = client.post(
            reverse("api:telephony_calls"),
            data=body,
            content_type="application/json",
            HTTP_X_API_KEY=key,
            secure=settings.SECURE_SSL_REDIRECT,
        )
        return response.status_code, response.content.decode()

    def _post_http(self, url: str, key: str, body: str) -> tuple[int, str]:
        if not url.startswith(("http://", "https://")):
            raise CommandError("--url must start with http:// or https://")
        request = urllib.request.Request(  # noqa: S310 — the scheme is checked above
            url.rstrip("/") + reverse("api:telephony_calls"),
            data=body.encode(),
            headers={"Content-Type": "application/json", "X-Api-Key": key},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except OSError as exc:
            raise CommandError(f"Cannot reach {url}: {exc}") from None
