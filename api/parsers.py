from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.parsers import JSONParser

from api.errors import PayloadTooLarge


def check_length(request) -> None:
    """Refuse a declared body over the limit before anything reads it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.QIQING_API_MAX_BODY_BYTES:
        raise PayloadTooLarge(too_large_message())


def too_large_message() -> str:
    return _("请求体过大：最多 %(kb)s KB。") % {"kb": settings.QIQING_API_MAX_BODY_BYTES // 1024}


class LimitedJSONParser(JSONParser):
    """JSON with a size limit that also holds for bodies sent without a Content-Length."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        if request is not None:
            check_length(request)
        return super().parse(stream, media_type, parser_context)
