"""``format_html`` for rows drawn many times a page, and the detail links of a list.

``django.utils.html.format_html`` escapes each argument through ``conditional_escape`` and
``escape``, both wrapped by ``keep_lazy`` (an ``any()`` over the arguments looking for lazy
strings) and each building a ``SafeString``: a triage row called it 13 times, a third of the
row's 0.28 ms at scale 50. ``html`` gives the same markup with the standard library's
``html.escape`` (what Django's ``escape`` calls) and one ``SafeString`` at the end.
"""

from __future__ import annotations

from html import escape

from django.urls import get_script_prefix, reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString


def escaped(value) -> str:
    """``conditional_escape(value)``: markup as it is, anything else escaped."""
    if isinstance(value, Promise):
        value = str(value)
    to_html = getattr(value, "__html__", None)
    if to_html is not None:
        return to_html()
    return escape(str(value))


def html(format_string: str, *args) -> SafeString:
    """``format_html(format_string, *args)``: the same string, drawn faster."""
    return SafeString(format_string.format(*[escaped(arg) for arg in args]))


_PLACEHOLDER = 2_147_483_647
_LINKS: dict[tuple[str, str], tuple[str, str]] = {}


def detail_link(viewname: str, pk: int) -> str:
    """``reverse(viewname, args=[pk])`` for a view taking one integer id, reversed once per
    script prefix (the link around the id never changes)."""
    key = (viewname, get_script_prefix())
    parts = _LINKS.get(key)
    if parts is None:
        head, _, tail = reverse(viewname, args=[_PLACEHOLDER]).rpartition(str(_PLACEHOLDER))
        parts = _LINKS[key] = (head, tail)
    return f"{parts[0]}{int(pk)}{parts[1]}"
