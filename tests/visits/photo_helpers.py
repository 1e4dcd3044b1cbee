"""Small real images made with Pillow for the photo tests (no fixtures on disk)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(width=40, height=30, fmt="JPEG", color=(200, 60, 30), exif=None) -> bytes:
    out = io.BytesIO()
    options = {"exif": exif} if exif else {}
    Image.new("RGB", (width, height), color).save(out, format=fmt, **options)
    return out.getvalue()


def photo(name="现场.jpg", **kwargs) -> SimpleUploadedFile:
    content_type = "image/png" if kwargs.get("fmt") == "PNG" else "image/jpeg"
    return SimpleUploadedFile(name, image_bytes(**kwargs), content_type=content_type)


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 50.0, 12.0), 3: "E", 4: (120.0, 55.0, 3.0)}
    return exif.tobytes()
