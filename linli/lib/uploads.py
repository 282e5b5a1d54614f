"""Photos and receipts: checked, cleaned and stored so that they can do no harm.

A picture staff upload (a leaking pipe, a receipt for the fundraising ledger) is
checked by its content, not its name: only JPEG, PNG and WebP are accepted, within
a size limit (LINLI_UPLOAD_MAX_MB). It is then re-encoded as a JPEG no larger than
1600 pixels on its long side; re-encoding drops EXIF, which on a phone photo
includes the GPS position of the resident's home. The file is stored under a
random name in MEDIA_ROOT/<folder>/YYYY/MM/ and the relative path returned; store
that path on the object (a CharField is enough).

Serving goes through the caller's view, which first decides whether the user may
see the object the picture belongs to (404 otherwise), then returns
``serve_image(path)``. MEDIA_ROOT is never served directly.

    path = uploads.store_image(request.FILES["photo"], folder="orders")
    ...
    return uploads.serve_image(order.photo, filename=f"order-{order.number}.jpg")
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from linli.lib.errors import ServiceError

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MAX_SIDE = 1600
JPEG_QUALITY = 85
# A small file can decode into a huge bitmap (a "decompression bomb"); no phone
# photo comes near 50 megapixels.
MAX_PIXELS = 50_000_000

_FOLDER = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_STORED = re.compile(r"^[a-z][a-z0-9_-]{0,39}/\d{4}/\d{2}/[0-9a-f]{32}\.jpg$")


class UploadRefused(ServiceError):
    """The uploaded file is not a picture we accept; nothing was stored."""

    code = "upload_refused"


def max_bytes() -> int:
    return settings.LINLI_UPLOAD_MAX_MB * 1024 * 1024


def _refuse_not_a_picture() -> UploadRefused:
    return UploadRefused(
        _("This file is not a picture. Please upload a photo (JPEG, PNG or WebP)."),
        code="not_a_picture",
    )


def prepare_image(uploaded) -> bytes:
    """Check an uploaded file and return it re-encoded as a clean JPEG.

    ``uploaded`` is a Django UploadedFile (or any file object with ``size``/``read``).
    Raises UploadRefused with a message for the person who uploaded it.
    """
    limit = max_bytes()
    size = getattr(uploaded, "size", None)
    if size is not None and size > limit:
        raise _too_large()
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise _too_large()
    if not data:
        raise _refuse_not_a_picture()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise _refuse_not_a_picture()
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise UploadRefused(
                        _("The picture has too many pixels. Please send a smaller photo."),
                        code="too_many_pixels",
                    )
                probe.verify()
            # verify() leaves the image unusable; open again to decode it fully.
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                return _reencode(image)
    except UploadRefused:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise _refuse_not_a_picture() from None


def _too_large() -> UploadRefused:
    return UploadRefused(
        _("The picture is larger than %(mb)d MB. Please send a smaller one.")
        % {"mb": settings.LINLI_UPLOAD_MAX_MB},
        code="too_large",
    )


def _reencode(image: Image.Image) -> bytes:
    # Turn the pixels upright first: the EXIF orientation tag is about to be dropped.
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        # JPEG has no transparency: put the picture on white paper.
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif=, no icc_profile=: nothing of the original file's metadata survives.
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def store_image(uploaded, *, folder: str) -> str:
    """Check, clean and store an uploaded picture; return its relative path.

    ``folder`` is a short lower-case word naming what the pictures are for
    ("orders", "receipts"). The file name is random; the uploaded name is not used.
    """
    if not _FOLDER.match(folder):
        raise ValueError(f"Upload folder {folder!r} must be a short lower-case word.")
    data = prepare_image(uploaded)
    today = timezone.localdate()
    path = f"{folder}/{today:%Y}/{today:%m}/{secrets.token_hex(16)}.jpg"
    saved = default_storage.save(path, ContentFile(data))
    if saved != path:  # pragma: no cover — 128 random bits do not collide
        default_storage.delete(saved)
        raise RuntimeError("An upload's random name was already taken.")
    return saved


def is_stored_path(path: str) -> bool:
    """True for a path of the shape ``store_image`` returns (and nothing else)."""
    return bool(path) and bool(_STORED.match(path))


def delete_image(path: str) -> None:
    """Remove a stored picture (e.g. when its object is deleted or a save failed)."""
    if is_stored_path(path):
        default_storage.delete(path)


def safe_filename(name: str, default: str = "picture.jpg") -> str:
    """A download name that cannot break out of a header or a folder."""
    name = unicodedata.normalize("NFKC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>:|?*;')
    name = name.strip(" .")
    stem = name[:-4] if name.lower().endswith(".jpg") else name.rsplit(".", 1)[0]
    stem = stem.strip(" .")[:80]
    return f"{stem}.jpg" if stem else default


def serve_image(path: str, *, filename: str = "picture.jpg") -> FileResponse:
    """Answer with a stored picture and headers that keep the browser careful.

    The caller has already checked that the user may see the object the picture
    belongs to. Any path not made by ``store_image`` answers 404.
    """
    if not is_stored_path(path) or not default_storage.exists(path):
        raise Http404
    response = FileResponse(
        default_storage.open(path, "rb"),
        content_type="image/jpeg",
        as_attachment=False,
        filename=safe_filename(filename),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
