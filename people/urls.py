from django.urls import path

from people import views

app_name = "people"
urlpatterns = [
    path("", views.resident_list, name="list"),
    path("new/", views.resident_create, name="create"),
    path("<int:pk>/", views.resident_detail, name="detail"),
    path("<int:pk>/edit/", views.resident_edit, name="edit"),
    path("<int:pk>/reveal/", views.reveal, name="reveal"),
    path("<int:pk>/phones/", views.phone_add, name="phone_add"),
    path("<int:pk>/phones/<int:phone_pk>/remove/", views.phone_remove, name="phone_remove"),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/remove/", views.contact_remove, name="contact_remove"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/move-out/", views.move_out, name="move_out"),
    path("import/", views.import_upload, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/<str:token>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<str:token>/rejected.xlsx", views.import_rejected, name="import_rejected"),
    path("export/", views.export, name="export"),
]
