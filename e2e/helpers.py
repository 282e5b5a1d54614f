"""What e2e tests do again and again: log in, take a screenshot, check accessibility."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from playwright.sync_api import Page, expect

from linli.demo import DEMO_COMMUNITY_CODE, DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE_JS = ROOT / "var" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
LOGIN_URL = "/accounts/login/"
# What the checks hold pages to: WCAG 2.1 A and AA, plus axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def login(page: Page, username: str, password: str = DEMO_PASSWORD) -> Page:
    """Log in through the login form, as a person would, and wait for the next page."""
    page.goto(LOGIN_URL)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(lambda url: LOGIN_URL not in url)
    expect(page.locator("header .who")).to_be_visible()
    return page


def telephony_key(server, community_code: str = DEMO_COMMUNITY_CODE) -> str:
    """Register a phone system for the community as the installer does; its API key."""
    output = server.manage(
        "create_telephony_key", "e2e phone system", "--community", community_code
    )
    lines = output.splitlines()
    # The key is the line after the one that announces it.
    return next(lines[i + 1].strip() for i, line in enumerate(lines) if "API key" in line)


def shot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Save a PNG of what the page shows now as docs/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Carets blink and fonts may still be loading: wait for fonts, hide the caret.
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.screenshot(path=path, full_page=full_page, caret="hide", animations="disabled")
    return path


@cache
def _axe_source() -> str:
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} is missing: run `make browser` to install axe-core.")
    return AXE_JS.read_text()


def axe(page: Page, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """Run axe-core over the page as it is now; the violations of the given impacts.

    The script is evaluated through the browser's devtools channel, which the page's
    Content-Security-Policy does not govern, so the app's strict policy stays on.
    Each violation is a short dict (rule, impact, help, up to five element selectors),
    so that ``assert axe(page) == []`` prints something a person can act on.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    violations = page.evaluate(
        "async (options) => (await axe.run(document, options)).violations", options
    )
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "where": [json.dumps(node["target"], ensure_ascii=False) for node in v["nodes"][:5]],
        }
        for v in violations
        if v["impact"] in impacts
    ]


def report(found: dict[str, list]) -> str:
    """A readable account of what was found, page by page, for an assertion message."""
    return json.dumps(
        {name: items for name, items in found.items() if items}, indent=1, ensure_ascii=False
    )


def overflows_horizontally(page: Page) -> list[str]:
    """Elements of the main content wider than the window (nothing should be)."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const wide = [];
          if (document.documentElement.scrollWidth > width) wide.push('document');
          for (const el of document.querySelectorAll('main, main > *')) {
            const box = el.getBoundingClientRect();
            if (box.right > width + 1) wide.push(el.tagName.toLowerCase() + '.' + el.className);
          }
          return wide;
        }"""
    )


def login_once(new_page, username: str, sessions: dict, **context_args) -> Page:
    """A fresh page signed in as ``username``: through the login form the first time,
    then with the session kept in ``sessions`` (as a browser that stays logged in)."""
    if username in sessions:
        return new_page(storage_state=sessions[username], **context_args)
    page = login(new_page(**context_args), username)
    sessions[username] = page.context.storage_state()
    return page


def tiny_png(path: Path, *, size: int = 24, rgb: tuple[int, int, int] = (200, 60, 40)) -> Path:
    """Write a small one-colour PNG, as a phone's camera would hand over a photo."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * size  # filter byte, then the pixels of one row
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )
    return path


def reload_until(page: Page, locator, holds, *, timeout_s: float = 30) -> None:
    """Reload the page until ``holds(locator's text)`` is true: for figures that
    background work brings up to date, on pages that do not refresh themselves."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        page.reload()
        text = locator.inner_text()
        if holds(text):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"still {text!r} after {timeout_s} s of reloading {page.url}")
        # Give the background worker a moment between reloads (it polls every 0.5 s).
        page.wait_for_timeout(500)
