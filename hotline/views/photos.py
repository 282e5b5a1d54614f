"""Photos on an order's timeline (before/after, a site visit).

Until the shared upload helper (``linli.lib.uploads``: validate, size-limit, resize,
store under a generated name) is in place, the pages take no photos at all rather
than store unchecked files.
"""

from __future__ import annotations

ENABLED = False


def store_photos(request, order) -> list[str]:
    """Store the photos posted with a form and return their paths (none yet)."""
    return []


def url_for(order, photo) -> str:
    """Where the page shows a stored photo (nothing stored yet)."""
    return ""
