"""Photos on an order: uploaded with a note or the resolution, cleaned by the shared
upload helper, and shown only to those who may open the order."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from hotline import services
from hotline.models import Order, OrderPhoto
from hotline.tests.factories import ensure_catalogue, make_order


@pytest.fixture(autouse=True)
def _catalogue(db):
    # Seeded by a migration; a transactional test elsewhere may have flushed it.
    ensure_catalogue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def picture(name="leak.png", size=(40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def act(order, action):
    return reverse("hotline:order_action", args=[order.pk, action])


@pytest.fixture
def order(operator, grid_worker, household):
    order = make_order(operator, household=household, code="roof_leak", description="屋顶漏水")
    services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
    services.accept_order(acting_user=grid_worker, order=order)
    return order


@pytest.mark.django_db
def test_a_note_with_photos_lands_on_the_timeline_as_clean_jpegs(login, grid_worker, order):
    response = login(grid_worker).post(
        act(order, "note"),
        {"note": "现场照片", "photos": [picture(), picture("b.png")], "page": "mobile"},
    )
    assert response.status_code == 302
    photos = list(OrderPhoto.objects.filter(order=order))
    assert len(photos) == 2
    for photo in photos:
        assert photo.path.startswith("orders/") and photo.path.endswith(".jpg")
        assert default_storage.exists(photo.path)
        assert photo.event.note == "现场照片"


@pytest.mark.django_db
def test_the_order_page_shows_the_photo_and_serves_it_to_the_area_only(
    login, operator, grid_worker, grid_worker_b, outsider, order
):
    login(grid_worker).post(
        act(order, "resolve"), {"resolution": "已补好防水", "photos": [picture()]}
    )
    order.refresh_from_db()
    assert order.state == Order.State.RESOLVED
    photo = OrderPhoto.objects.get(order=order)
    url = reverse("hotline:order_photo", args=[order.pk, photo.pk])
    page = login(operator).get(reverse("hotline:order", args=[order.pk])).content.decode()
    assert url in page
    response = login(operator).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert login(grid_worker_b).get(url).status_code == 404
    assert login(outsider).get(url).status_code == 404


@pytest.mark.django_db
def test_a_photo_of_another_order_is_not_found_under_this_one(login, operator, order, household):
    other = make_order(operator, household=household)
    services.add_note(
        acting_user=operator,
        order=other,
        note="x",
        photo_paths=["orders/2026/01/" + "a" * 32 + ".jpg"],
    )
    photo = OrderPhoto.objects.get(order=other)
    url = reverse("hotline:order_photo", args=[order.pk, photo.pk])
    assert login(operator).get(url).status_code == 404


@pytest.mark.django_db
def test_a_file_that_is_not_a_picture_is_refused_and_nothing_is_kept(
    login, grid_worker, order, tmp_path
):
    fake = SimpleUploadedFile("leak.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg")
    response = login(grid_worker).post(
        act(order, "note"), {"note": "照片", "photos": [picture(), fake]}
    )
    assert response.status_code == 400
    assert "不是图片" in response.content.decode() or "not a picture" in response.content.decode()
    assert not OrderPhoto.objects.exists()
    assert order.events.count() == 3  # created, dispatched, accepted
    assert not [p for p in tmp_path.rglob("*.jpg")]


@pytest.mark.django_db
def test_photos_are_removed_when_the_step_itself_is_refused(
    login, operator, grid_worker, household, tmp_path
):
    waiting = make_order(operator, household=household, description="还没签收")
    services.dispatch_order(acting_user=operator, order=waiting, user=grid_worker)
    # Resolving before accepting is refused by the service, after the photos were stored.
    response = login(grid_worker).post(
        act(waiting, "resolve"), {"resolution": "修好了", "photos": [picture()]}
    )
    assert response.status_code == 400
    assert not OrderPhoto.objects.exists()
    assert not [p for p in tmp_path.rglob("*.jpg")]


@pytest.mark.django_db
def test_too_many_photos_at_once_are_refused(login, grid_worker, order):
    response = login(grid_worker).post(
        act(order, "note"), {"note": "x", "photos": [picture(f"{n}.png") for n in range(7)]}
    )
    assert response.status_code == 400
    assert not OrderPhoto.objects.exists()
