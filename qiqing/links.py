"""Absolute links that work outside the server: e-mails, the rating QR code."""

from __future__ import annotations

from django.conf import settings


def site_url(request=None) -> str:
    """The public base URL (no trailing slash).

    ``SITE_URL`` when production set it. Unset (the embedded run), a page answering a request
    builds links from the address the browser used — the host and port it reached the app on —
    and anything without a request (e-mails sent by the worker) from 127.0.0.1 and ``PORT``.
    """
    if request is not None and not settings.SITE_URL_SET:
        return f"{request.scheme}://{request.get_host()}"
    return settings.SITE_URL


def absolute(path: str, request=None) -> str:
    """``path`` ("/requests/…") made absolute; a URL that already is one is returned as is."""
    return f"{site_url(request)}{path}" if path.startswith("/") else path
