"""Open311 GeoReport v2 under /open311/v2/; the format is the path's suffix."""

from django.urls import re_path

from open311 import views
from open311.gate import gate


def _gated(view):
    return gate(view, render_error=views.render_gate_error, find_token=views.token_of)


FMT = r"\.(?P<fmt>xml|json)$"

app_name = "open311"
urlpatterns = [
    re_path(r"^v2/discovery" + FMT, _gated(views.discovery), name="discovery"),
    re_path(r"^v2/services" + FMT, _gated(views.service_list), name="services"),
    re_path(
        r"^v2/services/(?P<service_code>[^/]+?)" + FMT,
        _gated(views.service_definition),
        name="service",
    ),
    re_path(r"^v2/requests" + FMT, _gated(views.requests), name="requests"),
    re_path(
        r"^v2/requests/(?P<service_request_id>[^/]+?)" + FMT,
        _gated(views.request_detail),
        name="request",
    ),
    re_path(r"^v2/tokens/(?P<token>[^/]+?)" + FMT, _gated(views.token_detail), name="token"),
    re_path(r"^v2/(?P<rest>.*?)\.(?P<fmt>json)$", _gated(views.unknown)),
    re_path(r"^v2/(?P<rest>.*)$", _gated(views.unknown)),
]
