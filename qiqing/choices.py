"""``get_<field>_display`` without translating every choice on every call.

Django's ``Model._get_FIELD_display`` builds ``dict(make_hashable(field.flatchoices))`` on each
call, and ``make_hashable`` hashes every (value, label) pair — so each call evaluates every lazy
label of the field in the active language. The request page calls it a dozen times (status,
source, each timeline event's action among ~40 choices): 5 % of the page (issue 18). Here the
value → label map is built once per field and kept lazy, so only the label shown is translated,
in the reader's language at that moment; a value outside the choices is returned as it is, as
Django does.
"""

from functools import partialmethod

from django.apps import apps
from django.db.models import Model
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_ATTRIBUTE = "_qiqing_choices_map"


def _choices_map(field) -> dict:
    mapping = field.__dict__.get(_ATTRIBUTE)
    if mapping is None:
        mapping = {make_hashable(value): label for value, label in field.flatchoices}
        field.__dict__[_ATTRIBUTE] = mapping
    return mapping


def _get_FIELD_display(self, field):  # noqa: N802 - Django's name
    value = getattr(self, field.attname)
    return force_str(_choices_map(field).get(make_hashable(value), value), strings_only=True)


def install() -> None:
    """Called once from ``QiqingConfig.ready``: every model's ``get_<field>_display`` that is
    Django's own (a ``partialmethod`` bound when the class was created) is re-bound to the one
    above; one a model defines itself is left alone."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not field.choices:
                continue
            name = f"get_{field.name}_display"
            method = model.__dict__.get(name)
            if isinstance(method, partialmethod) and method.func is Model._get_FIELD_display:
                setattr(model, name, partialmethod(_get_FIELD_display, field=field))
