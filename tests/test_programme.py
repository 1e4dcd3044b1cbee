"""Programme options (系统设置): declared per app, set by admins on one page, with history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from qiqing import programme
from qiqing.models import ProgrammeSetting, ProgrammeSettingChange

DECLARED = {
    "checkin": programme.Option("checkin", "走访定位签到", kind=programme.BOOL, default=False, group="走访"),
    "share": programme.Option(
        "share", "每周抽查比例(%)", kind=programme.INT, default=10, min_value=1, max_value=100, group="回访"
    ),
    "radius": programme.Option("radius", "位置偏差(公里)", kind=programme.DECIMAL, default=Decimal("0.5")),
    "board": programme.Option(
        "board",
        "公开榜单",
        kind=programme.CHOICE,
        default="staff",
        choices=(("staff", "仅工作人员"), ("all", "所有人")),
    ),
}


@pytest.fixture
def declared(monkeypatch):
    monkeypatch.setattr(programme, "options", lambda: DECLARED)
    programme.forget()
    yield DECLARED
    programme.forget()


def test_value_is_the_default_until_set(db, declared):
    assert programme.value("share") == 10
    assert programme.value("radius") == Decimal("0.5")


def test_update_parses_stores_and_logs_each_change(world, declared):
    admin = world.users["admin"]
    changed = programme.settings_update(actor=admin, values={"share": "25", "checkin": "on", "radius": "0.8"})
    assert sorted(changed) == ["checkin", "radius", "share"]
    assert (programme.value("share"), programme.value("checkin"), programme.value("radius")) == (
        25,
        True,
        Decimal("0.8"),
    )
    change = ProgrammeSettingChange.objects.get(key="share")
    assert (change.before, change.after, change.actor) == (10, 25, admin)


def test_setting_the_same_value_again_changes_nothing(world, declared):
    admin = world.users["admin"]
    programme.settings_update(actor=admin, values={"share": 25})
    assert programme.settings_update(actor=admin, values={"share": "25", "checkin": False}) == []
    assert ProgrammeSettingChange.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "key", "reason"),
    [
        ({"share": "0"}, "share", "不能小于 1"),
        ({"share": "101"}, "share", "不能大于 100"),
        ({"share": "十"}, "share", "须为整数"),
        ({"board": "public"}, "board", "不在可选范围内"),
        ({"nope": "1"}, "nope", "没有名为"),
    ],
)
def test_bad_value_names_the_option_and_writes_nothing(world, declared, values, key, reason):
    with pytest.raises(ValidationError) as caught:
        programme.settings_update(actor=world.users["admin"], values={"checkin": True, **values})
    assert key in caught.value.message_dict
    assert reason in " ".join(caught.value.message_dict[key])
    assert not ProgrammeSetting.objects.exists()


def test_page_is_for_admins_only(world, declared, login):
    url = reverse("programme_settings")
    assert login(world.users["supervisor"]).get(url).status_code == 403


def test_page_saves_and_shows_history(world, declared, login):
    client = login(world.users["admin"])
    url = reverse("programme_settings")
    response = client.post(url, {"share": "30", "radius": "0.5", "board": "all"})
    assert response.status_code == 302
    assert programme.value("share") == 30
    assert programme.value("board") == "all"
    page = client.get(url).content.decode()
    assert "每周抽查比例(%)" in page and "30" in page


def test_page_shows_the_reason_of_a_bad_value(world, declared, login):
    client = login(world.users["admin"])
    response = client.post(reverse("programme_settings"), {"share": "500", "radius": "0.5", "board": "all"})
    assert response.status_code == 200
    assert "确保该值小于或等于100" in response.content.decode()
    assert not ProgrammeSetting.objects.exists()


def test_discovery_refuses_a_key_declared_twice(monkeypatch):
    import types

    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    config = apps.get_app_config("qiqing")
    twice = types.SimpleNamespace(OPTIONS=[DECLARED["share"], DECLARED["share"]])
    monkeypatch.setattr(apps, "get_app_configs", lambda: [config])
    monkeypatch.setattr("importlib.import_module", lambda name: twice)
    programme.options.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured):
            programme.options()
    finally:
        monkeypatch.undo()
        programme.options.cache_clear()
