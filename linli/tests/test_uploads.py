"""Uploaded photos and receipts: checked by content, cleaned of EXIF, served safely."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from PIL import ExifTags, Image

from linli.lib import uploads
from linli.lib.uploads import UploadRefused

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (35.0, 8.0, 24.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (110.0, 46.0, 12.0),
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LINLI_UPLOAD_MAX_MB = 8
    return settings.MEDIA_ROOT


def picture(fmt="JPEG", size=(400, 300), *, mode="RGB", name=None, exif=None, **save):
    image = Image.new(mode, size, "red" if mode != "RGBA" else (255, 0, 0, 0))
    buffer = io.BytesIO()
    if exif is not None:
        save["exif"] = exif
    image.save(buffer, format=fmt, **save)
    return SimpleUploadedFile(name or f"photo.{fmt.lower()}", buffer.getvalue())


def phone_photo():
    """A JPEG as a phone takes it: with the GPS position where it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.GPSInfo] = GPS
    return picture(exif=exif)


def stored_image(media, path):
    return Image.open(media / path)


def test_a_phone_photo_loses_its_gps_position_when_stored(media):
    upload = phone_photo()
    with Image.open(io.BytesIO(upload.read())) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo has GPS
    upload.seek(0)
    path = uploads.store_image(upload, folder="orders")
    data = (media / path).read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info
    assert b"Exif" not in data
    assert b"PhoneMaker" not in data


def test_a_text_file_named_jpg_is_refused_as_not_a_picture(media):
    fake = SimpleUploadedFile("photo.jpg", b"name,phone\nZhang,13812345678\n")
    with pytest.raises(UploadRefused) as refused:
        uploads.store_image(fake, folder="orders")
    assert "不是图片" in refused.value.message
    assert not media.exists() or not any(media.rglob("*.jpg"))


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"\xff\xd8\xff\xe0" + b"\x00" * 64,  # a JPEG header with nothing behind it
        b"%PDF-1.4\n",
    ],
    ids=["empty", "svg", "truncated-jpeg", "pdf"],
)
def test_files_that_are_not_accepted_pictures_are_refused(content):
    with pytest.raises(UploadRefused):
        uploads.prepare_image(SimpleUploadedFile("x.jpg", content))


def test_a_gif_is_refused_even_though_it_is_a_picture():
    with pytest.raises(UploadRefused):
        uploads.prepare_image(picture("GIF", mode="P"))


def test_a_file_over_the_size_limit_is_refused_with_the_limit_in_the_message(settings):
    settings.LINLI_UPLOAD_MAX_MB = 1
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + os.urandom(1024 * 1024 + 10))
    with pytest.raises(UploadRefused) as refused:
        uploads.prepare_image(big)
    assert refused.value.code == "too_large"
    assert "1 MB" in refused.value.message
    assert "大于" in refused.value.message


def test_the_size_limit_holds_even_when_the_reported_size_is_a_lie(settings):
    settings.LINLI_UPLOAD_MAX_MB = 1
    big = SimpleUploadedFile("big.jpg", os.urandom(1024 * 1024 + 10))
    big.size = 10
    with pytest.raises(UploadRefused, match="1 MB"):
        uploads.prepare_image(big)


def test_a_picture_of_too_many_pixels_is_refused_before_it_is_decoded():
    with pytest.raises(UploadRefused) as refused:
        uploads.prepare_image(picture("PNG", size=(9000, 6000), mode="1"))
    assert refused.value.code == "too_many_pixels"


def test_a_large_photo_is_shrunk_to_1600_pixels_on_its_long_side(media):
    path = uploads.store_image(picture(size=(4000, 3000)), folder="orders")
    with stored_image(media, path) as image:
        assert image.size == (1600, 1200)


def test_a_small_photo_keeps_its_size(media):
    path = uploads.store_image(picture("PNG", size=(300, 200)), folder="receipts")
    with stored_image(media, path) as image:
        assert image.size == (300, 200)
        assert image.format == "JPEG"


def test_a_photo_taken_sideways_is_stored_upright(media):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # the phone was turned: rotate 90°
    path = uploads.store_image(picture(size=(400, 300), exif=exif), folder="orders")
    with stored_image(media, path) as image:
        assert image.size == (300, 400)


def test_a_transparent_png_and_a_webp_are_accepted(media):
    for upload in (picture("PNG", mode="RGBA"), picture("WEBP")):
        path = uploads.store_image(upload, folder="orders")
        with stored_image(media, path) as image:
            assert image.mode == "RGB"


def test_the_stored_name_is_random_and_ignores_the_uploaded_name(media, settings):
    upload = picture(name="../../../etc/passwd.jpg")
    path = uploads.store_image(upload, folder="orders")
    assert uploads.is_stored_path(path)
    assert "passwd" not in path and ".." not in path
    stored = (media / path).resolve()
    assert stored.is_relative_to(media.resolve())
    other = uploads.store_image(picture(name="../../../etc/passwd.jpg"), folder="orders")
    assert other != path


@pytest.mark.parametrize("folder", ["../x", "orders/../../x", "/etc", "Orders", "", "a" * 41])
def test_a_folder_that_could_leave_the_media_root_is_refused(folder):
    with pytest.raises(ValueError):
        uploads.store_image(picture(), folder=folder)


@pytest.mark.parametrize(
    "path",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "orders/2026/03/../../../linli.env",
        "orders/2026/03/" + "a" * 32 + ".jpg/../../x.jpg",
        "orders/2026/03/" + "A" * 32 + ".jpg",
        "orders\\2026\\03\\" + "a" * 32 + ".jpg",
        "",
    ],
)
def test_serving_refuses_any_path_not_made_by_the_store(path):
    with pytest.raises(Http404):
        uploads.serve_image(path)


def test_a_stored_picture_is_served_with_safe_headers(media):
    path = uploads.store_image(phone_photo(), folder="orders")
    response = uploads.serve_image(path, filename='工单 "7".jpg\r\nX-Evil: 1')
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline")
    assert "\r" not in disposition and "\n" not in disposition
    assert '"7"' not in disposition
    body = b"".join(response.streaming_content)
    assert body == (media / path).read_bytes()


def test_a_missing_file_answers_404(media):
    path = uploads.store_image(picture(), folder="orders")
    uploads.delete_image(path)
    with pytest.raises(Http404):
        uploads.serve_image(path)


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("receipt.jpg", "receipt.jpg"),
        ("../../etc/passwd", "passwd.jpg"),
        ("C:\\Users\\a\\收据.png", "收据.jpg"),
        ('a"b;c.jpg', "abc.jpg"),
        ("..", "picture.jpg"),
        ("line\r\nbreak.jpg", "linebreak.jpg"),
    ],
)
def test_download_names_are_made_safe(given, safe):
    assert uploads.safe_filename(given) == safe
