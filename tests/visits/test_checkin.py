"""定位签到: position kept with accuracy when on, distance flag 位置不符, never a refusal."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from qiqing import programme
from visits.checkin import Position, distance_m

pytestmark = pytest.mark.django_db
HERE = Position(latitude=Decimal("30.830000"), longitude=Decimal("120.920000"), accuracy=25)


@pytest.fixture
def checkin_on(world):
    programme.settings_update(actor=world.users["admin"], values={"checkin_enabled": True})


def _place(enterprise, lat="30.830000", lon="120.920000"):
    enterprise.latitude, enterprise.longitude = Decimal(lat), Decimal(lon)
    enterprise.save()


def test_distance_is_in_metres():
    # 0.01° of latitude ≈ 1,112 m anywhere.
    assert distance_m(30.0, 120.0, 30.01, 120.0) == 1112


def test_position_is_not_kept_while_check_in_is_off(log_visit):
    visit = log_visit(position=HERE)
    assert visit.checkin_latitude is None and not visit.location_mismatch


def test_near_the_enterprise_is_not_flagged(log_visit, world, checkin_on):
    _place(world.ent_a2, lat="30.831000")
    visit = log_visit(position=HERE)
    assert (visit.checkin_accuracy, visit.checkin_distance, visit.location_mismatch) == (25, 111, False)


def test_far_from_the_enterprise_is_flagged_not_refused(log_visit, world, checkin_on):
    _place(world.ent_a2, lat="30.840000")
    visit = log_visit(position=HERE)
    assert visit.pk and visit.checkin_distance == 1112 and visit.location_mismatch


def test_distance_follows_the_admin_setting(log_visit, world, checkin_on):
    programme.settings_update(actor=world.users["admin"], values={"checkin_distance_m": 2000})
    _place(world.ent_a2, lat="30.840000")
    assert not log_visit(position=HERE).location_mismatch


def test_enterprise_without_coordinates_is_not_flagged(log_visit, checkin_on):
    visit = log_visit(position=HERE)
    assert visit.checked_in and visit.checkin_distance is None and not visit.location_mismatch


def test_admin_sets_enterprise_position_from_the_first_check_in(log_visit, world, checkin_on, login):
    visit = log_visit(position=HERE)
    response = login(world.users["admin"]).post(reverse("visits:locate", args=[visit.pk]))
    world.ent_a2.refresh_from_db()
    assert response.status_code == 302
    assert (world.ent_a2.latitude, world.ent_a2.longitude) == (HERE.latitude, HERE.longitude)


def test_supervisor_cannot_set_enterprise_position(log_visit, world, checkin_on, login):
    visit = log_visit(position=HERE)
    assert login(world.users["supervisor"]).post(reverse("visits:locate", args=[visit.pk])).status_code == 403
    world.ent_a2.refresh_from_db()
    assert world.ent_a2.latitude is None


def test_position_with_one_part_missing_is_refused(checkin_on):
    from visits.checkin import clean_position

    with pytest.raises(ValidationError) as caught:
        clean_position("30.8", "", "20")
    assert "不完整" in caught.value.message_dict["checkin"][0]


def test_form_post_keeps_the_position_when_on(login, world, checkin_on):
    from tests.visits.test_log_view import _data

    data = _data(
        world.ent_a2.pk, checkin_latitude="30.83", checkin_longitude="120.92", checkin_accuracy="12.6"
    )
    response = login(world.users["cadre"]).post(reverse("visits:log"), data)
    visit = world.ent_a2.visits.get()
    assert response.status_code == 302 and visit.checkin_accuracy == 13
