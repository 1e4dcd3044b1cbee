"""Small business rules shared by forms and services: what a typed request must hold, committed
dates in replies, attachment checks."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from qiqing.validators import validate_phone
from requests_tracker.models import ATTACHMENT_EXTENSIONS, Request

# A request typed by an enterprise or by staff (portal, hotline, meeting, the API): enough to act
# on, short enough to read. Problems noted during a visit keep the visit form's own rule.
TYPED_SOURCES = frozenset({Request.Source.ONLINE, Request.Source.HOTLINE, Request.Source.MEETING})
DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 2000


def description_problem(text: str) -> str | None:
    """Why a typed request's description cannot be accepted (None when it can)."""
    length = len((text or "").strip())
    if length == 0:
        return _("请填写问题描述。")
    if length < DESCRIPTION_MIN:
        return _("问题描述至少 %(min)s 个字，请写清遇到的问题和希望得到的帮助（当前 %(n)s 个字）。") % {
            "min": DESCRIPTION_MIN,
            "n": length,
        }
    if length > DESCRIPTION_MAX:
        return _("问题描述最多 %(max)s 个字，当前 %(n)s 个字；详细材料请作为附件上传。") % {
            "max": DESCRIPTION_MAX,
            "n": length,
        }
    return None


_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def normalize_phone(text: str) -> str:
    """Phones arrive with spaces, full-width digits or a +86 prefix: keep digits and one hyphen."""
    value = (text or "").strip().translate(_FULL_WIDTH).replace(" ", "").replace("－", "-")
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix) :].lstrip("-")
    return value


def phone_problem(text: str) -> str | None:
    """Why a contact phone is not a mainland mobile or landline (None when valid or empty)."""
    value = normalize_phone(text)
    if not value:
        return None
    try:
        validate_phone(value)
    except ValidationError:
        return _("联系电话“%(v)s”格式不对：请输入 11 位手机号码或带区号的固定电话（如 0573-84123456）。") % {
            "v": text.strip()[:30]
        }
    return None


def check_typed_request(*, description: str, contact_phone: str) -> None:
    """Raise a ValidationError keyed by field for a typed request's description and phone."""
    errors = {}
    if problem := description_problem(description):
        errors["description"] = problem
    if problem := phone_problem(contact_phone):
        errors["contact_phone"] = problem
    if errors:
        raise ValidationError(errors)


# Words that promise action without committing to when (the enterprise cannot hold anyone to them).
VAGUE_PROMISES = (
    "近期",
    "尽快",
    "抓紧",
    "争取",
    "适时",
    "择机",
    "下一步",
    "尽早",
    "早日",
    "加快推进",
    "积极推进",
    "研究解决",
)
_COMMITTED_DATE = re.compile(
    r"(?:\d{4}\s*年\s*)?\d{1,2}\s*月\s*\d{1,2}\s*[日号]"  # 2026年12月15日 / 12月15日
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"  # 2026-12-15
    r"|(?:\d{4}\s*年\s*)?\d{1,2}\s*月\s*(?:底|末|上旬|中旬|下旬)"  # 12月底
    r"|\d+\s*个?\s*(?:工作日|日|天|周)\s*内"  # 5个工作日内
)


def vague_promise(text: str) -> str | None:
    """The vague word a reply promises with when it names no date; None when the reply is fine."""
    if _COMMITTED_DATE.search(text or ""):
        return None
    for word in VAGUE_PROMISES:
        if word in (text or ""):
            return word
    return None


def reply_problem(text: str) -> str | None:
    word = vague_promise(text)
    if word:
        return _(
            "答复中写了“%(word)s”却没有明确时间。请写明承诺完成的日期"
            "（如“2026年12月15日前”或“5个工作日内”），企业才能据此监督。"
        ) % {"word": word}
    return None


def check_reply(text: str) -> None:
    problem = reply_problem(text)
    if problem:
        raise ValidationError({"response": problem})


# Content signatures: the first bytes decide the type, not the name the uploader chose.
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_EXTENSIONS = {
    "application/pdf": {".pdf"},
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/gif": {".gif"},
    "image/webp": {".webp"},
}
assert set(_EXTENSIONS) == set(ATTACHMENT_EXTENSIONS)


def sniff(head: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_attachment(upload) -> str:
    """Validate one uploaded file; return its content type (from its bytes) or raise."""
    name = getattr(upload, "name", "") or ""
    limit = settings.QIQING_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("附件“%(name)s”大小 %(size)s MB，超过上限 %(limit)s MB。")
            % {"name": name, "size": f"{upload.size / 1024 / 1024:.1f}", "limit": limit // (1024 * 1024)}
        )
    if upload.size == 0:
        raise ValidationError(_("附件“%(name)s”是空文件。") % {"name": name})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff(head)
    if content_type is None:
        raise ValidationError(
            _("附件“%(name)s”不是 PDF 或图片（PNG、JPEG、GIF、WebP），不能上传。") % {"name": name}
        )
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if extension not in _EXTENSIONS[content_type]:
        raise ValidationError(
            _("附件“%(name)s”的扩展名与文件内容不符（内容为 %(type)s）。")
            % {"name": name, "type": content_type}
        )
    return content_type


def check_attachments(uploads) -> list[tuple[object, str]]:
    uploads = list(uploads or [])
    if len(uploads) > settings.QIQING_MAX_ATTACHMENTS:
        raise ValidationError(_("每次最多上传 %(n)s 个附件。") % {"n": settings.QIQING_MAX_ATTACHMENTS})
    return [(upload, check_attachment(upload)) for upload in uploads]
