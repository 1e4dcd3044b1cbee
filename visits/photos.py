"""Visit photos (走访照片): checked by content, kept small, stored outside static, never by user name.

The phone already resizes a photo (long side ≤ 1600 px, JPEG) before it is queued; the server
checks every file again — a form posted without the script, or by something else, gets the same
rules — and re-encodes only what does not meet them. Location in the photo's EXIF is removed
unless check-in is on (then the position is part of the record anyway).
"""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from requests_tracker.rules import sniff

MAX_PHOTOS = 6
MAX_BYTES = 8 * 1024 * 1024  # a resized photo is ~0.3 MB; 8 MB still takes one straight off a camera
LONG_SIDE = 1600
THUMB_SIDE = 320
QUALITY = 85
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp"}
GPS_IFD = 0x8825
ORIENTATION = 0x0112


@dataclass(frozen=True)
class PreparedPhoto:
    content: bytes
    thumbnail: bytes
    width: int
    height: int
    sha256: str


def upload_digest(upload) -> str:
    """sha256 of an uploaded file's bytes (what the phone sent; part of the resend check)."""
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _refuse(number: int, name: str, message: str):
    raise ValidationError(
        {
            "photos": _("第 %(n)s 张照片“%(name)s”：%(message)s")
            % {"n": number, "name": name, "message": message}
        }
    )


def _jpeg(image: Image.Image, *, exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    options = {"format": "JPEG", "quality": QUALITY, "optimize": True}
    if exif:
        options["exif"] = exif
    image.save(out, **options)
    return out.getvalue()


def prepare(uploads, *, keep_location: bool) -> list[PreparedPhoto]:
    """Check and normalise the uploads (all of them, before anything is written)."""
    uploads = [u for u in (uploads or []) if u is not None]
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError({"photos": _("每次走访最多上传 %(n)s 张照片。") % {"n": MAX_PHOTOS}})
    prepared = []
    for number, upload in enumerate(uploads, start=1):
        name = (getattr(upload, "name", "") or "")[-80:]
        if upload.size > MAX_BYTES:
            _refuse(
                number,
                name,
                _("大小 %(size)s MB，超过上限 %(limit)s MB。")
                % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": MAX_BYTES // (1024 * 1024)},
            )
        if upload.size == 0:
            _refuse(number, name, _("是空文件。"))
        upload.seek(0)
        raw = upload.read()
        upload.seek(0)
        content_type = sniff(raw[:16])
        if content_type not in IMAGE_TYPES:
            _refuse(number, name, _("不是照片（须为 JPEG、PNG 或 WebP 图片）。"))
        try:
            image = Image.open(io.BytesIO(raw))
            image.load()
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError):
            _refuse(number, name, _("无法读取，文件可能已损坏。"))
        prepared.append(_normalise(image, raw, content_type, keep_location=keep_location))
    return prepared


def _normalise(image: Image.Image, raw: bytes, content_type: str, *, keep_location: bool) -> PreparedPhoto:
    exif = image.getexif()
    has_gps = GPS_IFD in exif and bool(exif.get_ifd(GPS_IFD))
    rotated = exif.get(ORIENTATION, 1) not in (1, None)
    fits = max(image.size) <= LONG_SIDE
    if content_type == "image/jpeg" and fits and not rotated and (keep_location or not has_gps):
        content = raw  # already what the phone makes: keep the bytes as sent
        upright = image
    else:
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((LONG_SIDE, LONG_SIDE))
        if upright.mode != "RGB":
            upright = upright.convert("RGB")
        kept = None
        if keep_location and has_gps:
            kept_exif = Image.Exif()
            kept_exif[GPS_IFD] = exif.get_ifd(GPS_IFD)
            kept = kept_exif.tobytes()
        content = _jpeg(upright, exif=kept)
    small = upright.copy()
    small.thumbnail((THUMB_SIDE, THUMB_SIDE))
    if small.mode != "RGB":
        small = small.convert("RGB")
    return PreparedPhoto(
        content=content,
        thumbnail=_jpeg(small),
        width=upright.size[0],
        height=upright.size[1],
        sha256=hashlib.sha256(content).hexdigest(),
    )


def store(photo: PreparedPhoto) -> tuple[str, str]:
    """Write a photo and its thumbnail under generated names; returns both storage names."""
    stem = f"visits/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}"
    name = default_storage.save(f"{stem}.jpg", ContentFile(photo.content))
    thumb = default_storage.save(f"{stem}_t.jpg", ContentFile(photo.thumbnail))
    return name, thumb


def discard(names) -> None:
    for name in names:
        default_storage.delete(name)
