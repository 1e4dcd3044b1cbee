"""System checks of the programme's own settings (``manage.py check --deploy``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "::1", "::", ""}


@register(Tags.security, deploy=True)
def check_site_url(app_configs=None, **kwargs):
    """Links in e-mails and on the rating QR code are opened on other machines and phones:
    production must say where the site is, and that cannot be this machine."""
    if not settings.SITE_URL_SET:
        return [
            Error(
                "SITE_URL is not set: links in e-mails and rating QR codes would point at "
                f"{settings.SITE_URL}.",
                hint="Set SITE_URL to the public address, e.g. https://qiqing.example.gov.cn.",
                id="qiqing.E001",
            )
        ]
    parts = urlsplit(settings.SITE_URL)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or host in LOCAL_HOSTS or host.startswith("127."):
        return [
            Error(
                f"SITE_URL={settings.SITE_URL!r} points at this machine (or is not an http(s) URL): "
                "links opened elsewhere would not reach the site.",
                hint="Set SITE_URL to the public address, e.g. https://qiqing.example.gov.cn.",
                id="qiqing.E002",
            )
        ]
    return []
