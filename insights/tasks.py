"""Background work of the insights app (Django Tasks).

``refresh_rollups`` is declared in ``InsightsConfig.periodic_tasks`` and enqueued every
minute by ``manage.py run_scheduler``; the figures on every page are "as of" its last run.
"""

from __future__ import annotations

from django_tasks import task


@task()
def refresh_rollups() -> dict:
    """Read the order timeline since the last run and bring the rollups up to date."""
    from insights import rollups

    return rollups.refresh()
