from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit_log, name="audit_log"),
    path("second-factor/", views.otp_verify, name="otp_verify"),
    path("second-factor/setup/", views.otp_setup, name="otp_setup"),
]
