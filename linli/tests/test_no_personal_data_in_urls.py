"""Phone and ID numbers never need to travel in a URL.

A URL ends up in browser history, proxy and access logs and the Referer of the next
page, so every search that may be given a phone or ID number is POSTed: the
registry's search box and the API's search take the number in the body. The request
lines that do reach the log are masked however the number is written in them.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from linli.lib.logmask import mask_text
from linli.tests.test_logmask import log_output
from people import services as people

PHONE = "13912345678"
ID_NUMBER = "142701195003150013"
NAME = "钱秀梅"

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
def test_the_search_boxes_are_posted(login, operator, wang):
    client = login(operator)
    for name in ("people:list",):
        html = client.get(reverse(name)).content.decode()
        parser = _Forms()
        parser.feed(html)
        assert ("q", "post") in parser.fields, name


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
