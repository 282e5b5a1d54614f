from django.urls import path

from care import views

app_name = "care"
urlpatterns = [
    path("", views.today, name="today"),
    path("day/", views.day, name="day"),
    path("overview/", views.overview, name="overview"),
    path("check-ins/", views.check_ins, name="check_ins"),
    path("check-ins/<int:pk>/record/", views.record, name="record"),
    path("plans/", views.plans, name="plans"),
    path("plans/generate/", views.generate, name="generate"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/check-in/", views.plan_check_in, name="plan_check_in"),
    path("plans/<int:pk>/call/<int:phone_pk>/", views.call, name="call"),
    path("plans/<int:pk>/assign/", views.plan_assign, name="plan_assign"),
    path("plans/<int:pk>/contact/", views.plan_contact, name="plan_contact"),
    path("plans/<int:pk>/active/", views.plan_active, name="plan_active"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/close/", views.alert_close, name="alert_close"),
    path("visits/", views.visits, name="visits"),
    path("visits/coverage/", views.coverage, name="coverage"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/finding/", views.visit_finding, name="visit_finding"),
    path("visits/<int:pk>/photo/", views.visit_photo, name="visit_photo"),
    path("photos/<int:pk>/", views.visit_photo_file, name="visit_photo_file"),
    path("households/<int:household_pk>/visit/", views.visit_new, name="visit_new"),
    path("households/<int:household_pk>/plan-visit/", views.visit_plan, name="visit_plan"),
    path("findings/<int:pk>/order/", views.finding_order, name="finding_order"),
    path("volunteers/", views.volunteers, name="volunteers"),
    path("volunteers/<int:pk>/", views.volunteer_detail, name="volunteer"),
    path("volunteers/<int:pk>/hours/", views.volunteer_hours, name="volunteer_hours"),
    path("problems/", views.problems, name="problems"),
    path("problems/<int:pk>/", views.problem_detail, name="problem"),
    path(
        "problems/<int:pk>/<str:action>/",
        views.problem_action,
        name="problem_action",
    ),
    path("season/", views.season, name="season"),
    path("season/<int:pk>/check/", views.season_check, name="season_check"),
]
