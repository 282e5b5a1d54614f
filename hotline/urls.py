from django.urls import path

from hotline.views import callbacks, console, mobile, orders, paper, photos

app_name = "hotline"
urlpatterns = [
    path("console/", console.console, name="console"),
    path("console/ring/", console.ring, name="console_ring"),
    path("console/search/", console.search, name="console_search"),
    path("console/categories/", console.categories, name="console_categories"),
    path("console/places/", console.places, name="console_places"),
    path("console/caller/<int:pk>/", console.caller_card, name="console_caller"),
    path("console/call/<int:pk>/", console.call_card, name="console_call"),
    path("console/call/<int:pk>/state/", console.call_state, name="console_call_state"),
    path("console/intake/", console.intake, name="console_intake"),
    path("console/attach/<int:pk>/", console.attach, name="console_attach"),
    path("console/resident/", console.new_resident, name="console_new_resident"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<int:pk>/", orders.order_detail, name="order"),
    path("orders/<int:pk>/slip/", paper.slip, name="slip"),
    path("orders/<int:pk>/photos/<int:photo_pk>/", photos.order_photo, name="order_photo"),
    path("orders/<int:pk>/<slug:action>/", orders.order_action, name="order_action"),
    path("callbacks/", callbacks.callbacks, name="callbacks"),
    path("handover/", paper.handover, name="handover"),
    path("mine/", mobile.mine, name="mine"),
    path("mine/<int:pk>/", mobile.mine_order, name="mine_order"),
]
