"""The same visit sent twice at once (two tabs, a double tap) on PostgreSQL: exactly one row."""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.visits.photo_helpers import image_bytes
from tests.visits.test_sync import _data
from visits.models import Visit, VisitPhoto

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_sends_of_one_visit_make_one_row(world):
    client_id = uuid.uuid4()
    data = _data(world.ent_a2, client_id)
    jpeg = image_bytes()
    barrier = threading.Barrier(2)
    statuses = []

    def send():
        try:
            client = Client()
            client.force_login(world.users["cadre"])
            from django.core.files.uploadedfile import SimpleUploadedFile

            payload = {**data, "photos": [SimpleUploadedFile("a.jpg", jpeg, content_type="image/jpeg")]}
            barrier.wait(10)
            statuses.append(client.post(reverse("visits:sync"), payload).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [200, 201]
    assert Visit.objects.filter(client_id=client_id).count() == 1
    assert Visit.objects.filter(enterprise=world.ent_a2).count() == 1
    assert VisitPhoto.objects.filter(visit__client_id=client_id).count() == 1
