"""Photos on an order's timeline (before/after, a site visit, the finished repair).

Every picture goes through the shared upload helper (``linli.lib.uploads``): checked
by its content, size-limited, re-encoded without EXIF (a phone photo's GPS would
give away a resident's home) and stored under a random name. Pictures are served
only through ``order_photo``, to those who may open the order.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hotline.models import OrderPhoto
from hotline.views.common import get_order
from linli.lib import uploads

ENABLED = True
MAX_FILES = 6
FOLDER = "orders"


def store_photos(request, order) -> list[str]:
    """Store the photos posted with a form and return their paths.

    All or nothing: if one picture is refused, the ones already stored are removed
    and the refusal (an ``UploadRefused``, a ServiceError) goes up to the page.
    """
    files = request.FILES.getlist("photos")
    if len(files) > MAX_FILES:
        raise uploads.UploadRefused(
            _("At most %(n)d photos at a time, please.") % {"n": MAX_FILES}, code="too_many"
        )
    stored: list[str] = []
    try:
        for uploaded in files:
            stored.append(uploads.store_image(uploaded, folder=FOLDER))
    except Exception:
        discard(stored)
        raise
    return stored


def discard(paths) -> None:
    """Remove stored photos whose order step was then refused."""
    for path in paths:
        uploads.delete_image(path)


@contextmanager
def kept_only_if_done(paths):
    """Keep the stored photos only if the order step they belong to succeeds."""
    try:
        yield
    except Exception:
        discard(paths)
        raise


def url_for(order, photo) -> str:
    return reverse("hotline:order_photo", args=[order.pk, photo.pk])


@require_GET
def order_photo(request, pk: int, photo_pk: int):
    order = get_order(request, pk)
    photo = get_object_or_404(OrderPhoto, order=order, pk=photo_pk)
    return uploads.serve_image(photo.path, filename=f"{order.number}-{photo.pk}.jpg")
