"""get_<field>_display (qiqing/choices.py): the label in the reader's language at call time, the
raw value when it is no choice, and the same answer as Django's own for every choice of every model."""

from functools import partialmethod

from django.apps import apps
from django.db.models import Model
from django.utils import translation

from requests_tracker.models import Request, RequestEvent


def test_labels_follow_the_active_language():
    request = Request(status=Request.Status.IN_PROGRESS)
    assert request.get_status_display() == "办理中"
    with translation.override("en"):
        assert request.get_status_display() != "办理中"
        assert request.get_status_display() == str(Request.Status.IN_PROGRESS.label)
    assert request.get_status_display() == "办理中"


def test_a_value_outside_the_choices_is_returned_as_it_is():
    assert RequestEvent(action="no-such-action").get_action_display() == "no-such-action"
    assert Request(status="").get_status_display() == ""


def test_every_choice_field_answers_as_django_does():
    checked = 0
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not field.choices:
                continue
            method = model.__dict__.get(f"get_{field.name}_display")
            if isinstance(method, partialmethod):
                assert method.func is not Model._get_FIELD_display, (model, field.name)
            for value, _label in field.flatchoices:
                obj = model(**{field.attname: value})
                assert getattr(obj, f"get_{field.name}_display")() == Model._get_FIELD_display(obj, field)
                checked += 1
    assert checked > 50
