"""An outsider never learns that an object exists: one sweep over every object URL.

Every URL pattern of the site that names an object (pages, the JSON API, Open311, the
admin) gets a real object of community A's grid A1, and is then asked for it (GET and
POST) by people who must not see it:

* a grid worker of grid A2 of the same community (session) and an API key of grid A2;
* users of community B — a grid worker, and an administrator who holds the admin
  site's permissions — and an operator-level API key of community B.

Each answer must be a 404, or exactly what the same request gets for an object that
does not exist (a role refused before any look-up, a method not allowed, the admin's
"does not exist" redirect); never a 2xx, never a 5xx. A new object route fails
``test_every_object_route_is_known`` until it gets a builder here or a reason in
``NOT_SWEPT``.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from PIL import Image

from linli import testing as t
from linli.testing_security import named_url_patterns, object_url_patterns

pytestmark = pytest.mark.django_db

MISSING_ID = 987_654_321

# Admin models that hold no community's data: deployment-wide settings and catalogues,
# or records only superusers can open (no community administrator is given their
# permissions). Their admin URLs are not swept.
ADMIN_SHARED = {
    "auth.group": "permission groups are configuration, superusers only",
    "axes.accessattempt": "login-attempt records, superusers only",
    "axes.accesslog": "login records, superusers only",
    "axes.accessfailurelog": "login-failure records, superusers only",
    "django_tasks_database.dbtaskresult": "the task queue, superusers only",
    "places.region": "counties are shared by every community of the deployment",
    "places.street": "streets are shared by the communities along them",
    "people.caretag": "the list of care tags is deployment-wide",
    "cobuild.unit": "units (county departments, companies) serve several communities",
    "hotline.category": "work-order categories are deployment-wide",
    "hotline.slalimit": "time limits belong to categories, deployment-wide",
    "hotline.calendarday": "the official holiday calendar is deployment-wide",
    "care.contactrule": "contact rules are deployment-wide settings",
    "care.caresettings": "care settings are deployment-wide",
    "care.recurrencerule": "recurrence rules are deployment-wide settings",
    "care.season": "seasons are deployment-wide settings",
    "care.orderhoursrule": "service-hour rules are deployment-wide settings",
}

# Object routes that are not swept, each with the reason.
NOT_SWEPT = {
    "open311:service": "a service is a work-order category, public by design (GeoReport v2)",
    "open311:token": (
        "the submission token is an unguessable secret handed to the submitter; it "
        "answers only the order's number (GeoReport v2 token look-up)"
    ),
    "care:season_check": (
        "the id is a deployment-wide season; the compound it is posted with is checked "
        "by care's own tests"
    ),
    "admin:view_on_site": "Django's redirect to an object's page, which is swept itself",
    "admin:app_list": "an app's index in the admin lists models, not an object",
}

# Actions of routes that take the action in the path.
HOTLINE_ACTIONS = (
    "dispatch",
    "accept",
    "start",
    "note",
    "return",
    "resolve",
    "callback",
    "close",
    "withdraw",
    "merge",
    "supervise",
)
PROBLEM_ACTIONS = ("acknowledge", "assign", "close")


# --- the data set: one community with two grids, and a second community ------------


@dataclass
class World:
    community: object
    grid: object
    grid_b: object
    other_community: object
    operator: object
    grid_worker: object
    leader: object
    a_admin: object
    outsiders: dict = field(default_factory=dict)  # label -> (user, None) or (None, key)
    objects: SimpleNamespace = field(default_factory=SimpleNamespace)
    admin_objects: dict = field(default_factory=dict)  # "app.model" -> object
    keys: dict = field(default_factory=dict)


def _png(name="photo.png"):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _admin_permissions(user):
    # What a community administrator is given (see accounts/demo.py), and more.
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=[
                "places",
                "people",
                "hotline",
                "care",
                "accounts",
                "open311",
                "cobuild",
                "otp_totp",
            ]
        )
    )


def build_world() -> World:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import AuditLog, Role
    from care import services as care
    from care.models import CareAlert, PlanItem, RecurringProblem, Season, VisitFinding
    from hotline import services as hotline
    from hotline import telephony
    from hotline.models import Call, Category, Notification
    from linli.lib import uploads
    from open311 import services as open311
    from open311.models import Scope, Submission
    from people import excel
    from people import services as people
    from people import views as people_views
    from people.models import EmergencyContact, Phone, Volunteer

    all_scopes = [s.value for s in Scope]
    region = t.make_region()
    community = t.make_community("葫芦岛社区", region=region)
    other_community = t.make_community("崇相西社区", region=t.make_region("万荣县"))
    grid, grid_b = t.make_grid(community, "第一网格"), t.make_grid(community, "第二网格")
    other_grid = t.make_grid(other_community, "崇相西第一网格")
    compound = t.make_compound(grid, "供销巷小区")
    building = t.make_building(compound, "3号楼")
    household = t.make_household(building, "401")
    t.make_compound(other_grid, "崇相西巷")

    operator = t.make_user("op_a", role=Role.OPERATOR, community=community)
    leader = t.make_user("leader_a", role=Role.LEADER, community=community)
    a_admin = t.make_user("admin_a", role=Role.ADMIN, community=community, is_staff=True)
    grid_worker = t.make_user("grid_a1", role=Role.GRID_WORKER, grid=grid)
    w = World(community, grid, grid_b, other_community, operator, grid_worker, leader, a_admin)

    # The outsiders.
    grid_worker_b = t.make_user("grid_a2", role=Role.GRID_WORKER, grid=grid_b)
    b_worker = t.make_user("grid_b1", role=Role.GRID_WORKER, grid=other_grid)
    b_admin = t.make_user("admin_b", role=Role.ADMIN, community=other_community, is_staff=True)
    _admin_permissions(b_admin)
    a2_key = open311.create_api_token(
        acting_user=a_admin,
        name="grid A2",
        community=community,
        scopes=all_scopes,
        role=Role.GRID_WORKER,
        grid=grid_b,
        rate_limit_per_minute=10_000,
    )[1]
    b_key = open311.create_api_token(
        acting_user=b_admin,
        name="community B",
        community=other_community,
        scopes=all_scopes,
        rate_limit_per_minute=10_000,
    )[1]
    a_token, a_key = open311.create_api_token(
        acting_user=a_admin,
        name="community A",
        community=community,
        scopes=all_scopes,
        rate_limit_per_minute=10_000,
    )
    w.keys = {"a": a_key}
    w.outsiders = {
        "grid worker of grid A2": (grid_worker_b, None),
        "API key of grid A2": (None, a2_key),
        "grid worker of community B": (b_worker, None),
        "administrator of community B": (b_admin, None),
        "API key of community B": (None, b_key),
    }

    # The registry.
    resident = people.create_resident(
        acting_user=operator,
        community=community,
        name="王秀兰",
        household=household,
        phones=[("13912345678", "本人")],
        id_number="142701195003150013",
        care_tags=["living_alone"],
    )
    people.add_emergency_contact(
        acting_user=operator, resident=resident, name="王强", relation="儿子", number="13698765432"
    )
    phone = Phone.objects.filter(resident=resident).first()
    contact = EmergencyContact.objects.get(resident=resident)
    volunteer = Volunteer.objects.create(
        community=community, grid=grid, name="赵建国", skills=["errands"]
    )
    import_token = people_views._store_upload(operator, excel.template_workbook())

    # The hotline.
    drain = Category.objects.get(code="drain_blockage")
    order = hotline.create_order(
        acting_user=operator,
        category=drain,
        description="下水道堵了",
        caller=resident,
        household=household,
    )
    hotline.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    path = uploads.store_image(_png(), folder="orders")
    hotline.add_note(acting_user=grid_worker, order=order, note="看过了", photo_paths=[path])
    photo = order.photos.first()
    other_order = hotline.create_order(
        acting_user=operator, category=drain, description="井盖又坏了", compound=compound
    )
    call = Call(community=community, external_id="sweep-1", resident=resident)
    call.set_number("13912345678")
    call.save()
    integration, _key = telephony.create_integration(
        acting_user=a_admin, community=community, name="总机"
    )
    notification = Notification.objects.filter(order=order).first()

    # Care.
    care.generate_plans(acting_user=operator, community=community)
    plan = resident.care_plan
    item = PlanItem.objects.filter(plan=plan).first()
    for _ in range(2):
        care.record_check_in(
            acting_user=grid_worker, plan=plan, kind="call", outcome="no_answer", note=""
        )
    alert = CareAlert.objects.get(plan=plan)
    visit = care.log_visit(
        acting_user=grid_worker, household=household, summary="见到了", findings=["楼道灯坏了"]
    )
    finding = VisitFinding.objects.get(visit=visit)
    visit_photo = care.add_visit_photo(acting_user=grid_worker, visit=visit, upload=_png())
    problem = RecurringProblem.objects.create(
        community=community,
        grid=grid,
        compound=compound,
        level="compound",
        category=drain,
        order_count=3,
        first_at=order.created_at,
        last_at=order.created_at,
        threshold=3,
        window_days=90,
    )
    problem.orders.add(order)
    Season.objects.create(name="雨季", start_month=7, end_month=9)

    # Open311: a request filed with community A's key.
    response = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": a_key,
            "service_code": "appliance_repair",
            "description": "小区门口积水",
            "address_id": str(household.pk),
        },
    )
    assert response.status_code in (200, 201), response.content
    submission = Submission.objects.filter(community=community).first()

    device = TOTPDevice.objects.create(user=leader, name="phone", confirmed=True)
    w.objects = SimpleNamespace(
        compound=compound,
        building=building,
        household=household,
        resident=resident,
        phone=phone,
        contact=contact,
        volunteer=volunteer,
        import_token=import_token,
        order=order,
        other_order=other_order,
        photo=photo,
        call=call,
        plan=plan,
        item=item,
        alert=alert,
        visit=visit,
        finding=finding,
        visit_photo=visit_photo,
        problem=problem,
        device=device,
    )
    w.admin_objects = {
        "accounts.user": grid_worker,
        "accounts.auditlog": AuditLog.objects.filter(community_id=community.pk).first(),
        "otp_totp.totpdevice": device,
        "places.community": community,
        "places.grid": grid,
        "places.compound": compound,
        "places.building": building,
        "places.household": household,
        "people.volunteer": volunteer,
        "hotline.serviceprovider": hotline_provider(community, grid),
        "hotline.telephonyintegration": integration,
        "hotline.order": order,
        "hotline.notification": notification,
        "open311.apitoken": a_token,
        "open311.submission": submission,
    }
    missing = [label for label, obj in w.admin_objects.items() if obj is None]
    assert not missing, f"the data set did not make {missing}"
    return w


def hotline_provider(community, grid):
    from hotline.models import ServiceProvider

    provider = ServiceProvider(community=community, name="李师傅", trade="plumbing")
    provider.set_number("13900001111")
    provider.save()
    provider.grids.set([grid])
    return provider


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One data set for the whole module, rolled back at the end."""
    tasks = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(TASKS=tasks, MEDIA_ROOT=media):
        with transaction.atomic():
            from hotline.tests.factories import ensure_catalogue

            ensure_catalogue()
            yield build_world()
            transaction.set_rollback(True)


