"""Posted fields a form does not list are ignored (and the helpers that prove it can fail)."""

import sys
import types

import pytest
from django import forms
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path, reverse

from accounts.models import User
from linli import testing as t
from linli.testing_security import (
    assert_form_ignores_extra_fields,
    assert_post_ignores_extra_fields,
    model_forms_without_explicit_fields,
)


@login_not_required
def careless_edit(request, pk):
    """What must never be written: every posted field copied onto the object."""
    user = User.objects.get(pk=pk)
    for name, value in request.POST.items():
        if name in ("is_staff", "is_superuser"):
            setattr(user, name, value == "on")
    user.save()
    return HttpResponse("saved")


@login_not_required
def careless_create(request):
    User.objects.create(username=request.POST["username"], is_staff="is_staff" in request.POST)
    return HttpResponse("made")


urlpatterns = [
    path("careless/<int:pk>/", careless_edit, name="careless_edit"),
    path("careless/new/", careless_create, name="careless_create"),
]


@pytest.mark.django_db
def test_the_login_form_ignores_posted_privilege_fields(client, operator):
    response = assert_post_ignores_extra_fields(
        client,
        reverse("accounts:login"),
        {"username": "operator", "password": t.TEST_PASSWORD},
        watch=[operator],
    )
    assert response.status_code == 302  # the log-in itself worked
    operator.refresh_from_db()
    assert not operator.is_superuser and not operator.is_staff and operator.is_active


@pytest.mark.django_db
def test_the_second_factor_page_ignores_posted_fields(login, leader):
    assert_post_ignores_extra_fields(
        login(leader),
        reverse("accounts:otp_setup"),
        {"action": "confirm", "otp_token": "000000"},
        watch=[leader],
    )


@pytest.mark.django_db
def test_the_helper_catches_a_view_that_copies_posted_fields(client, settings, operator):
    settings.ROOT_URLCONF = __name__
    with pytest.raises(AssertionError, match="is_superuser"):
        assert_post_ignores_extra_fields(
            client, reverse("careless_edit", args=[operator.pk]), {}, watch=[operator]
        )


@pytest.mark.django_db
def test_the_helper_catches_a_view_that_creates_with_posted_fields(client, settings):
    settings.ROOT_URLCONF = __name__
    with pytest.raises(AssertionError, match="is_staff"):
        assert_post_ignores_extra_fields(
            client,
            reverse("careless_create"),
            {"username": "new-one"},
            created=lambda: User.objects.get(username="new-one"),
        )


@pytest.mark.django_db
def test_the_helper_refuses_to_check_nothing(client, operator):
    with pytest.raises(AssertionError, match="none of the extra fields"):
        assert_post_ignores_extra_fields(
            client, reverse("accounts:login"), {}, watch=[operator], extra={"colour": "red"}
        )


class DisplayNameForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "phone_extension"]


@pytest.mark.django_db
def test_a_model_form_with_listed_fields_ignores_the_rest(operator):
    form = assert_form_ignores_extra_fields(
        DisplayNameForm, {"display_name": "张敏", "phone_extension": "8001"}, instance=operator
    )
    saved = form.save()
    assert saved.display_name == "张敏"
    assert not saved.is_superuser and not saved.is_staff


def test_the_project_has_no_model_form_that_takes_all_fields():
    assert model_forms_without_explicit_fields() == []


def test_the_sweep_finds_a_model_form_that_takes_all_fields(monkeypatch):
    module = types.ModuleType("accounts.forms")

    class EverythingForm(forms.ModelForm):
        class Meta:
            model = User
            fields = "__all__"  # noqa: DJ007 — the mistake the sweep must find

    class AllButForm(forms.ModelForm):
        class Meta:
            model = User
            exclude = ["password"]  # noqa: DJ006 — likewise

    EverythingForm.__module__ = AllButForm.__module__ = "accounts.forms"
    module.EverythingForm, module.AllButForm = EverythingForm, AllButForm
    monkeypatch.setitem(sys.modules, "accounts.forms", module)
    assert sorted(model_forms_without_explicit_fields()) == [
        "accounts.forms.AllButForm",
        "accounts.forms.EverythingForm",
    ]
