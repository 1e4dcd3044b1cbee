"""离线走访同步: the queue endpoint accepts a visit once per client id, refuses with reasons."""

import datetime as dt
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from qiqing import programme
from tests.visits.photo_helpers import photo
from visits.models import Visit, VisitPhoto

pytestmark = pytest.mark.django_db
URL = reverse("visits:sync")


def _data(enterprise, client_id=None, **extra):
    data = {
        "client_id": str(client_id or uuid.uuid4()),
        "enterprise": str(enterprise.pk),
        "date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "mode": "onsite",
        "summary": "车间现场查看订单与用工。",
        "offline": "1",
        "problems-TOTAL_FORMS": "0",
        "problems-INITIAL_FORMS": "0",
        "problems-MIN_NUM_FORMS": "0",
        "problems-MAX_NUM_FORMS": "20",
    }
    data.update(extra)
    return data


def _post(client, data, photos=()):
    payload = dict(data)
    if photos:
        payload["photos"] = list(photos)
    response = client.post(URL, payload)
    return response.status_code, json.loads(response.content)


def test_first_send_logs_the_visit_marked_offline(login, world):
    client = login(world.users["cadre"])
    status, body = _post(client, _data(world.ent_a2))
    visit = Visit.objects.get(pk=body["visit"])
    assert status == 201 and body["status"] == "accepted" and body["replay"] is False
    assert visit.offline and visit.created_by == world.users["cadre"] and visit.client_id


def test_resend_with_same_content_returns_the_same_visit(login, world):
    client = login(world.users["cadre"])
    data = _data(world.ent_a2)
    first = _post(client, data, [photo()])
    second = _post(client, data, [photo()])
    assert first[0] == 201 and second[0] == 200
    assert second[1]["replay"] is True and second[1]["visit"] == first[1]["visit"]
    assert Visit.objects.filter(enterprise=world.ent_a2).count() == 1
    assert VisitPhoto.objects.filter(visit_id=first[1]["visit"]).count() == 1


def test_replay_with_other_content_is_a_conflict_and_the_first_is_kept(login, world):
    client = login(world.users["cadre"])
    client_id = uuid.uuid4()
    _post(client, _data(world.ent_a2, client_id))
    status, body = _post(client, _data(world.ent_a2, client_id, summary="改过的内容"))
    assert status == 409 and body["status"] == "conflict" and "内容与已登记的不同" in body["message"]
    assert list(Visit.objects.filter(client_id=client_id).values_list("summary", flat=True)) == [
        "车间现场查看订单与用工。"
    ]


def test_replay_of_another_users_client_id_is_a_conflict(login, world, client):
    client_id = uuid.uuid4()
    _post(login(world.users["cadre"]), _data(world.ent_a2, client_id))
    client.force_login(world.users["supervisor"])
    status, body = _post(client, _data(world.ent_a2, client_id))
    assert status == 409 and Visit.objects.filter(client_id=client_id).count() == 1


def test_accepted_visit_replayed_after_the_pair_ended_is_still_accepted(login, world):
    client = login(world.users["cadre"])
    data = _data(world.ent_a2)
    visit_id = _post(client, data)[1]["visit"]
    world.ent_a2.assignments.update(end=timezone.localdate())
    status, body = _post(client, data)
    assert status == 200 and body["visit"] == visit_id


def test_pair_ended_meanwhile_is_refused_with_the_reason(login, world):
    world.ent_a2.assignments.update(end=timezone.localdate() - dt.timedelta(days=1))
    status, body = _post(login(world.users["cadre"]), _data(world.ent_a2))
    assert status == 422 and body["code"] == "enterprise"
    assert "联系关系已于" in body["errors"][0] and "甲二纺织有限公司" in body["errors"][0]
    assert not Visit.objects.filter(enterprise=world.ent_a2).exists()


def test_deactivated_enterprise_is_refused_with_the_reason(login, world):
    world.ent_a2.active = False
    world.ent_a2.save()
    status, body = _post(login(world.users["cadre"]), _data(world.ent_a2))
    assert status == 422 and "已不在册" in body["errors"][0]


def test_enterprise_never_held_gives_no_name_away(login, world):
    status, body = _post(login(world.users["cadre"]), _data(world.ent_b1))
    assert status == 422 and all("乙一" not in message for message in body["errors"])


def test_future_date_is_refused_naming_the_field(login, world):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    status, body = _post(login(world.users["cadre"]), _data(world.ent_a2, date=tomorrow))
    assert status == 422 and any(m.startswith("走访日期：走访日期不能晚于今天") for m in body["errors"])
    assert not Visit.objects.filter(enterprise=world.ent_a2).exists()


def test_same_day_visit_already_logged_asks_to_confirm(login, world):
    client = login(world.users["cadre"])
    data = _data(world.ent_a2)
    _post(client, data)
    again = _data(world.ent_a2)
    status, body = _post(client, again)
    assert status == 422 and body["code"] == "duplicate" and body["existing"]
    confirmed = _post(client, {**again, "confirm_duplicate": "1"})
    assert confirmed[0] == 201 and Visit.objects.filter(enterprise=world.ent_a2).count() == 2


def test_missing_client_id_is_refused(login, world):
    status, body = _post(login(world.users["cadre"]), _data(world.ent_a2, client_id="x") | {"client_id": "x"})
    assert status == 400 and body["code"] == "client_id"


def test_non_image_photo_is_refused_and_nothing_written(login, world):
    fake = SimpleUploadedFile("现场.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    status, body = _post(login(world.users["cadre"]), _data(world.ent_a2), [fake])
    assert status == 422 and "第 1 张照片“现场.jpg”：不是照片" in body["errors"][0]
    assert not Visit.objects.filter(enterprise=world.ent_a2).exists() and not VisitPhoto.objects.exists()


def test_seven_photos_are_refused(login, world):
    status, body = _post(login(world.users["cadre"]), _data(world.ent_a2), [photo() for _ in range(7)])
    assert status == 422 and "最多上传 6 张照片" in body["errors"][0]
    assert not Visit.objects.filter(enterprise=world.ent_a2).exists()


@pytest.mark.parametrize(
    "accuracy,expected", [("99999", "不在 1—2000 米之内"), ("0", "不在 1—2000 米之内"), ("abc", "须为数字")]
)
def test_absurd_accuracy_is_refused_when_check_in_is_on(login, world, accuracy, expected):
    programme.settings_update(actor=world.users["admin"], values={"checkin_enabled": True})
    data = _data(world.ent_a2, checkin_latitude="30.8", checkin_longitude="120.9", checkin_accuracy=accuracy)
    status, body = _post(login(world.users["cadre"]), data)
    assert status == 422 and any(expected in m for m in body["errors"])
    assert not Visit.objects.filter(enterprise=world.ent_a2).exists()


def test_unauthenticated_send_is_not_accepted(client, world):
    response = client.post(URL, _data(world.ent_a2))
    assert response.status_code == 302 and not Visit.objects.filter(enterprise=world.ent_a2).exists()


def test_token_endpoint_gives_a_fresh_csrf_token(login, world):
    response = login(world.users["cadre"]).get(reverse("visits:sync_token"))
    assert response.status_code == 200 and len(response.json()["token"]) == 64
    assert response["Cache-Control"] == "no-store"
