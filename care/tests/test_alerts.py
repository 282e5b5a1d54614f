"""A second no-answer in a row raises an alert for the grid worker to visit the same
day; an alert nobody acted on by the evening goes to the community."""

import datetime as dt

import pytest
import time_machine

from care import services, tasks
from care.models import CareAlert, CareSettings
from care.tests import factories as f
from hotline.models import Notification
from linli.lib.errors import Conflict, NotFound, ServiceError


def no_answer(user, plan):
    return services.record_check_in(acting_user=user, plan=plan, kind="call", outcome="no_answer")


@pytest.fixture
def two_no_answers(plan, grid_worker):
    """9:00 and 11:00 on Monday 2 March 2026: nobody picks up, twice."""
    with time_machine.travel(f.at(2026, 3, 2, 9), tick=False):
        no_answer(grid_worker, plan)
    with time_machine.travel(f.at(2026, 3, 2, 11), tick=False):
        no_answer(grid_worker, plan)
    return plan.alerts.get()


@pytest.mark.django_db
def test_one_no_answer_raises_nothing(plan, grid_worker):
    no_answer(grid_worker, plan)
    assert not CareAlert.objects.exists()


@pytest.mark.django_db
def test_the_second_no_answer_in_a_row_alerts_the_grid_worker(two_no_answers, grid_worker):
    alert = two_no_answers
    assert alert.state == CareAlert.State.OPEN
    assert alert.raised_at == f.at(2026, 3, 2, 11)
    assert alert.due_at == f.at(2026, 3, 2, 18)
    message = Notification.objects.get(kind="care.alert")
    assert message.recipient == grid_worker
    assert "王秀兰" in message.subject


@pytest.mark.django_db
def test_an_answer_in_between_breaks_the_run(plan, grid_worker):
    no_answer(grid_worker, plan)
    services.record_check_in(acting_user=grid_worker, plan=plan, kind="call", outcome="fine")
    no_answer(grid_worker, plan)
    assert not CareAlert.objects.exists()


@pytest.mark.django_db
def test_a_third_no_answer_does_not_raise_a_second_alert(two_no_answers, plan, grid_worker):
    with time_machine.travel(f.at(2026, 3, 2, 12), tick=False):
        no_answer(grid_worker, plan)
    assert CareAlert.objects.count() == 1


@pytest.mark.django_db
def test_the_alert_waits_until_the_evening(two_no_answers):
    assert services.escalate_alerts(now=f.at(2026, 3, 2, 17, 59)) == []
    assert not Notification.objects.filter(kind="care.alert.escalated").exists()


@pytest.mark.django_db
def test_unhandled_by_18_00_it_goes_to_the_community(two_no_answers, leader, operator):
    with time_machine.travel(f.at(2026, 3, 2, 18, 5), tick=False):
        result = tasks.escalate_care_alerts.enqueue()
    assert result.return_value == 1
    alert = CareAlert.objects.get()
    assert alert.escalated_at == f.at(2026, 3, 2, 18, 5)
    assert alert.state == CareAlert.State.OPEN
    recipients = set(
        Notification.objects.filter(kind="care.alert.escalated").values_list("recipient", flat=True)
    )
    assert recipients == {leader.pk, operator.pk}


@pytest.mark.django_db
def test_it_is_escalated_only_once(two_no_answers, leader):
    services.escalate_alerts(now=f.at(2026, 3, 2, 18, 5))
    sent = Notification.objects.filter(kind="care.alert.escalated").count()
    assert services.escalate_alerts(now=f.at(2026, 3, 2, 18, 15)) == []
    assert Notification.objects.filter(kind="care.alert.escalated").count() == sent == 2


@pytest.mark.django_db
def test_a_visit_that_reaches_the_resident_handles_the_alert(
    two_no_answers, plan, grid_worker, leader
):
    with time_machine.travel(f.at(2026, 3, 2, 15), tick=False):
        services.record_check_in(acting_user=grid_worker, plan=plan, kind="visit", outcome="fine")
    alert = CareAlert.objects.get()
    assert alert.state == CareAlert.State.HANDLED
    assert alert.handled_by == grid_worker
    assert services.escalate_alerts(now=f.at(2026, 3, 2, 18, 5)) == []


@pytest.mark.django_db
def test_the_evening_hour_is_a_setting(two_no_answers, community, plan, grid_worker):
    CareSettings.objects.create(community=community, escalate_at=dt.time(20, 30))
    with time_machine.travel(f.at(2026, 3, 3, 9), tick=False):
        no_answer(grid_worker, plan)
    with time_machine.travel(f.at(2026, 3, 3, 10), tick=False):
        services.close_alert(acting_user=grid_worker, alert=two_no_answers, note="女儿接走了")
        no_answer(grid_worker, plan)
    alert = CareAlert.objects.get(state=CareAlert.State.OPEN)
    assert alert.due_at == f.at(2026, 3, 3, 20, 30)


@pytest.mark.django_db
def test_an_alert_raised_after_the_evening_goes_to_the_community_at_once(plan, grid_worker):
    with time_machine.travel(f.at(2026, 3, 2, 19), tick=False):
        no_answer(grid_worker, plan)
    with time_machine.travel(f.at(2026, 3, 2, 19, 30), tick=False):
        no_answer(grid_worker, plan)
        assert len(services.escalate_alerts()) == 1


@pytest.mark.django_db
def test_closing_needs_a_note_and_happens_once(two_no_answers, grid_worker, operator):
    with pytest.raises(ServiceError):
        services.close_alert(acting_user=grid_worker, alert=two_no_answers, note=" ")
    services.close_alert(acting_user=grid_worker, alert=two_no_answers, note="见到了，在邻居家")
    with pytest.raises(Conflict):
        services.close_alert(acting_user=operator, alert=two_no_answers, note="又一次")


@pytest.mark.django_db
def test_the_other_grid_and_outsiders_cannot_close_it(two_no_answers, grid_worker_b, outsider):
    for user in (grid_worker_b, outsider):
        with pytest.raises(NotFound):
            services.close_alert(acting_user=user, alert=two_no_answers, note="x")


@pytest.mark.django_db
def test_without_a_grid_worker_the_alert_goes_to_the_office(
    operator, leader, community, household_b
):
    resident = f.make_resident(household_b, tags=["living_alone"])
    services.generate_plans(acting_user=operator, community=community)
    plan = resident.care_plan
    no_answer(operator, plan)
    no_answer(operator, plan)
    recipients = set(
        Notification.objects.filter(kind="care.alert").values_list("recipient", flat=True)
    )
    assert recipients == {leader.pk, operator.pk}


@pytest.mark.django_db
def test_the_escalation_task_is_declared_for_the_scheduler():
    from linli.management.commands.run_scheduler import periodic_tasks

    paths = [path for _seconds, path in periodic_tasks()]
    assert "care.tasks.escalate_care_alerts" in paths
    assert "care.tasks.detect_recurring_problems" in paths
    assert "care.tasks.accrue_order_hours" in paths
