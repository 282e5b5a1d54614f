"""Demo data for insights: nothing of its own — the figures of the orders the hotline
and care demos made, built once so the dashboard is full from the first page view."""

from __future__ import annotations


def load(ctx) -> None:
    from insights import rollups

    rollups.rebuild()
