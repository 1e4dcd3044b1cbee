import pytest
from django.core.exceptions import ValidationError

from requests_tracker.models import RequestEvent
from tests.factories import RequestEventFactory

pytestmark = pytest.mark.django_db


def test_event_cannot_be_edited():
    event = RequestEventFactory(note="原记录")
    event.note = "改过的"
    with pytest.raises(ValidationError):
        event.save()
    assert RequestEvent.objects.get(pk=event.pk).note == "原记录"


def test_event_cannot_be_deleted_one_by_one_or_in_bulk():
    event = RequestEventFactory()
    with pytest.raises(ValidationError):
        event.delete()
    with pytest.raises(ValidationError):
        RequestEvent.objects.all().delete()
    assert RequestEvent.objects.filter(pk=event.pk).exists()


def test_bulk_update_of_events_is_refused():
    RequestEventFactory(note="原记录")
    with pytest.raises(ValidationError):
        RequestEvent.objects.update(note="x")
    assert RequestEvent.objects.get().note == "原记录"
