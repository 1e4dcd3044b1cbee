"""Small helpers for text in two languages: Chinese is the programme's language, English a view.

Text shown to the person who asked is translated (``gettext``); text written into the database
(a request's event notes, notifications, change-log notes) is the record everyone reads later,
so it is always written in Chinese, whatever language the acting user has chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _


def join(items: Iterable) -> str:
    """A list of names in running text: 甲、乙、丙 in Chinese, "a, b, c" in English."""
    # Translators: the separator between items of a list in a sentence (Chinese 顿号).
    return _("、").join(str(item) for item in items)


def stored(value: str | Callable[[], str]) -> str:
    """``value`` (a lazy translation, or a callable such as ``request.get_status_display``)
    as the Chinese text that is written into the database."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(value() if callable(value) else value)