# --- which object each route names ------------------------------------------------


def _o(w):
    return w.objects


# url name -> function(world) -> path kwargs (or a list of them).
OBJECT_ROUTES = {
    "places:grid": lambda w: {"pk": w.grid.pk},
    "places:compound": lambda w: {"pk": _o(w).compound.pk},
    "places:building": lambda w: {"pk": _o(w).building.pk},
    "places:household": lambda w: {"pk": _o(w).household.pk},
    "people:detail": lambda w: {"pk": _o(w).resident.pk},
    "people:edit": lambda w: {"pk": _o(w).resident.pk},
    "people:reveal": lambda w: {"pk": _o(w).resident.pk},
    "people:phone_add": lambda w: {"pk": _o(w).resident.pk},
    "people:phone_remove": lambda w: {"pk": _o(w).resident.pk, "phone_pk": _o(w).phone.pk},
    "people:contact_add": lambda w: {"pk": _o(w).resident.pk},
    "people:contact_remove": lambda w: {
        "pk": _o(w).resident.pk,
        "contact_pk": _o(w).contact.pk,
    },
    "people:move": lambda w: {"pk": _o(w).resident.pk},
    "people:move_out": lambda w: {"pk": _o(w).resident.pk},
    "people:import_confirm": lambda w: {"token": _o(w).import_token},
    "people:import_rejected": lambda w: {"token": _o(w).import_token},
    "hotline:console_caller": lambda w: {"pk": _o(w).resident.pk},
    "hotline:console_call": lambda w: {"pk": _o(w).call.pk},
    "hotline:console_call_state": lambda w: {"pk": _o(w).call.pk},
    "hotline:console_attach": lambda w: {"pk": _o(w).order.pk},
    "hotline:order": lambda w: {"pk": _o(w).order.pk},
    "hotline:slip": lambda w: {"pk": _o(w).order.pk},
    "hotline:order_photo": lambda w: {"pk": _o(w).order.pk, "photo_pk": _o(w).photo.pk},
    "hotline:order_action": lambda w: [
        {"pk": _o(w).order.pk, "action": a} for a in HOTLINE_ACTIONS
    ],
    "hotline:mine_order": lambda w: {"pk": _o(w).order.pk},
    "care:record": lambda w: {"pk": _o(w).item.pk},
    "care:call": lambda w: {"pk": _o(w).plan.pk, "phone_pk": _o(w).phone.pk},
    "care:plan": lambda w: {"pk": _o(w).plan.pk},
    "care:plan_check_in": lambda w: {"pk": _o(w).plan.pk},
    "care:plan_assign": lambda w: {"pk": _o(w).plan.pk},
    "care:plan_contact": lambda w: {"pk": _o(w).plan.pk},
    "care:plan_active": lambda w: {"pk": _o(w).plan.pk},
    "care:alert_close": lambda w: {"pk": _o(w).alert.pk},
    "care:visit": lambda w: {"pk": _o(w).visit.pk},
    "care:visit_finding": lambda w: {"pk": _o(w).visit.pk},
    "care:visit_photo": lambda w: {"pk": _o(w).visit.pk},
    "care:visit_photo_file": lambda w: {"pk": _o(w).visit_photo.pk},
    "care:visit_new": lambda w: {"household_pk": _o(w).household.pk},
    "care:visit_plan": lambda w: {"household_pk": _o(w).household.pk},
    "care:finding_order": lambda w: {"pk": _o(w).finding.pk},
    "care:volunteer": lambda w: {"pk": _o(w).volunteer.pk},
    "care:volunteer_hours": lambda w: {"pk": _o(w).volunteer.pk},
    "care:problem": lambda w: {"pk": _o(w).problem.pk},
    "care:problem_action": lambda w: [
        {"pk": _o(w).problem.pk, "action": a} for a in PROBLEM_ACTIONS
    ],
    "open311:request": lambda w: {"service_request_id": _o(w).order.number, "fmt": "json"},
    "api:compound": lambda w: {"compound_id": _o(w).compound.pk},
    "api:households": lambda w: {"building_id": _o(w).building.pk},
    "api:resident": lambda w: {"resident_id": _o(w).resident.pk},
    "api:order_detail": lambda w: {"number": _o(w).order.number},
    "api:record": lambda w: {"plan_id": _o(w).plan.pk},
    **{
        f"api:{name}": (lambda w: {"number": _o(w).order.number})
        for name in (
            "dispatch",
            "accept",
            "start",
            "note",
            "return_",
            "resolve",
            "callback",
            "close",
            "withdraw",
            "merge",
            "supervise",
            "attach",
        )
    },
    "admin:auth_user_password_change": lambda w: {"id": w.grid_worker.pk},
    "admin:otp_totp_totpdevice_config": lambda w: {"pk": _o(w).device.pk},
    "admin:otp_totp_totpdevice_qrcode": lambda w: {"pk": _o(w).device.pk},
}

