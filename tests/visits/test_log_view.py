"""走访登记 page: the form, its field messages, the problems formset, duplicates, the lookups."""

import datetime as dt

import pytest
from django.urls import reverse

from requests_tracker.models import Request
from tests import factories as f
from visits.forms import cadre_label, enterprise_label
from visits.models import Visit

pytestmark = pytest.mark.django_db
URL = reverse("visits:log")


def _data(enterprise, *, problems=(), **extra):
    data = {
        "enterprise": enterprise,
        "date": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
        "mode": "onsite",
        "summary": "走访了解生产经营情况。",
        "problems-TOTAL_FORMS": str(len(problems)),
        "problems-INITIAL_FORMS": "0",
        "problems-MIN_NUM_FORMS": "0",
        "problems-MAX_NUM_FORMS": "20",
    }
    for index, (category, description) in enumerate(problems):
        data[f"problems-{index}-category"] = category
        data[f"problems-{index}-description"] = description
    data.update(extra)
    return data


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["handler", "contact", "outsider"])
def test_roles_that_do_not_visit_get_403(login, world, persona):
    client = login(world.users[persona])
    assert client.get(URL).status_code == 403
    assert client.post(URL, _data(world.ent_a1.pk)).status_code == 403


def test_cadre_picks_only_from_their_own_enterprises(login, world):
    form = login(world.users["cadre"]).get(URL).context["form"]
    assert set(form.fields["enterprise"].queryset) == {world.ent_a1, world.ent_a2}


def test_date_defaults_to_today_and_the_card_link_preselects(login, world, today):
    response = login(world.users["cadre"]).get(URL, {"enterprise": world.ent_a2.pk})
    form = response.context["form"]
    assert form["date"].value() == today and form["enterprise"].value() == world.ent_a2.pk
    assert f'max="{today.isoformat()}"' in response.content.decode()


@pytest.mark.parametrize(
    "persona,key", [("cadre", "ent_b1"), ("cadre", "ent_a3"), ("town_supervisor", "ent_a1")]
)
def test_an_out_of_scope_enterprise_in_the_link_is_404(login, world, persona, key):
    client = login(world.users[persona])
    assert client.get(URL, {"enterprise": getattr(world, key).pk}).status_code == 404
    assert client.get(URL, {"enterprise": "x"}).status_code == 404


def test_cadre_logs_a_visit_with_a_problem_in_one_post(login, world, hiring):
    client = login(world.users["cadre"])
    response = client.post(URL, _data(world.ent_a2.pk, problems=[(hiring.pk, "缺普工 20 人")]))
    visit = Visit.objects.get(enterprise=world.ent_a2)
    assert response.status_code == 302
    assert response.url == reverse("visits:enterprise_file", args=[world.ent_a2.pk])
    request = Request.objects.get(visit=visit)
    assert (request.description, request.source) == ("缺普工 20 人", "visit")


def test_an_invalid_problem_row_shows_its_message_and_writes_nothing(login, world, hiring):
    client = login(world.users["cadre"])
    response = client.post(URL, _data(world.ent_a2.pk, problems=[(hiring.pk, "缺工"), (hiring.pk, "")]))
    assert response.status_code == 200
    assert "请填写问题描述。" in response.content.decode()
    assert not Visit.objects.filter(enterprise=world.ent_a2).exists()
    assert not Request.objects.filter(enterprise=world.ent_a2).exists()


def test_an_untouched_added_problem_row_is_ignored(login, world):
    client = login(world.users["cadre"])
    response = client.post(URL, _data(world.ent_a2.pk, problems=[("", "")]))
    assert response.status_code == 302
    assert not Request.objects.filter(enterprise=world.ent_a2).exists()


def test_same_day_duplicate_asks_for_confirmation(login, world, today):
    client = login(world.users["cadre"])
    data = _data(world.ent_a1.pk, date=today.isoformat())  # the world already holds today's visit
    response = client.post(URL, data)
    assert response.status_code == 200
    assert (
        "确认仍要登记" in response.content.decode() and "data-duplicate-warning" in response.content.decode()
    )
    assert Visit.objects.filter(enterprise=world.ent_a1).count() == 1
    response = client.post(URL, {**data, "confirm_duplicate": "1"})
    assert response.status_code == 302 and Visit.objects.filter(enterprise=world.ent_a1).count() == 2


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("date", "2999-01-01", "走访日期不能晚于今天"),
        ("date", "昨天", "走访日期格式应为"),
        ("headcount", "-5", "在岗职工数不能为负数。"),
        ("headcount", "3.5", "在岗职工数须为整数"),
        ("vacancies", "很多", "用工缺口须为整数"),
        ("output_yoy", "abc", "产值/销售同比须为数字"),
        ("output_yoy", "2000", "产值/销售同比不能超过 1000%。"),
        ("output_yoy", "-150", "产值/销售同比不能低于 -100%。"),
        ("output_yoy", "1.234", "产值/销售同比最多保留两位小数。"),
        ("summary", "", "请填写走访情况。"),
    ],
)
def test_bad_values_get_messages_naming_the_field(login, world, field, value, message):
    response = login(world.users["cadre"]).post(URL, _data(world.ent_a2.pk, **{field: value}))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not Visit.objects.filter(enterprise=world.ent_a2).exists()


