"""Crispy-rendered form fields kept per process, keyed by everything the markup depends on.

A list page's filter form (and the triage desk's batch form) is rendered by crispy-forms through
a dozen templates per field and one template per select option: 7.7 ms for the triage filter,
4 ms for two batch-form fields at scale 50 — as long as the 50 rows themselves. The same form
with the same data, choices and errors draws the same HTML, so the HTML is kept under a key made
of the field's name, label, help text, flags, widget class and attributes, its value, errors and
every choice (the choice query still runs: a town supervisor's town list is part of the key).
Kept in a bounded LRU per process: the markup holds nothing that is not in its key.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

LIMIT = 512
_MEMO: OrderedDict = OrderedDict()
_LOCK = threading.Lock()


def _frozen(value):
    if isinstance(value, dict):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        items = [_frozen(v) for v in value]
        return tuple(sorted(items, key=repr) if isinstance(value, set | frozenset) else items)
    return repr(value) if not isinstance(value, str | int | float | bool | type(None)) else value


def _choices(bound) -> tuple:
    """The choices the widget draws (a field's choices are copied to its widget)."""
    choices = getattr(bound.field.widget, "choices", None)
    if choices is None:
        return ()
    return tuple(
        (str(value), str(label)) if not isinstance(label, list | tuple) else (str(value), _frozen(label))
        for value, label in choices
    )


def field_key(bound) -> tuple:
    """Everything a crispy-rendered field's HTML depends on."""
    field = bound.field
    widget = field.widget
    form = bound.form
    return (
        type(form).__module__,
        type(form).__qualname__,
        form.prefix,
        form.auto_id,
        form.is_bound,
        form.use_required_attribute,
        form.label_suffix,
        getattr(form, "error_css_class", None),
        getattr(form, "required_css_class", None),
        bound.html_name,
        str(bound.label),
        str(field.help_text),
        field.required,
        field.disabled,
        field.show_hidden_initial,
        field.localize,
        type(widget).__module__,
        type(widget).__qualname__,
        _frozen(widget.attrs),
        getattr(widget, "input_type", None),
        getattr(widget, "allow_multiple_selected", None),
        getattr(widget, "format", None),
        widget.is_localized,
        _frozen(bound.value()),
        tuple(str(e) for e in bound.errors),
        _choices(bound),
        get_language(),
    )


def render(bound) -> str:
    """``{{ field|as_crispy_field }}``, drawn once per key and process."""
    key = field_key(bound)
    with _LOCK:
        html = _MEMO.get(key)
        if html is not None:
            _MEMO.move_to_end(key)
            return html
    html = mark_safe(as_crispy_field(bound))
    with _LOCK:
        _MEMO[key] = html
        while len(_MEMO) > LIMIT:
            _MEMO.popitem(last=False)
    return html


def clear() -> None:
    with _LOCK:
        _MEMO.clear()
