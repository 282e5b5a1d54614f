"""The monthly report as a PDF, drawn by WeasyPrint with the Noto CJK fonts.

WeasyPrint lays the report out from the same template as the printable page; the
stylesheet is read from the app's static files and put inline, and every other URL
is refused, so rendering never reaches for the network (the intranet has none).
Fonts: Debian's ``fonts-noto-cjk`` (installed by ``make install``); the PDF embeds
the subset it uses.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


class RefusingFetcher:
    """A URL fetcher that fetches nothing."""

    _fail_on_errors = False

    def __call__(self, url, *args, **kwargs):
        raise ValueError(f"the report fetches no URL ({url})")


def _fetcher():
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # older WeasyPrint: a plain callable is enough
        return RefusingFetcher()

    class Refusing(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"the report fetches no URL ({url})")

    return Refusing()


def stylesheet() -> str:
    path = finders.find("insights/report.css")
    return Path(path).read_text(encoding="utf-8") if path else ""


def render_report(request, context: dict) -> bytes:
    from weasyprint import HTML

    # WeasyPrint narrates every layout step at INFO; the server log needs none of it.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    html = render_to_string(
        "insights/report_pdf.html", {**context, "inline_css": stylesheet()}, request=request
    )
    return HTML(string=html, base_url="about:blank", url_fetcher=_fetcher()).write_pdf()