def test_date_before_the_assignment_is_shown_on_the_date_field(login, world):
    start = world.cadre.assignments.get(enterprise=world.ent_a2).start
    response = login(world.users["cadre"]).post(
        URL, _data(world.ent_a2.pk, date=(start - dt.timedelta(days=3)).isoformat())
    )
    assert start.strftime("%Y-%m-%d") in response.context["form"].errors["date"][0]


def test_cadre_cannot_post_an_enterprise_they_do_not_hold(login, world):
    response = login(world.users["cadre"]).post(URL, _data(world.ent_b1.pk))
    assert response.context["form"].errors["enterprise"] == ["只能选择您当前联系的企业。"]
    assert not Visit.objects.filter(enterprise=world.ent_b1, cadre=world.cadre).exists()


def test_supervisor_gets_a_searchable_input_prefilled_from_the_link(login, world):
    response = login(world.users["supervisor"]).get(URL, {"enterprise": world.ent_b1.pk})
    form = response.context["form"]
    assert form["enterprise"].value() == enterprise_label(world.ent_b1)
    assert form["cadre"].value() == cadre_label(world.other_cadre)
    assert 'list="enterprise-options"' in response.content.decode()


def test_supervisor_logs_for_the_liaison_cadre_by_label(login, world):
    data = _data(enterprise_label(world.ent_b1), cadre=cadre_label(world.other_cadre))
    response = login(world.users["supervisor"]).post(URL, data)
    assert response.status_code == 302
    visit = Visit.objects.exclude(pk=world.visit_b1.pk).get(enterprise=world.ent_b1)
    assert (visit.cadre, visit.created_by) == (world.other_cadre, world.users["supervisor"])


def test_supervisor_may_type_a_bare_credit_code(login, world):
    data = _data(world.ent_b1.uscc.lower(), cadre=world.other_cadre.code)
    assert login(world.users["supervisor"]).post(URL, data).status_code == 302


def test_supervisor_naming_a_non_liaison_cadre_sees_it_on_the_cadre_field(login, world):
    data = _data(enterprise_label(world.ent_b1), cadre=cadre_label(world.cadre))
    response = login(world.users["supervisor"]).post(URL, data)
    assert "不是" in response.context["form"].errors["cadre"][0]


def test_town_supervisor_cannot_pick_an_enterprise_of_another_town(login, world):
    data = _data(enterprise_label(world.ent_a2), cadre=cadre_label(world.cadre))
    response = login(world.users["town_supervisor"]).post(URL, data)
    assert "找不到" in response.context["form"].errors["enterprise"][0]
    assert not Visit.objects.filter(enterprise=world.ent_a2).exists()


def test_participants_are_kept_and_shown_again_after_an_error(login, world):
    colleague = world.other_cadre
    data = _data(world.ent_a2.pk, participants=[str(colleague.pk)], summary="")
    response = login(world.users["cadre"]).post(URL, data)
    assert response.context["form"].selected_participants() == [colleague]
    assert f'value="{colleague.pk}"' in response.content.decode()


# --- lookup (datalist suggestions) ---------------------------------------------------------

LOOKUP = reverse("visits:lookup")


def test_lookup_needs_login_and_a_visiting_role(client, login, world):
    assert client.get(LOOKUP, {"kind": "cadre", "q": "张"}).status_code == 302
    assert login(world.users["contact"]).get(LOOKUP, {"kind": "cadre", "q": "张"}).status_code == 403


def test_enterprise_lookup_is_scoped_to_the_user(login, world):
    results = (
        login(world.users["cadre"]).get(LOOKUP, {"kind": "enterprise", "q": "有限公司"}).json()["results"]
    )
    assert {r["value"] for r in results} == {enterprise_label(world.ent_a1), enterprise_label(world.ent_a2)}


def test_enterprise_lookup_suggests_the_lead_cadre(login, world):
    results = (
        login(world.users["supervisor"]).get(LOOKUP, {"kind": "enterprise", "q": "乙一"}).json()["results"]
    )
    assert results == [{"value": enterprise_label(world.ent_b1), "cadre": cadre_label(world.other_cadre)}]


def test_cadre_lookup_gives_names_and_units_but_no_phone_numbers(login, world):
    response = login(world.users["cadre"]).get(LOOKUP, {"kind": "cadre", "q": "李"})
    assert response.json()["results"] == [
        {"value": cadre_label(world.other_cadre), "id": world.other_cadre.pk, "name": "李四"}
    ]
    assert world.other_cadre.phone not in response.content.decode()


@pytest.mark.parametrize("persona", ["cadre", "supervisor"])
def test_form_query_count_does_not_grow_with_enterprises_or_cadres(login, world, persona, count_queries):
    client = login(world.users[persona])
    url = f"{URL}?enterprise={world.ent_a1.pk}"
    small = count_queries(client, url)
    for _ in range(6):
        enterprise = f.EnterpriseFactory(town=world.town_a)
        f.AssignmentFactory(cadre=world.cadre, enterprise=enterprise)
        f.AssignmentFactory(enterprise=world.ent_a1, is_lead=False)
    assert count_queries(client, url) == small
