"""Photos on a home visit: checked and re-encoded by the upload helper, served only to
those who may see the visit."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from care import services
from care.models import VisitPhoto
from linli.lib.errors import NotFound, ServiceError


def png(name="pipe.png"):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def visit(grid_worker, household, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return services.log_visit(acting_user=grid_worker, household=household, summary="水管渗水")


@pytest.mark.django_db
def test_a_photo_is_stored_as_a_clean_jpeg(grid_worker, visit, tmp_path):
    photo = services.add_visit_photo(
        acting_user=grid_worker, visit=visit, upload=png(), caption="厨房"
    )
    assert photo.path.startswith("visits/") and photo.path.endswith(".jpg")
    assert (tmp_path / photo.path).exists()


@pytest.mark.django_db
def test_a_file_that_is_not_a_picture_is_refused_and_nothing_is_kept(grid_worker, visit):
    fake = SimpleUploadedFile("x.jpg", b"not a picture", content_type="image/jpeg")
    with pytest.raises(ServiceError):
        services.add_visit_photo(acting_user=grid_worker, visit=visit, upload=fake)
    assert not VisitPhoto.objects.exists()


@pytest.mark.django_db
def test_outsiders_cannot_add_photos(grid_worker_b, outsider, visit):
    for user in (grid_worker_b, outsider):
        with pytest.raises(NotFound):
            services.add_visit_photo(acting_user=user, visit=visit, upload=png())


@pytest.mark.django_db
def test_the_photo_is_uploaded_from_the_page_and_served_only_in_scope(
    login, grid_worker, grid_worker_b, outsider, visit
):
    client = login(grid_worker)
    response = client.post(
        reverse("care:visit_photo", args=[visit.pk]), {"photo": png(), "caption": "厨房"}
    )
    assert response.status_code == 302
    photo = VisitPhoto.objects.get()
    url = reverse("care:visit_photo_file", args=[photo.pk])
    assert url in client.get(reverse("care:visit", args=[visit.pk])).content.decode()
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    for user in (grid_worker_b, outsider):
        assert login(user).get(url).status_code == 404
