"""The refresh task is declared and does its work; the demo builds the figures."""

import pytest
from django.apps import apps
from django.core.management import call_command

from insights import demo, tasks
from insights.models import OrderFact, RollupState
from insights.tests.helpers import local, new_order

pytestmark = pytest.mark.django_db


def test_the_refresh_is_a_periodic_task_of_the_app():
    config = apps.get_app_config("insights")
    assert (60, "insights.tasks.refresh_rollups") in config.periodic_tasks


def test_the_first_refresh_builds_everything_and_the_next_reads_only_new_events(
    operator, household
):
    new_order(operator, household, local(2026, 3, 2, 9, 0))
    first = tasks.refresh_rollups.enqueue().return_value
    assert first["rebuilt"] is True
    assert OrderFact.objects.count() == 1

    new_order(operator, household, local(2026, 3, 3, 9, 0))
    second = tasks.refresh_rollups.enqueue().return_value
    assert "rebuilt" not in second and second["events"] == 1
    assert OrderFact.objects.count() == 2
    assert RollupState.objects.get().last_event_id > 0


def test_the_demo_leaves_the_figures_built(operator, household):
    new_order(operator, household, local(2026, 3, 2, 9, 0))
    demo.load(ctx=None)
    assert OrderFact.objects.count() == 1
    assert RollupState.objects.get().rebuilt_at is not None


def test_the_check_option_reports_rollups_that_drifted(operator, household):
    new_order(operator, household, local(2026, 3, 2, 9, 0))
    call_command("rebuild_rollups")
    call_command("rebuild_rollups", "--check")
    OrderFact.objects.update(received=0)
    with pytest.raises(SystemExit):
        call_command("rebuild_rollups", "--check")
