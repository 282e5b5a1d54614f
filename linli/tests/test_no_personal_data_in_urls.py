"""Phone and ID numbers never need to travel in a URL.

A URL ends up in browser history, proxy and access logs and the Referer of the next
page, so every search that may be given a phone or ID number is POSTed. These tests
walk every page's forms for search boxes sent by GET, ask every GET endpoint for a
resident by number in the query string (it must not find them, nor bounce the number
into a redirect), and check that the request lines that do reach the log are masked.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from linli.lib.logmask import mask_text
from linli.testing_security import every_url, url_arguments
from linli.tests.test_logmask import log_output
from people import services as people

PHONE = "13912345678"
ID_NUMBER = "142701195003150013"
NAME = "钱秀梅"

# Free-text fields sent by GET, each with why no phone or ID number goes into it.
GET_TEXT_FIELDS = {
    ("hotline:orders", "q"): "a work order's number (labelled so); it matches order numbers only",
    ("accounts:audit_log", "action"): "an action name such as resident.reveal",
    ("hotline:console", "category"): "matches category names as the operator types",
    ("hotline:console", "place_text"): "matches compounds and addresses, never residents",
    ("hotline:console", "nr_place_text"): "matches compounds and addresses, never residents",
}
# Parameters a GET endpoint might take a search from.
SEARCH_PARAMS = {"q": PHONE, "query": PHONE, "phone": PHONE, "id_number": ID_NUMBER}
# Pages not walked: the admin is for administrators and searches no personal data
# (residents are not in it); the API answers JSON and is walked by its own test below.
NOT_WALKED = ("admin:", "api:", "open311:", "accounts:logout", "set_language")
FREE_TEXT = {"", "text", "search", "tel", "number"}


class _Forms(HTMLParser):
    """The free-text fields of a page and how each is sent: (name, method)."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            get = "hx-get" in a or (a.get("method") or "get").lower() == "get"
            self._form = {"method": "get" if get and "hx-post" not in a else "post"}
        elif tag in ("input", "textarea") and a.get("name"):
            if tag == "input" and (a.get("type") or "").lower() not in FREE_TEXT:
                return
            if "hx-get" in a:
                method = "get"  # the field is sent by itself, whatever its form does
            elif self._form is not None:
                method = self._form["method"]
            else:
                return  # outside any form: sent by nothing
            self.fields.append((a["name"], method))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _get_text_fields(html: str) -> set[str]:
    parser = _Forms()
    parser.feed(html)
    return {name for name, method in parser.fields if method == "get"}


def _pages():
    for name, url in sorted(every_url()):
        if not name.startswith(NOT_WALKED) and not url_arguments_in(name):
            yield name, url


def url_arguments_in(name: str) -> bool:
    from linli.testing_security import named_url_patterns

    return bool(url_arguments(dict(named_url_patterns())[name]))


@pytest.fixture
def wang(operator, community, household):
    return people.create_resident(
        acting_user=operator,
        community=community,
        name=NAME,
        household=household,
        phones=[PHONE],
        id_number=ID_NUMBER,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["operator", "grid_worker", "leader"])
def test_no_page_sends_a_free_text_field_by_get_without_a_reason(request, login, wang, who):
    client = login(request.getfixturevalue(who))
    found = {}
    for name, url in _pages():
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for field in _get_text_fields(response.content.decode()):
            if (name, field) not in GET_TEXT_FIELDS:
                found[(name, field)] = url
    assert not found, (
        "these fields are sent in the URL; search by POST (or add a reason to "
        f"GET_TEXT_FIELDS if no phone or ID number can go in): {sorted(found)}"
    )


@pytest.mark.django_db
def test_the_search_boxes_are_posted(login, operator, wang):
    client = login(operator)
    for name in ("people:list", "hotline:console"):
        html = client.get(reverse(name)).content.decode()
        parser = _Forms()
        parser.feed(html)
        assert ("q", "post") in parser.fields, name


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["operator", "grid_worker"])
def test_no_get_endpoint_finds_a_resident_by_a_number_in_the_url(request, login, wang, who):
    """Given a number in the query string, a page answers as if it were not there."""
    client = login(request.getfixturevalue(who))
    found = []
    for name, url in every_url():
        if name.startswith(("admin:", "open311:")) or url_arguments_in(name):
            continue
        baseline = client.get(url)
        response = client.get(url, SEARCH_PARAMS)
        body = response.content.decode(errors="replace")
        if NAME in body and NAME not in baseline.content.decode(errors="replace"):
            found.append(f"{name}: found {NAME} by the number in {url}?…")
        location = response.get("Location", "")
        if PHONE in location or ID_NUMBER in location:
            found.append(f"{name}: redirects to {location}")
    assert not found, "\n".join(found)


@pytest.mark.django_db
def test_the_api_search_takes_the_number_in_the_body(login, operator, wang):
    client = login(operator)
    url = reverse("api:search")
    assert client.get(url, {"query": PHONE}).status_code == 405
    response = client.post(url, {"query": PHONE}, content_type="application/json")
    assert response.status_code == 200
    assert [r["name"] for r in response.json()] == [NAME]


# --- the request lines that are logged -----------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        f"GET /people/?q={PHONE} HTTP/1.1",
        "GET /people/?q=139+1234+5678 HTTP/1.1",
        "GET /people/?q=139%201234%205678 HTTP/1.1",
        "GET /people/?q=139-1234-5678 HTTP/1.1",
        "GET /people/?q=%2B8613912345678 HTTP/1.1",
        "GET /people/?q=%2B86+13912345678 HTTP/1.1",
        f"GET /people/?id_number={ID_NUMBER}&page=2 HTTP/1.1",
        f"GET /api/people/residents/search?query={ID_NUMBER} HTTP/1.1",
    ],
)
def test_a_request_line_with_a_number_is_logged_masked(line):
    # What runserver's request log (django.server) writes for a request.
    with log_output("django.server") as out:
        logging.getLogger("django.server").info('"%s" %s %s', line, "200", "1234")
    logged = out.getvalue()
    assert "****" in logged
    # However the number was written (spaces as "+" or "%20", "+86" as "%2B86").
    digits = re.sub(r"%20|%2B|[^0-9*]", "", logged)
    assert PHONE not in digits
    assert ID_NUMBER not in digits


def test_masking_keeps_the_rest_of_a_request_line():
    assert mask_text("GET /people/?q=139+1234+5678&page=2 HTTP/1.1") == (
        "GET /people/?q=139****5678&page=2 HTTP/1.1"
    )
    assert mask_text("GET /hotline/orders/20260301000123/ HTTP/1.1") == (
        "GET /hotline/orders/20260301000123/ HTTP/1.1"
    )
