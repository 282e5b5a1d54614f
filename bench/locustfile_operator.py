"""Locust users for the operator-mix load test, started by bench/load_operator.py.

Three kinds of staff, each logging in through the login page (CSRF token from the
form; the leaders also enter a TOTP code, as a leader with the second factor on
must) and then working as a browser would, pausing ``LOAD_THINK`` seconds (min,max)
between steps:

* operator — a call: search the caller (name or last four digits of the phone, the
  console's htmx search), open their card, take the order (the console's create
  POST, htmx), load the console the browser is sent to, open the order, dispatch it
  to a grid worker of the caller's grid (form POST) and load the order page again;
* grid worker (phone pages) — open "my orders", open the first one, accept it or,
  once accepted, resolve it, and load the page the form leads back to;
* leader — open the dashboard.

What each user knows comes from the plan the set-up wrote (``LOAD_PLAN``): the
accounts, residents to call about and the grid workers' ids. Every request after
spawning is complete (plus ``LOAD_SETTLE`` seconds) is written with its time and
outcome to ``LOAD_RESULTS`` when the run stops; log-in requests are named
``login: …`` so that the report can keep them out of the mix.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import random
import re
import struct
import time
from pathlib import Path

from locust import FastHttpUser, between, events, task

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
RESULTS = Path(os.environ["LOAD_RESULTS"])
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "1,3").split(","))
SETTLE = float(os.environ.get("LOAD_SETTLE", "5"))

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
CREATED = re.compile(r"created=(\d+)")
MY_ORDER = re.compile(r'href="/hotline/mine/(\d+)/"')
WORKERS_BY_GRID: dict[str, list[int]] = PLAN["workers_by_grid"]
_next_account = {kind: itertools.count() for kind in ("operators", "grid_workers", "leaders")}

# --- what the run records -----------------------------------------------------------

_window = {"start": None, "stop": None}
_rows: list[tuple[str, float, bool, str]] = []


@events.spawning_complete.add_listener
def _spawned(user_count, **_kwargs):
    _window["start"] = time.time() + SETTLE


@events.request.add_listener
def _record(name, response_time, exception, start_time=None, **_kwargs):
    begun = _window["start"]
    if begun is None or (start_time or time.time()) < begun:
        return
    error = "" if exception is None else f"{type(exception).__name__}: {exception}"[:300]
    _rows.append((name, float(response_time), exception is None, error))


@events.test_stop.add_listener
def _write(**_kwargs):
    _window["stop"] = time.time()
    RESULTS.write_text(json.dumps({**_window, "requests": _rows}))


# --- helpers -----------------------------------------------------------------------


def totp_code(hex_key: str, step: int, digits: int, at: float) -> str:
    """RFC 6238 code (HMAC-SHA1), what the leader's authenticator app shows."""
    digest = hmac.new(
        bytes.fromhex(hex_key), struct.pack(">Q", int(at // step)), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def header(response, name: str) -> str:
    headers = response.headers or {}
    return headers.get(name) or headers.get(name.lower()) or ""


def expect(response, status: int, *, contains: str = "") -> bool:
    """Mark the response failed unless it has ``status`` (and ``contains``)."""
    if response.status_code != status:
        response.failure(f"HTTP {response.status_code}, expected {status}")
        return False
    if contains and contains not in (response.text or ""):
        response.failure(f"answer lacks {contains!r}")
        return False
    response.success()
    return True


class Staff(FastHttpUser):
    abstract = True
    wait_time = between(*THINK)
    kind = ""

    def on_start(self):
        accounts = PLAN[self.kind]
        self.account = accounts[next(_next_account[self.kind]) % len(accounts)]
        self.csrf = ""
        self.login()

    def pause(self):
        self.wait()

    def take_csrf(self, html: str) -> None:
        found = CSRF_INPUT.search(html or "") or CSRF_HEADER.search(html or "")
        if found:
            self.csrf = found.group(1)

    def login(self) -> None:
        with self.client.get("/accounts/login/", name="login: page", catch_response=True) as r:
            expect(r, 200)
            self.take_csrf(r.text)
        form = {
            "csrfmiddlewaretoken": self.csrf,
            "username": self.username,
            "password": PLAN["password"],
        }
        with self.client.post(
            "/accounts/login/",
            data=form,
            name="login: submit",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            expect(r, 302)

    @property
    def username(self) -> str:
        return self.account if isinstance(self.account, str) else self.account["username"]

    def get(self, url: str, name: str, *, htmx: bool = False, contains: str = ""):
        headers = {"HX-Request": "true"} if htmx else {}
        with self.client.get(url, name=name, headers=headers, catch_response=True) as r:
            if expect(r, 200, contains=contains):
                self.take_csrf(r.text)
            return r

    def post_form(self, url: str, data: dict, name: str) -> str:
        """A plain form POST; the redirect's target ('' when it failed)."""
        with self.client.post(
            url,
            data={"csrfmiddlewaretoken": self.csrf, **data},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if expect(r, 302):
                return header(r, "Location")
        return ""


class Operator(Staff):
    kind = "operators"
    fixed_count = int(os.environ.get("LOAD_OPERATORS", "0"))

    def on_start(self):
        super().on_start()
        self.get("/hotline/console/", "console page")

    @task
    def take_a_call(self):
        caller = random.choice(PLAN["callers"])
        query = caller["name"] if random.random() < 0.5 else caller["last4"]
        # The console's search box POSTs (a number never goes into a URL).
        with self.client.post(
            "/hotline/console/search/",
            data={"q": query},
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf},
            name="search resident",
            catch_response=True,
        ) as r:
            expect(r, 200)
        self.pause()
        self.get(f"/hotline/console/caller/{caller['pk']}/", "open resident", htmx=True)
        self.pause()
        form = {
            "step": "3",
            "caller": caller["pk"],
            "call": "",
            "category": random.choice(PLAN["categories"]),
            "description": f"负载测试 {random.randrange(10**6)}：楼道里的灯不亮，老人晚上出门不方便。",
            "urgency": "",
            "channel": "phone",
            "place": "",
            "place_text": "",
            "contact_name": "",
            "contact_phone": "",
            "resolution": "",
        }
        with self.client.post(
            "/hotline/console/intake/",
            data=form,
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf},
            name="create order",
            catch_response=True,
        ) as r:
            target = header(r, "HX-Redirect")
            created = CREATED.search(target)
            if r.status_code == 200 and created:
                r.success()
            else:
                r.failure(f"HTTP {r.status_code}, no order created")
                return
        # htmx sends the browser to the console with the new order shown.
        self.get(target, "console page")
        self.pause()
        order = f"/hotline/orders/{created.group(1)}/"
        self.get(order, "order page")
        self.pause()
        worker = random.choice(WORKERS_BY_GRID[str(caller["grid"])])
        back = self.post_form(
            f"{order}dispatch/", {"target": "", "target_other": f"user:{worker}"}, "dispatch"
        )
        if back:
            self.get(back, "order page")


class GridWorker(Staff):
    kind = "grid_workers"
    fixed_count = int(os.environ.get("LOAD_GRID_WORKERS", "0"))

    @task
    def work_my_orders(self):
        listing = self.get("/hotline/mine/", "phone: my orders")
        found = MY_ORDER.search(listing.text or "")
        if not found:
            return
        self.pause()
        pk = found.group(1)
        page = self.get(f"/hotline/mine/{pk}/", "phone: order")
        self.pause()
        text = page.text or ""
        common = {"page": "mobile", "note": "", "on_behalf_of": ""}
        if f"/hotline/orders/{pk}/accept/" in text:
            back = self.post_form(
                f"/hotline/orders/{pk}/accept/",
                {**common, "next": f"/hotline/mine/{pk}/"},
                "accept",
            )
            if back:
                self.get(back, "phone: order")
        elif f"/hotline/orders/{pk}/resolve/" in text:
            back = self.post_form(
                f"/hotline/orders/{pk}/resolve/",
                {**common, "next": "/hotline/mine/", "resolution": "已上门处理，灯已修好。"},
                "resolve",
            )
            if back:
                self.get(back, "phone: my orders")


class Leader(Staff):
    kind = "leaders"
    fixed_count = int(os.environ.get("LOAD_LEADERS", "0"))

    def login(self) -> None:
        super().login()
        verify = "/accounts/second-factor/?next=/insights/"
        for attempt in range(3):
            self.get(verify, "login: second factor page")
            key = self.account
            code = totp_code(key["key"], key["step"], key["digits"], time.time())
            with self.client.post(
                verify,
                data={"csrfmiddlewaretoken": self.csrf, "otp_token": code, "next": "/insights/"},
                name="login: second factor",
                allow_redirects=False,
                catch_response=True,
            ) as r:
                if r.status_code == 302:
                    r.success()
                    return
                if attempt == 2:
                    r.failure(f"HTTP {r.status_code}: second factor refused")
                    return
                # A code is good once: the set-up used this step's code to confirm the
                # device. Wait for the next one, as a person would.
                r.success()
            time.sleep(key["step"] - time.time() % key["step"] + 1)

    @task
    def dashboard(self):
        self.get("/insights/", "dashboard")
