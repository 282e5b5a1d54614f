from django.urls import path

from places import views

app_name = "places"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("grids/<int:pk>/", views.grid_detail, name="grid"),
    path("compounds/<int:pk>/", views.compound_detail, name="compound"),
    path("buildings/<int:pk>/", views.building_detail, name="building"),
    path("households/<int:pk>/", views.household_detail, name="household"),
]
