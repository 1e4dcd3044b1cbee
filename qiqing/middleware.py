import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.utils import translation
from django.views import defaults


class ChineseFirstLocaleMiddleware:
    """Simplified Chinese unless the user chose another language with the switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an English-language
    browser on a county intranet would get English pages nobody asked for. Here only the
    language cookie set by the switcher (``set_language``) changes the language.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class ChineseErrorPagesMiddleware:
    """With DEBUG on (the embedded run, ``make run``), still answer with the custom Chinese
    404 and 500 pages instead of Django's English debug pages: the demo is what people judge.

    Django shows its technical pages whenever DEBUG is on; this middleware (the innermost) turns a
    view's Http404 or uncaught error into the page production shows, and a path that matches no
    URL (answered before any view runs) into the same 404. The error is still logged with its
    traceback. ``QIQING_TECHNICAL_ERRORS=true`` brings Django's debug pages back for developers.
    403 needs nothing: Django renders ``403.html`` whatever DEBUG says.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def active() -> bool:
        return settings.DEBUG and not settings.QIQING_TECHNICAL_ERRORS

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and self.active() and getattr(request, "resolver_match", None) is None:
            return defaults.page_not_found(request, Http404())
        return response

    def process_exception(self, request, exception):
        if not self.active() or isinstance(exception, PermissionDenied | SuspiciousOperation):
            return None
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        logging.getLogger("django.request").error(
            "Internal Server Error: %s", request.path, exc_info=exception, extra={"status_code": 500}
        )
        from qiqing.views import server_error  # the views import models; this module loads first

        return server_error(request)