# Bodies that pass the API's validation, so a POST reaches the object look-up.
API_BODIES = {
    "api:dispatch": {"note": "派给网格员"},
    "api:accept": {},
    "api:start": {},
    "api:note": {"note": "进展"},
    "api:return_": {"reason": "不归我管"},
    "api:resolve": {"resolution": "修好了"},
    "api:callback": {"result": "satisfied"},
    "api:close": {},
    "api:withdraw": {"reason": "居民撤回"},
    "api:merge": {"into": "X"},
    "api:supervise": {"note": "请尽快"},
    "api:attach": {"name": "王先生"},
    "api:record": {"kind": "call", "outcome": "fine"},
}

_ADMIN_OBJECT_VIEW = re.compile(r"^admin:(?P<label>.+)_(?:change|delete|history)$")


def _admin_model_label(name: str) -> str | None:
    """``admin:hotline_order_change`` -> ``hotline.order`` (for registered models)."""
    match = _ADMIN_OBJECT_VIEW.match(name)
    if not match:
        return None
    for model in admin.site._registry:
        if f"{model._meta.app_label}_{model._meta.model_name}" == match["label"]:
            return model._meta.label_lower
    return None


def _kwargs_for(name: str, w: World) -> list[dict]:
    label = _admin_model_label(name)
    if label is not None:
        if label in ADMIN_SHARED or label not in w.admin_objects:
            return []
        return [{"object_id": w.admin_objects[label].pk}]
    if name not in OBJECT_ROUTES:
        return []  # test_every_object_route_is_known names it
    built = OBJECT_ROUTES[name](w)
    return built if isinstance(built, list) else [built]


