"""Registry pages: search, resident detail and forms, reveal, import and export.

Views only read input and call ``people.services``; every resident is fetched
through ``Resident.objects.visible_to`` so anything outside the user's area is 404.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from pathlib import Path

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import AuditLog
from accounts.scopes import scope_of
from linli.lib import pii
from linli.lib.errors import ServiceError
from people import excel, policy, services
from people.forms import (
    ContactForm,
    ExportForm,
    ImportForm,
    MoveForm,
    MoveOutForm,
    PhoneForm,
    ResidentFilterForm,
    ResidentForm,
    RevealForm,
)
from people.models import EmergencyContact, Membership, Phone, Resident
from places.models import Community, Compound, Household

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50


def _data(request):
    """The POST data for a bound form (even when empty), or None on GET."""
    return request.POST if request.method == "POST" else None


def _files(request):
    return request.FILES if request.method == "POST" else None


def _visible(request):
    return Resident.objects.visible_to(request.user)


def _resident(request, pk: int) -> Resident:
    return get_object_or_404(
        _visible(request).select_related("household__building__compound__grid", "community"),
        pk=pk,
    )


def _home_community(user) -> Community | None:
    """The community a staff member works in (for registering and importing)."""
    ids = sorted(scope_of(user).all_community_ids())
    if user.is_superuser and not ids:
        return Community.objects.order_by("code").first()
    return Community.objects.filter(pk__in=ids).order_by("code").first()


# --- search and list --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def resident_list(request):
    """One search box; without a query, the residents of the user's area by compound.

    The search is POSTed (htmx) so that phone and ID numbers never appear in URLs,
    browser history or access logs; browsing by compound and care tag is GET.
    """
    query = request.POST.get("q", "").strip() if request.method == "POST" else ""
    show_tags = policy.can_see_care_tags(request.user)
    filters = ResidentFilterForm(request.GET or None, user=request.user, show_tags=show_tags)
    page = None
    results = None
    if query:
        results = services.search_residents(acting_user=request.user, query=query, limit=50)
    else:
        residents = filters.apply(_visible(request)).for_cards().order_by("name_pinyin", "id")
        page = Paginator(residents, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "query": query,
        "results": results,
        "page": page,
        "filters": filters,
        "filter_query": params.urlencode(),
        "show_tags": show_tags,
        "can_add": request.user.is_superuser or request.user.has_role(*policy.EDIT_ROLES),
        "can_import": request.user.is_superuser or request.user.has_role(*policy.IMPORT_ROLES),
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "people/partials/results.html", context)
    return render(request, "people/list.html", context)


# --- detail ---------------------------------------------------------------------------


@require_GET
def resident_detail(request, pk: int):
    resident = _resident(request, pk)
    user = request.user
    can_edit = policy.can_edit(user, resident)
    household_members = []
    if resident.household_id:
        household_members = list(
            _visible(request)
            .filter(household_id=resident.household_id)
            .exclude(pk=resident.pk)
            .prefetch_related(
                Prefetch("memberships", queryset=Membership.objects.filter(end_date__isnull=True))
            )
            .order_by("name_pinyin")
        )
    history = []
    if can_edit:
        history = list(
            AuditLog.objects.filter(object_type="people.resident", object_id=str(resident.pk))
            .select_related("actor")
            .order_by("-at", "-id")[:50]
        )
    context = {
        "resident": resident,
        "phones": list(resident.phones.all()),
        "contacts": list(resident.emergency_contacts.all()) if can_edit else [],
        "memberships": list(
            resident.memberships.select_related("household__building__compound").order_by(
                "-start_date", "-id"
            )
        ),
        "members": household_members,
        "care_tags": list(resident.care_tags.all())
        if policy.can_see_care_tags(user, resident)
        else None,
        "can_edit": can_edit,
        "can_reveal_phone": policy.can_reveal_phone(user, resident),
        "can_reveal_id": policy.can_reveal_id(user, resident),
        "history": history,
        "phone_form": PhoneForm(),
        "contact_form": ContactForm(),
        "reveal_form": RevealForm(),
    }
    return render(request, "people/detail.html", context)


# --- registering and editing ---------------------------------------------------------


def _resident_form_kwargs(request, *, editing=False, resident=None, household=None):
    return {
        "editing": editing,
        "show_care_tags": policy.can_see_care_tags(request.user, resident),
        "with_household": household is not None,
    }


@require_http_methods(["GET", "POST"])
def resident_create(request):
    if not (request.user.is_superuser or request.user.has_role(*policy.EDIT_ROLES)):
        raise PermissionDenied
    household = None
    household_id = request.GET.get("household") or request.POST.get("household")
    if household_id:
        household = get_object_or_404(
            Household.objects.visible_to(request.user).with_place(), pk=household_id
        )
    community = household.building.compound.grid.community if household else None
    community = community or _home_community(request.user)
    if community is None:
        raise Http404
    kwargs = _resident_form_kwargs(request, household=household)
    initial = {}
    if household and household.occupancy == Household.Occupancy.RENTED:
        initial["relation"] = Membership.Relation.TENANT
    form = ResidentForm(_data(request), initial=initial, **kwargs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resident = services.create_resident(
                acting_user=request.user,
                community=community,
                name=data["name"],
                household=household,
                relation=data.get("relation") or None,
                phones=[(data["phone"], data["phone_label"])] if data["phone"] else [],
                sex=data["sex"],
                birth_year=data["birth_year"],
                id_number=data["id_number"],
                uses_smartphone=data["uses_smartphone"],
                is_party_member=data["is_party_member"],
                care_tags=data.get("care_tags") or (),
                notes=data["notes"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": resident.name})
            return redirect("people:detail", pk=resident.pk)
    return render(
        request,
        "people/form.html",
        {"form": form, "household": household, "community": community, "resident": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def resident_edit(request, pk: int):
    resident = _resident(request, pk)
    if not policy.can_edit(request.user, resident):
        raise PermissionDenied
    kwargs = _resident_form_kwargs(request, editing=True, resident=resident)
    initial = {
        "name": resident.name,
        "sex": resident.sex,
        "birth_year": resident.birth_year,
        "uses_smartphone": resident.uses_smartphone,
        "is_party_member": resident.is_party_member,
        "care_tags": list(resident.care_tags.all()),
        "notes": resident.notes,
    }
    form = ResidentForm(_data(request), initial=initial, **kwargs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            expected = dt.datetime.fromisoformat(request.POST.get("updated_at", ""))
        except ValueError:
            expected = None
        try:
            services.update_resident(
                acting_user=request.user,
                resident=resident,
                name=data["name"],
                sex=data["sex"],
                birth_year=data["birth_year"] or "",
                id_number=data["id_number"],
                uses_smartphone=data["uses_smartphone"],
                is_party_member=data["is_party_member"],
                care_tags=data["care_tags"] if "care_tags" in form.fields else None,
                notes=data["notes"],
                expected_updated_at=expected,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("people:detail", pk=resident.pk)
    return render(
        request,
        "people/form.html",
        {"form": form, "resident": resident, "household": resident.household},
        status=400 if form.errors else 200,
    )


def _post_action(request, resident, action, success: str):
    """Run a small detail-page action and come back to the page with its outcome."""
    try:
        action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("people:detail", pk=resident.pk)


@require_POST
def phone_add(request, pk: int):
    resident = _resident(request, pk)
    form = PhoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please enter a phone number."))
        return redirect("people:detail", pk=resident.pk)
    return _post_action(
        request,
        resident,
        lambda: services.add_phone(
            acting_user=request.user,
            resident=resident,
            number=form.cleaned_data["number"],
            label=form.cleaned_data["label"],
        ),
        _("The number is added."),
    )


@require_POST
def phone_remove(request, pk: int, phone_pk: int):
    resident = _resident(request, pk)
    phone = get_object_or_404(Phone, pk=phone_pk, resident=resident)
    return _post_action(
        request,
        resident,
        lambda: services.remove_phone(acting_user=request.user, phone=phone),
        _("The number is removed."),
    )


@require_POST
def contact_add(request, pk: int):
    resident = _resident(request, pk)
    form = ContactForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Fill in the contact's name, relation and number."))
        return redirect("people:detail", pk=resident.pk)
    return _post_action(
        request,
        resident,
        lambda: services.add_emergency_contact(
            acting_user=request.user, resident=resident, **form.cleaned_data
        ),
        _("The emergency contact is added."),
    )


@require_POST
def contact_remove(request, pk: int, contact_pk: int):
    resident = _resident(request, pk)
    contact = get_object_or_404(EmergencyContact, pk=contact_pk, resident=resident)
    return _post_action(
        request,
        resident,
        lambda: services.remove_emergency_contact(acting_user=request.user, contact=contact),
        _("The emergency contact is removed."),
    )


# --- reveal -----------------------------------------------------------------------------


@require_POST
def reveal(request, pk: int):
    """Show one full number after the user gave a reason (an htmx swap of the masked one)."""
    resident = _resident(request, pk)
    field = request.POST.get("field", "")
    reason = request.POST.get("reason", "")
    value = ""
    error = ""
    masked = ""
    try:
        if field == "id_number":
            masked = resident.id_number_masked
            value = services.reveal_id_number(
                acting_user=request.user, resident=resident, reason=reason
            )
        else:
            kind, _sep, obj_pk = field.partition(":")
            model = {"phone": Phone, "contact": EmergencyContact}.get(kind)
            if model is None or not obj_pk.isdigit():
                raise Http404
            target = get_object_or_404(model, pk=obj_pk, resident=resident)
            masked = target.masked
            value = services.reveal_phone(acting_user=request.user, phone=target, reason=reason)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except ServiceError as exc:
        error = exc.message
    kind, _sep, obj_pk = field.partition(":")
    context = {
        "value": value,
        "error": error,
        "masked": masked,
        "kind": kind,
        "obj_pk": obj_pk,
        "resident": resident,
    }
    status = 400 if error else 200
    if request.htmx:
        return render(request, "people/partials/revealed.html", context, status=status)
    if error:
        messages.error(request, error)
    return render(request, "people/revealed.html", context, status=status)


# --- moving ------------------------------------------------------------------------------


def _find_household(compound: Compound, door: str) -> Household | None:
    from people.search import building_names

    parts = [p for p in door.replace("—", "-").replace("－", "-").split("-") if p]
    if len(parts) not in (2, 3):
        return None
    households = Household.objects.filter(
        building__compound=compound, building__name__in=building_names(parts[0])
    )
    if len(parts) == 3:
        households = households.filter(unit=parts[1], room=parts[2])
    else:
        households = households.filter(unit="", room=parts[1])
    return households.first()


@require_http_methods(["GET", "POST"])
def move(request, pk: int):
    """Move the resident to another household (a tenant moving in elsewhere)."""
    resident = _resident(request, pk)
    if not policy.can_edit(request.user, resident):
        raise PermissionDenied
    compounds = Compound.objects.visible_to(request.user).filter(
        grid__community=resident.community_id
    )
    form = MoveForm(
        _data(request),
        compounds=compounds.order_by("name"),
        initial={"on": timezone.localdate(), "relation": Membership.Relation.TENANT},
    )
    if request.method == "POST" and form.is_valid():
        household = _find_household(form.cleaned_data["compound"], form.cleaned_data["door"])
        if household is None:
            form.add_error("door", _("No such household in this compound. Check the door."))
        else:
            try:
                services.move_in(
                    acting_user=request.user,
                    resident=resident,
                    household=household,
                    relation=form.cleaned_data["relation"],
                    on=form.cleaned_data["on"],
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Moved to %(address)s.") % {"address": household})
                return redirect("people:detail", pk=resident.pk)
    return render(
        request,
        "people/move.html",
        {"form": form, "resident": resident},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def move_out(request, pk: int):
    resident = _resident(request, pk)
    if not policy.can_edit(request.user, resident):
        raise PermissionDenied
    form = MoveOutForm(_data(request), initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.move_out(acting_user=request.user, resident=resident, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("%(name)s has moved out.") % {"name": resident.name})
            return redirect("people:detail", pk=resident.pk)
    return render(
        request,
        "people/move_out.html",
        {"form": form, "resident": resident},
        status=400 if form.errors else 200,
    )


# --- import -------------------------------------------------------------------------------

IMPORT_TTL_SECONDS = 2 * 3600


def _import_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _import_path(user, token: str) -> Path:
    if not token.replace("-", "").replace("_", "").isalnum():
        raise Http404
    return _import_dir() / f"{user.pk}-{token}.bin"


def _store_upload(user, data: bytes) -> str:
    """Keep the uploaded file between preview and confirmation — encrypted, because
    it holds phone and ID numbers in the clear — and forget stale ones."""
    cutoff = time.time() - IMPORT_TTL_SECONDS
    for old in _import_dir().glob("*.bin"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    _import_path(user, token).write_bytes(pii.fernet().encrypt(data))
    return token


def _load_upload(user, token: str) -> bytes:
    path = _import_path(user, token)
    if not path.exists():
        raise Http404
    try:
        return pii.fernet().decrypt(path.read_bytes())
    except InvalidToken:
        # Unreadable now (the data key was rotated since, or the file was damaged):
        # gone, like an upload that expired; the user uploads the file again.
        raise Http404 from None


def _import_community(request) -> Community:
    if not (request.user.is_superuser or request.user.has_role(*policy.IMPORT_ROLES)):
        raise PermissionDenied
    community = _home_community(request.user)
    if community is None:
        raise Http404
    return community


@require_GET
def import_template(request):
    _import_community(request)
    response = HttpResponse(excel.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="residents-template.xlsx"'
    return response


@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Upload → every row checked → a row-by-row report, before anything is written."""
    community = _import_community(request)
    form = ImportForm(_data(request), _files(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            check = services.check_import(acting_user=request.user, community=community, data=data)
        except ServiceError as exc:
            form.add_error("file", exc.message)
        else:
            token = _store_upload(request.user, data)
            request.session[f"import-name-{token}"] = form.cleaned_data["file"].name[:100]
            return render(
                request,
                "people/import_preview.html",
                {"check": check, "token": token, "community": community},
            )
    return render(
        request,
        "people/import.html",
        {"form": form, "community": community, "columns": excel.COLUMNS},
        status=400 if form.errors else 200,
    )


@require_POST
def import_confirm(request, token: str):
    community = _import_community(request)
    data = _load_upload(request.user, token)
    only_valid = request.POST.get("only_valid") == "1"
    try:
        check, counts = services.import_residents(
            acting_user=request.user,
            community=community,
            data=data,
            only_valid=only_valid,
            file_name=request.session.get(f"import-name-{token}", ""),
        )
    except services.ImportRejected as exc:
        return render(
            request,
            "people/import_preview.html",
            {"check": exc.check, "token": token, "community": community, "error": exc.message},
            status=400,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("people:import")
    if not check.rejected:
        _import_path(request.user, token).unlink(missing_ok=True)
    return render(
        request,
        "people/import_done.html",
        {"check": check, "counts": counts, "token": token, "community": community},
    )


@require_GET
def import_rejected(request, token: str):
    """The rows that were not imported, with their errors, to fix and upload again."""
    community = _import_community(request)
    data = _load_upload(request.user, token)
    check = services.check_import(acting_user=request.user, community=community, data=data)
    response = HttpResponse(excel.rejected_workbook(check.rejected), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="rejected-rows.xlsx"'
    return response


# --- export -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def export(request):
    if not (request.user.is_superuser or request.user.has_role(*policy.EXPORT_ROLES)):
        raise PermissionDenied
    community = _home_community(request.user)
    if community is None:
        raise Http404
    allow_full = policy.covers_community(request.user, policy.FULL_EXPORT_ROLES, community.pk)
    compounds = Compound.objects.visible_to(request.user).filter(grid__community=community)
    form = ExportForm(_data(request), compounds=compounds.order_by("name"), allow_full=allow_full)
    if request.method == "POST" and form.is_valid():
        try:
            data = services.export_residents(
                acting_user=request.user,
                community=community,
                compound=form.cleaned_data["compound"],
                full_values=form.cleaned_data.get("full_values", False),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error("reason", exc.messages)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            response = HttpResponse(data, content_type=XLSX)
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            response["Content-Disposition"] = f'attachment; filename="residents-{stamp}.xlsx"'
            return response
    return render(
        request,
        "people/export.html",
        {"form": form, "community": community, "allow_full": allow_full},
        status=400 if form.errors else 200,
    )
