"""派单目录: admins edit it with history, an inactive unit is refused, triage pre-fills from it and
says so, and routing against it needs a note."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from requests_tracker import services
from requests_tracker.forms import AssignForm
from requests_tracker.models import DispatchRule, DispatchRuleChange, Request, RequestEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_an_entry_pointing_at_an_inactive_unit_is_refused_and_nothing_is_written(cast):
    stopped = f.UnitFactory(name="县旧机构", active=False)
    with pytest.raises(ValidationError) as exc:
        services.dispatch_rule_save(
            actor=cast.users["admin"], category=cast.category, lead_unit=stopped, time_limit_days=10
        )
    assert "已停用" in exc.value.message_dict["lead_unit"][0]
    with pytest.raises(ValidationError) as exc:
        services.dispatch_rule_save(
            actor=cast.users["admin"],
            category=cast.category,
            lead_unit=cast.lead_unit,
            assist_units=[stopped],
            time_limit_days=10,
        )
    assert "县旧机构" in exc.value.message_dict["assist_units"][0]
    assert not DispatchRule.objects.exists() and not DispatchRuleChange.objects.exists()


def test_every_change_of_an_entry_is_kept(cast):
    admin = cast.users["admin"]
    rule = services.dispatch_rule_save(
        actor=admin, category=cast.category, lead_unit=cast.lead_unit, time_limit_days=10
    )
    services.dispatch_rule_save(
        actor=admin, rule=rule, category=cast.category, lead_unit=cast.spare_unit, time_limit_days=7
    )
    changes = list(DispatchRuleChange.objects.order_by("at", "pk"))
    assert [c.before.get("lead_unit") for c in changes] == [None, cast.lead_unit.pk]
    assert changes[1].after["lead_unit"] == cast.spare_unit.pk and changes[1].after["time_limit_days"] == 7


def test_the_admin_page_refuses_an_inactive_unit_with_the_field_named(cast, login):
    stopped = f.UnitFactory(name="县旧机构", active=False)
    data = {"category": cast.category.pk, "lead_unit": stopped.pk, "time_limit_days": 10, "active": "on"}
    response = login(cast.users["admin"]).post(reverse("requests_tracker:dispatch_rule_new"), data)
    assert response.status_code == 400
    assert "默认牵头单位“县旧机构”已停用" in response.content.decode()
    assert not DispatchRule.objects.exists()


def test_only_admins_edit_the_catalogue(cast, login, rule):
    url = reverse("requests_tracker:dispatch_rule", args=[rule.pk])
    assert login(cast.users["supervisor"]).get(url).status_code == 403
    assert login(cast.users["lead"]).get(reverse("requests_tracker:dispatch_rules")).status_code == 403
    assert login(cast.users["supervisor"]).get(reverse("requests_tracker:dispatch_rules")).status_code == 200
    assert login(cast.users["admin"]).get(url).status_code == 200


def test_the_assign_form_is_prefilled_from_the_catalogue_and_says_why(cast, login, rule):
    request = cast.build_request("submitted")
    form = AssignForm(request_obj=request, user=cast.users["supervisor"])
    assert form.initial["lead_unit"] == cast.lead_unit.pk
    assert form.initial["assist_units"] == [cast.assist_unit.pk]
    page = login(cast.users["supervisor"]).get(reverse("requests_tracker:detail", args=[request.pk]))
    assert "按派单目录" in page.content.decode() and "8个工作日" in page.content.decode()


def test_triage_shows_the_catalogue_route_of_each_request(cast, login, rule):
    cast.build_request("submitted")
    page = login(cast.users["supervisor"]).get(reverse("requests_tracker:triage")).content.decode()
    assert "按派单目录（招工用工·全县）：县人力社保局牵头，县教育局协办，8个工作日" in page


def test_following_the_catalogue_counts_its_time_limit(cast, rule):
    request = cast.build_request("submitted")
    done = services.request_assign(
        actor=cast.users["supervisor"],
        request=request,
        lead_unit=cast.lead_unit,
        assist_units=[cast.assist_unit],
    )
    assert done.response_days == 8
    assert done.events.get(action="assign").data["by_catalogue"] is True


def test_routing_against_the_catalogue_needs_a_note_and_writes_nothing_without(cast, rule):
    request = cast.build_request("submitted")
    with pytest.raises(ValidationError) as exc:
        services.request_assign(actor=cast.users["supervisor"], request=request, lead_unit=cast.spare_unit)
    assert (
        "交办说明" in exc.value.message_dict["note"][0]
        and "县人力社保局" in exc.value.message_dict["note"][0]
    )
    request.refresh_from_db()
    assert (
        request.status == Request.Status.SUBMITTED
        and not RequestEvent.objects.filter(action="assign").exists()
    )
    done = services.request_assign(
        actor=cast.users["supervisor"],
        request=request,
        lead_unit=cast.spare_unit,
        note="经信局对口负责该园区。",
    )
    assert done.response_days == cast.category.time_limit_days  # not the catalogue's: routed against it


def test_the_assign_view_shows_the_note_error_on_the_form(cast, login, rule):
    request = cast.build_request("submitted")
    data = {
        "version": request.version,
        "category": cast.category.pk,
        "lead_unit": cast.spare_unit.pk,
        "note": "",
    }
    response = login(cast.users["supervisor"]).post(
        reverse("requests_tracker:action", args=[request.pk, "assign"]), data
    )
    assert response.status_code == 400 and "本次交办与目录不一致" in response.content.decode()


def test_a_town_entry_wins_over_the_county_wide_one(cast, rule):
    from requests_tracker.dispatch.selectors import route_for

    services.dispatch_rule_save(
        actor=cast.users["admin"],
        category=cast.category,
        town=cast.town,
        lead_unit=cast.spare_unit,
        time_limit_days=5,
    )
    request = cast.build_request("submitted")
    assert route_for(request).lead_unit == cast.spare_unit
