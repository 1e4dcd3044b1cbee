"""走访照片: checked and resized on the server too, EXIF location stripped, served only in scope."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from qiqing import programme
from tests.visits.photo_helpers import gps_exif, photo
from visits import photos as visit_photos
from visits.models import VisitPhoto

pytestmark = pytest.mark.django_db


@pytest.fixture
def photographed(log_visit):
    return log_visit(photos=[photo(), photo(name="车间.png", fmt="PNG")])


def _image(response) -> Image.Image:
    return Image.open(io.BytesIO(b"".join(response.streaming_content)))


def test_photos_are_stored_with_thumbnails(photographed):
    stored = list(photographed.photos.all())
    assert len(stored) == 2 and all(p.file.name.startswith("visits/") for p in stored)
    assert all(p.thumbnail.name.endswith("_t.jpg") for p in stored)


def test_a_big_photo_is_resized_to_1600_px_long_side():
    (prepared,) = visit_photos.prepare([photo(width=3200, height=2000)], keep_location=False)
    assert (prepared.width, prepared.height) == (1600, 1000)
    assert Image.open(io.BytesIO(prepared.thumbnail)).size == (320, 200)


def test_gps_is_stripped_unless_check_in_is_on():
    upload = photo(width=100, height=80, exif=gps_exif())
    (stripped,) = visit_photos.prepare([upload], keep_location=False)
    (kept,) = visit_photos.prepare([upload], keep_location=True)
    assert 0x8825 not in Image.open(io.BytesIO(stripped.content)).getexif()
    assert 0x8825 in Image.open(io.BytesIO(kept.content)).getexif()


def test_oversized_photo_is_refused_by_size(monkeypatch):
    monkeypatch.setattr(visit_photos, "MAX_BYTES", 100)
    with pytest.raises(ValidationError) as caught:
        visit_photos.prepare([photo(width=200, height=200)], keep_location=False)
    assert "超过上限" in caught.value.message_dict["photos"][0]


def test_liaison_cadre_and_supervisor_see_the_photo(photographed, login, world):
    item = photographed.photos.first()
    for persona in ("cadre", "supervisor"):
        response = login(world.users[persona]).get(reverse("visits:photo", args=[photographed.pk, item.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert _image(response).size == (40, 30)


@pytest.mark.parametrize("persona", ["other_cadre", "town_supervisor"])
def test_photo_out_of_scope_is_404(photographed, login, world, persona):
    item = photographed.photos.first()
    client = login(world.users[persona])
    assert client.get(reverse("visits:photo", args=[photographed.pk, item.pk])).status_code == 404
    assert client.get(reverse("visits:photo_thumb", args=[photographed.pk, item.pk])).status_code == 404


def test_photo_under_another_visit_id_is_404(photographed, login, world):
    item = photographed.photos.first()
    url = reverse("visits:photo", args=[world.visit_a1.pk, item.pk])
    assert login(world.users["cadre"]).get(url).status_code == 404


@pytest.mark.parametrize("persona,status", [("contact", 403), ("handler", 403)])
def test_roles_without_visit_pages_do_not_get_photos(photographed, login, world, persona, status):
    item = photographed.photos.first()
    url = reverse("visits:photo_thumb", args=[photographed.pk, item.pk])
    assert login(world.users[persona]).get(url).status_code == status


def test_enterprise_file_shows_thumbnails_to_the_liaison(photographed, login, world):
    html = login(world.users["cadre"]).get(reverse("visits:enterprise_file", args=[world.ent_a2.pk])).content
    item = photographed.photos.first()
    assert reverse("visits:photo_thumb", args=[photographed.pk, item.pk]).encode() in html


def test_photo_row_scope_delegates_to_the_visit(photographed, world):
    assert VisitPhoto.objects.visible_to(world.users["cadre"]).count() == 2
    assert VisitPhoto.objects.visible_to(world.users["other_cadre"]).count() == 0


def test_check_in_keeps_location_in_stored_photo(log_visit, world):
    programme.settings_update(actor=world.users["admin"], values={"checkin_enabled": True})
    visit = log_visit(photos=[photo(width=100, height=80, exif=gps_exif())])
    with visit.photos.first().file.open("rb") as handle:
        assert 0x8825 in Image.open(handle).getexif()
