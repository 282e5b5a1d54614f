from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from linli import views
from linli.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("places/", include("places.urls")),
    path("people/", include("people.urls")),
    path("hotline/", include("hotline.urls")),
    path("care/", include("care.urls")),
    path("insights/", include("insights.urls")),
    path("open311/", include("open311.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