def _missing(kwargs: dict) -> dict:
    """The same arguments naming objects that do not exist."""
    out = {}
    for arg, value in kwargs.items():
        if arg in ("action", "fmt"):
            out[arg] = value
        elif arg in ("token", "number", "service_request_id"):
            out[arg] = "Z" + str(value)[1:] if isinstance(value, str) and value else "Z"
        else:
            out[arg] = MISSING_ID
    return out


# --- the checks ----------------------------------------------------------------------


def test_every_object_route_is_known():
    """A new route that names an object needs a builder here, or a reason not to sweep."""
    unknown = []
    for name, _pattern in object_url_patterns():
        if name in NOT_SWEPT or name in OBJECT_ROUTES:
            continue
        label = _admin_model_label(name)
        if label is not None and (label in ADMIN_SHARED or label in ADMIN_OBJECT_LABELS):
            continue
        unknown.append(name)
    assert not unknown, (
        "these routes name an object the outsider sweep cannot build; add them to "
        f"OBJECT_ROUTES (or NOT_SWEPT with a reason): {unknown}"
    )


def test_the_lists_name_only_routes_that_exist():
    # A renamed route fails the test above under its new name; reasons must not linger.
    names = {name for name, _p in named_url_patterns()}
    assert not set(NOT_SWEPT) - names
    registered = {m._meta.label_lower for m in admin.site._registry}
    assert not ADMIN_OBJECT_LABELS - registered


