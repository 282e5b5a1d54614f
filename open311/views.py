"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) over the hotline.

Who sees what:
- services and service definitions are public, as the standard says;
- POST requests needs an ``api_key`` with the ``orders:write`` scope and files the
  order as that key's service account;
- GET requests without a key is the public view: only orders that came in through
  Open311, located to the compound, without the description (a hotline order often
  carries a resident's circumstances; PIPL's minimum necessary). With a key holding
  ``orders:read`` (``api_key`` parameter or ``Authorization: Bearer``) it shows every
  order the service account may see, in full, still without any phone number.

``jurisdiction_id`` is a community's code. It may be left out when the deployment has
one community, or when a key is given (the key's community is the default).
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from linli.lib import pii
from linli.lib.errors import NotAllowed, NotFound, ServiceError
from open311 import formats, services
from open311.definitions import definition_for
from open311.models import ApiToken, Scope, Submission
from open311.tokens import find_token

MAX_SPAN = timedelta(days=90)
MAX_REQUESTS = 1000
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


class Open311Error(Exception):
    def __init__(self, status: int, description):
        super().__init__(str(description))
        self.status = status
        self.description = description


def token_of(request: HttpRequest) -> ApiToken | None:
    """The key presented as a Bearer header, or as ``api_key`` (form or query string)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return find_token(header[7:])
    raw = request.POST.get("api_key") if request.method == "POST" else None
    return find_token(raw or request.GET.get("api_key"))


def render_gate_error(request, kwargs, status, code, message):
    return formats.errors(kwargs.get("fmt", "xml"), status, (status, message))


def endpoint(*methods: str):
    """An Open311 view: allowed methods, errors in the standard's shape and format."""

    def decorate(view):
        @login_not_required
        @csrf_exempt  # machines authenticate with api_key; there is no cookie to protect
        @wraps(view)
        def wrapped(request, *args, fmt: str = "xml", **kwargs):
            if request.method not in methods:
                return formats.errors(
                    fmt, 400, (400, _("This resource does not accept %s.") % request.method)
                )
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return formats.errors(fmt, exc.status, (exc.status, exc.description))
            except NotAllowed as exc:
                return formats.errors(fmt, 403, (403, exc.message))
            except NotFound as exc:
                return formats.errors(fmt, 404, (404, exc.message))
            except ServiceError as exc:
                return formats.errors(fmt, 400, (400, exc.message))

        return wrapped

    return decorate


def _param(request, name: str) -> str:
    source = request.POST if request.method == "POST" else request.GET
    return (source.get(name) or "").strip()


def _jurisdiction(request, token: ApiToken | None, *, required: bool):
    from places.models import Community

    code = _param(request, "jurisdiction_id")
    if code:
        community = Community.objects.filter(code=code).first()
        if community is None:
            raise Open311Error(404, _("jurisdiction_id %(id)s was not found.") % {"id": code})
        return community
    if token is not None:
        return token.community
    communities = list(Community.objects.all()[:2])
    if len(communities) == 1:
        return communities[0]
    if required:
        raise Open311Error(400, _("jurisdiction_id was not provided."))
    return None


def _key(request, scope: str) -> ApiToken | None:
    """The request's key when one is given; a given key that is bad or lacks ``scope`` is 403."""
    token = getattr(request, "api_token", None)
    presented = (
        request.headers.get("Authorization", "").lower().startswith("bearer ")
        or _param(request, "api_key")
        or request.GET.get("api_key")
    )
    if not presented:
        return None
    if token is None:
        raise Open311Error(403, _("Invalid api_key received."))
    if not token.has_scope(scope):
        raise Open311Error(403, _("This api_key may not be used for this."))
    return token


def _w3(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


# --- services --------------------------------------------------------------------


def _categories():
    from hotline.models import Category

    return Category.objects.filter(is_active=True)


def _keywords(category, definition) -> str:
    words = [w for w in (category.name_pinyin, category.name_initials) if w]
    if definition is not None:
        words.extend(str(w) for w in definition.keywords)
    return ", ".join(dict.fromkeys(words))


@endpoint("GET")
def service_list(request, fmt):
    _jurisdiction(request, None, required=False)
    data = []
    for category in _categories():
        definition = definition_for(category.code)
        data.append(
            {
                "service_code": category.code,
                "service_name": category.name,
                "description": category.description,
                "metadata": bool(definition and definition.attributes),
                "type": definition.type if definition else "realtime",
                "keywords": _keywords(category, definition),
                "group": category.group,
            }
        )
    return formats.render(fmt, "services", data)


@endpoint("GET")
def service_definition(request, service_code, fmt):
    _jurisdiction(request, None, required=False)
    category = _categories().filter(code=service_code).first()
    if category is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": service_code})
    definition = definition_for(category.code)
    attributes = []
    for order, attribute in enumerate(definition.attributes if definition else (), start=1):
        item = {
            "variable": attribute.variable,
            "code": attribute.code,
            "datatype": attribute.datatype,
            "required": attribute.required,
            "datatype_description": str(attribute.datatype_description),
            "order": order,
            "description": str(attribute.description),
        }
        if attribute.values:
            item["values"] = [{"key": k, "name": str(n)} for k, n in attribute.values]
        attributes.append(item)
    return formats.render(
        fmt, "service_definition", {"service_code": category.code, "attributes": attributes}
    )


# --- requests ----------------------------------------------------------------------


def _location(request, community, token) -> services.Location:
    from places.models import Household

    lat, long = _param(request, "lat"), _param(request, "long")
    address_string = _param(request, "address_string")
    address_id = _param(request, "address_id")
    location = services.Location(address_string=address_string)
    if lat or long:
        try:
            location.lat, location.long = Decimal(lat), Decimal(long)
        except InvalidOperation:
            raise Open311Error(400, _("lat and long must both be given as numbers.")) from None
        if not (location.lat.is_finite() and location.long.is_finite()) or not (
            -90 <= location.lat <= 90 and -180 <= location.long <= 180
        ):
            raise Open311Error(400, _("lat and long are outside the WGS84 range."))
        location.lat = location.lat.quantize(Decimal("0.000001"))
        location.long = location.long.quantize(Decimal("0.000001"))
    if address_id:
        household = (
            Household.objects.visible_to(token.user)
            .filter(building__compound__grid__community=community, pk=address_id)
            .first()
            if address_id.isdigit()
            else None
        )
        if household is None:
            raise Open311Error(400, _("address_id %(id)s is not known.") % {"id": address_id})
        location.household = household
    if location.lat is None and not address_string and location.household is None:
        raise Open311Error(
            400, _("A location is required: lat and long, address_string or address_id.")
        )
    return location


def _attributes(request) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name in request.POST:
        match = _ATTRIBUTE.match(name)
        if match:
            found.setdefault(match.group(1), []).extend(request.POST.getlist(name))
    return found


def _create(request, fmt):
    token = _key(request, Scope.ORDERS_WRITE)
    if token is None:
        raise Open311Error(403, _("An api_key is required to submit a service request."))
    community = _jurisdiction(request, token, required=True)
    service_code = _param(request, "service_code")
    if not service_code:
        raise Open311Error(400, _("service_code was not provided."))
    category = _categories().filter(code=service_code).first()
    if category is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": service_code})
    location = _location(request, community, token)
    description = request.POST.get("description") or ""
    if len(description) > services.MAX_DESCRIPTION:
        raise Open311Error(
            400,
            _("The description is longer than %(n)s characters.") % {"n": services.MAX_DESCRIPTION},
        )
    phone = _param(request, "phone")
    if phone:
        try:
            phone = pii.validate_phone(phone)
        except ValidationError:
            raise Open311Error(400, _("The phone number is not a valid number.")) from None
    media_url = _param(request, "media_url")
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise Open311Error(400, _("media_url is not a valid URL.")) from None
    name = (_param(request, "last_name") + _param(request, "first_name")).strip()
    submission = services.submit_request(
        acting_user=token.user,
        api_token=token,
        community=community,
        category=category,
        location=location,
        description=description,
        attributes=_attributes(request),
        phone=phone,
        contact_name=name,
        media_url=media_url[:500],
        account_id=_param(request, "account_id"),
        device_id=_param(request, "device_id"),
    )
    item: dict = (
        {"service_request_id": submission.order.number}
        if submission.order_id
        else {"token": submission.token}
    )
    item["service_notice"] = submission.service_notice or _(
        "Received by the community hotline; you can follow it with the request id."
    )
    item["account_id"] = submission.account_id
    return formats.render(fmt, "service_requests", [item])


def _closed_states():
    from hotline.models import Order

    S = Order.State
    return (S.RESOLVED, S.CALLED_BACK, S.CLOSED, S.MERGED, S.WITHDRAWN)


def _orders(request, community, token):
    from hotline.models import Order

    if token is not None:
        orders = Order.objects.visible_to(token.user)
    else:
        orders = Order.objects.filter(channel=Order.Channel.OPEN311)
    return orders.filter(community=community).select_related(
        "category",
        "grid",
        "compound",
        "household__building__compound",
        "building__compound",
        "assignee_user",
        "assignee_volunteer",
        "assignee_provider",
        "assignee_unit",
        "merged_into",
        "open311_submission",
    )


def _as_request(order, *, full: bool) -> dict:
    from hotline.models import Order

    submission: Submission | None = getattr(order, "open311_submission", None)
    closed = order.state in _closed_states()
    notes = order.get_state_display()
    if order.state == Order.State.MERGED and order.merged_into_id:
        notes = _("Merged into %(number)s") % {"number": order.merged_into.number}
    elif full and order.resolution and order.state in (Order.State.RESOLVED, *_closed_states()):
        notes = f"{notes}: {order.resolution}"
    if full or order.assignee_unit_id or order.assignee_provider_id:
        agency = order.assignee_label
    else:
        # A staff member's or volunteer's name is not for the public: name the grid.
        agency = str(order.grid) if order.grid_id and order.state != Order.State.RECEIVED else ""
    if full:
        address = order.location_label
    else:
        address = order.compound.name if order.compound_id else ""
        address = address or (submission.address_string if submission else "")
    updated = order.updated_at
    if closed:
        updated = order.closed_at or order.resolved_at or updated
    return {
        "service_request_id": order.number,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": order.category.name,
        "service_code": order.category.code,
        "description": order.description if full else "",
        "agency_responsible": agency,
        "service_notice": submission.service_notice if submission else "",
        "requested_datetime": _w3(order.created_at),
        "updated_datetime": _w3(updated),
        "expected_datetime": _w3(order.resolution_due),
        "address": address,
        "address_id": str(order.household_id) if full and order.household_id else "",
        "zipcode": "",
        "lat": float(submission.lat) if submission and submission.lat is not None else "",
        "long": float(submission.long) if submission and submission.long is not None else "",
        "media_url": submission.media_url if submission else "",
    }


def _moment(value: str, name: str, *, end: bool = False):
    moment = parse_datetime(value.replace(" ", "+")) if "T" in value else None
    if moment is None and "T" not in value:
        day = parse_date(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
        if day is not None:
            moment = datetime.combine(day, time.max if end else time.min)
    if moment is None:
        raise Open311Error(
            400,
            _("%(name)s must be a w3 date and time, e.g. 2026-01-01T00:00:00Z.") % {"name": name},
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _list(request, fmt):
    token = _key(request, Scope.ORDERS_READ)
    community = _jurisdiction(request, token, required=True)
    orders = _orders(request, community, token)
    ids = [i.strip() for i in _param(request, "service_request_id").split(",") if i.strip()]
    if ids:
        # The standard: service_request_id overrides every other argument.
        orders = orders.filter(number__in=ids[:MAX_REQUESTS])
    else:
        start_raw, end_raw = _param(request, "start_date"), _param(request, "end_date")
        start = _moment(start_raw, "start_date") if start_raw else None
        end = _moment(end_raw, "end_date", end=True) if end_raw else None
        if start is None and end is None:
            end = timezone.now()
        if start is None:
            start = end - MAX_SPAN
        if end is None:
            end = start + MAX_SPAN
        if end < start:
            raise Open311Error(400, _("end_date is before start_date."))
        if end - start > MAX_SPAN:
            raise Open311Error(400, _("start_date and end_date may not span more than 90 days."))
        orders = orders.filter(created_at__gte=start, created_at__lte=end)
        codes = [c.strip() for c in _param(request, "service_code").split(",") if c.strip()]
        if codes:
            orders = orders.filter(category__code__in=codes)
        statuses = {s.strip() for s in _param(request, "status").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status must be open or closed."))
        if statuses == {"open"}:
            orders = orders.exclude(state__in=_closed_states())
        elif statuses == {"closed"}:
            orders = orders.filter(state__in=_closed_states())
    data = [_as_request(o, full=token is not None) for o in orders[:MAX_REQUESTS]]
    return formats.render(fmt, "service_requests", data)


@endpoint("GET", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    return _list(request, fmt)


@endpoint("GET")
def request_detail(request, service_request_id, fmt):
    token = _key(request, Scope.ORDERS_READ)
    community = _jurisdiction(request, token, required=True)
    order = _orders(request, community, token).filter(number=service_request_id).first()
    if order is None:
        raise Open311Error(
            404, _("service_request_id %(id)s was not found.") % {"id": service_request_id}
        )
    return formats.render(fmt, "service_requests", [_as_request(order, full=token is not None)])


@endpoint("GET")
def token_detail(request, token, fmt):
    community = _jurisdiction(request, None, required=False)
    submissions = Submission.objects.select_related("order")
    if community is not None:
        submissions = submissions.filter(community=community)
    submission = submissions.filter(token=token).first()
    if submission is None:
        raise Open311Error(404, _("token %(token)s was not found.") % {"token": token})
    return formats.render(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": submission.order.number if submission.order_id else "",
                "token": submission.token,
            }
        ],
    )


@endpoint("GET", "POST", "PUT", "PATCH", "DELETE")
def unknown(request, rest, fmt="xml"):
    raise Open311Error(404, _("There is no such Open311 resource."))


@endpoint("GET")
def discovery(request, fmt):
    """The Service Discovery document: where this GeoReport v2 endpoint lives."""
    from django.urls import reverse

    base = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": "xml"}))
    data = {
        "changeset": "2026-01-01T00:00:00+08:00",
        "contact": _("The community office (社区办公室)"),
        "key_service": _("Ask the community office for an API key."),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base.rsplit("/", 1)[0],
                "changeset": "2026-01-01T00:00:00+08:00",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return formats.render(fmt, "discovery", data)
