"""Issue 13 in a real browser at 375 px: a town supervisor logs a 亲清会 with several enterprises
and raises two problems at it in one form; an enterprise contact sees the power-supply
commissioner's phone beside the request form once they pick the category."""

from __future__ import annotations

from pathlib import Path

import pytest

from groups.models import Commissioner, Meetup, ServiceType
from requests_tracker.models import Category, Request
from tests import factories as f
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path("/tmp/issue13")
FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"


def _shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_town_supervisor_logs_a_meetup_with_two_problems_on_a_phone(phone_page, live_server, world):
    page = phone_page
    town = world.town_b  # p_town_sup supervises 乙镇
    guests = [
        world.ent_b1,
        f.EnterpriseFactory(town=town, name="乙二袜业有限公司"),
        f.EnterpriseFactory(town=town, name="乙三织造有限公司"),
    ]
    hiring, power = Category.objects.get(name="招工用工"), Category.objects.get(name="用电用能")
    log_in(page, live_server, "p_town_sup")
    page.goto(f"{live_server.url}/groups/meetups/new/")
    assert page.evaluate(FITS)
    page.fill("input[name=theme]", "营商早茶会：用工与用电")
    page.fill("input[name=place]", "乙镇便民服务中心")
    page.select_option("select[name=enterprises]", [str(e.pk) for e in guests])
    # Only the attendees can be picked for a problem (the rows' options follow the 参会企业 box).
    options = page.locator("select[name=problems-0-enterprise] option").all_inner_texts()
    assert sorted(options[1:]) == sorted(e.name for e in guests)
    page.select_option("select[name=problems-0-enterprise]", str(guests[1].pk))
    page.select_option("select[name=problems-0-category]", str(hiring.pk))
    page.fill("textarea[name=problems-0-description]", "春节后缺普工二十人，希望协助对接劳务市场。")
    page.select_option("select[name=problems-1-enterprise]", str(guests[2].pk))
    page.select_option("select[name=problems-1-category]", str(power.pk))
    page.fill("textarea[name=problems-1-description]", "新上织机需要增容，申请用电增容手续较慢。")
    page.fill("textarea[name=minutes]", "两件现场登记为诉求，其余现场答复。")
    _shot(page, "meetup-form-375")
    page.click("[data-submit]")
    page.wait_for_load_state("networkidle")
    meetup = Meetup.objects.get()
    assert page.url.endswith(f"/groups/meetups/{meetup.pk}/")
    assert meetup.enterprises.count() == 3
    raised = Request.objects.filter(meetup=meetup, source="meeting")
    assert {r.enterprise_id for r in raised} == {guests[1].pk, guests[2].pk}
    assert page.locator("[data-meetup-requests] li").count() == 2
    assert page.evaluate(FITS)
    _shot(page, "meetup-page-375")


def test_contact_sees_the_power_commissioner_beside_the_form_after_picking_the_category(
    phone_page, live_server, world
):
    page = phone_page
    Commissioner.objects.create(
        cadre=f.CadreFactory(unit=world.unit_hr, name="供电专员"),
        service_type=ServiceType.POWER,
        phone="0573-84000001",
    )
    power = Category.objects.get(name="用电用能")
    log_in(page, live_server, "p_contact")
    page.goto(f"{live_server.url}/requests/portal/new/")
    phone = page.locator('[data-commissioner-type="power"]')
    assert not phone.is_visible()
    page.select_option("select[name=category]", str(power.pk))
    phone.wait_for(state="visible")
    assert "0573-84000001" in phone.inner_text()
    assert page.evaluate(FITS)
    _shot(page, "submit-commissioner-375")