# Admin models whose objects the data set makes (keys of World.admin_objects).
ADMIN_OBJECT_LABELS = {
    "accounts.user",
    "accounts.auditlog",
    "otp_totp.totpdevice",
    "places.community",
    "places.grid",
    "places.compound",
    "places.building",
    "places.household",
    "people.volunteer",
    "hotline.serviceprovider",
    "hotline.telephonyintegration",
    "hotline.order",
    "hotline.notification",
    "open311.apitoken",
    "open311.submission",
}


def _client_for(user, key):
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client, ({"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {})


def _request(client, headers, method, name, url, *, community_code=""):
    if name.startswith("api:"):
        if method == "GET":
            return client.get(url, **headers)
        return client.post(
            url, API_BODIES.get(name, {}), content_type="application/json", **headers
        )
    if name.startswith("open311:"):
        params = {"jurisdiction_id": community_code}
        if method == "GET":
            return client.get(url, params, **headers)
        return client.post(url, params, **headers)
    if method == "GET":
        return client.get(url, **headers)
    return client.post(url, {}, **headers)


def _summary(response) -> tuple:
    location = response.get("Location", "")
    return response.status_code, re.sub(r"\d+", "#", location)


def _urls(w: World):
    for name, _pattern in object_url_patterns():
        if name in NOT_SWEPT:
            continue
        for kwargs in _kwargs_for(name, w):
            yield name, reverse(name, kwargs=kwargs), reverse(name, kwargs=_missing(kwargs))


def _sweep(w: World, who: str) -> list[str]:
    user, key = w.outsiders[who]
    client, headers = _client_for(user, key)
    if key and not user:
        # A key is for the API and Open311 only; the pages would send it to log in.
        urls = [u for u in _urls(w) if u[0].startswith(("api:", "open311:"))]
    else:
        urls = list(_urls(w))
    problems = []
    for name, url, missing_url in urls:
        for method in ("GET", "POST"):
            real = _request(client, headers, method, name, url, community_code=w.community.code)
            status = real.status_code
            if status == 404:
                continue
            if name.startswith("api:") and status == 422:
                problems.append(f"{method} {url} ({name}): 422, the sweep's body is not valid")
                continue
            missing = _request(
                client, headers, method, name, missing_url, community_code=w.community.code
            )
            if 200 <= status < 300 or status >= 500 or _summary(real) != _summary(missing):
                problems.append(
                    f"{method} {url} ({name}): {_summary(real)}, "
                    f"for a missing object {_summary(missing)}"
                )
    assert len(urls) > 15, "the sweep lost its routes"
    return problems


@pytest.mark.parametrize(
    "who",
    [
        "grid worker of grid A2",
        "API key of grid A2",
        "grid worker of community B",
        "administrator of community B",
        "API key of community B",
    ],
)
def test_an_outsider_gets_404_for_every_object_of_grid_a1(world, who):
    problems = _sweep(world, who)
    assert not problems, f"{who} can tell these objects exist:\n" + "\n".join(problems)


def test_the_objects_are_there_for_those_who_may_see_them(world):
    """The control: community A's operator (a superuser for the admin, A's key for
    Open311) finds every swept object, so a 404 above means "not yours", not "not
    built"."""
    from accounts.models import User

    root = User.objects.create_superuser("root_sweep", password=t.TEST_PASSWORD)
    superuser, _ = _client_for(root, None)
    operator, _ = _client_for(world.operator, None)
    keyed, headers = _client_for(None, world.keys["a"])
    owners = {
        "hotline:mine_order": world.grid_worker,
        "people:import_confirm": world.operator,
        "people:import_rejected": world.operator,
    }
    not_found = []
    for name, url, _missing_url in _urls(world):
        if name in owners:
            client, hdrs = _client_for(owners[name], None)
        elif name.startswith("open311:"):
            client, hdrs = keyed, headers
        elif name.startswith("admin:"):
            client, hdrs = superuser, {}
        else:
            client, hdrs = operator, {}
        response = _request(client, hdrs, "GET", name, url, community_code=world.community.code)
        if response.status_code == 404:
            not_found.append(f"{url} ({name})")
    assert not not_found, "the data set's objects were not found by their owners:\n" + "\n".join(
        not_found
    )
