"""The cadre pairs page's enterprise picker: a useful first list, the add button above it, pages
that keep the filter, and the 2–10 rule (issue 19, "clumsy controls")."""

import pytest
from django.urls import reverse

from cadres import rules
from cadres.views import PICK_PAGE
from tests.factories import AssignmentFactory, CadreFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db


def _page(client, world, query=""):
    return client.get(reverse("cadres:pairs", args=[world.cadre.pk]) + query).content.decode()


def test_picker_opens_on_the_cadre_town_enterprises_without_a_liaison(login, world):
    paired = EnterpriseFactory(town=world.town_a, name="甲四已有干部有限公司")
    AssignmentFactory(cadre=CadreFactory(unit=world.unit_town_a), enterprise=paired)
    body = _page(login(world.users["admin"]), world)
    assert f'name="enterprises" value="{world.ent_a3.pk}"' in body
    assert "甲四已有干部有限公司" not in body  # has a liaison
    assert "乙一新材料有限公司" not in body and "乙镇" not in body.split('id="add"')[1].split("<table")[1]


def test_the_search_box_reaches_enterprises_beyond_the_default(login, world):
    paired = EnterpriseFactory(town=world.town_b, name="乙四已有干部有限公司")
    AssignmentFactory(cadre=world.other_cadre, enterprise=paired)
    body = _page(login(world.users["admin"]), world, "?q=乙四")
    assert f'value="{paired.pk}"' in body


def test_the_add_button_and_selected_count_come_before_the_list(login, world):
    body = _page(login(world.users["admin"]), world)
    form = body.split('id="add"')[1]
    assert form.index("添加勾选的企业") < form.index('name="enterprises"')
    assert 'data-qq-selected="add"' in form and form.index("data-qq-selected") < form.index("<table")
    assert "还可新增 8 家" in form  # 张三 holds 2 of 10


def test_pages_of_the_default_list_keep_the_default_filter(login, world):
    for i in range(PICK_PAGE + 3):
        EnterpriseFactory(town=world.town_a, name=f"甲镇候选{i:02d}有限公司")
    EnterpriseFactory(town=world.town_b, name="乙镇候选有限公司")
    client = login(world.users["admin"])
    first, second = _page(client, world), _page(client, world, "?page=2")
    total = PICK_PAGE + 4  # the new ones and 甲三
    assert f"共 {total} 条" in first and f"共 {total} 条" in second
    assert second.count('name="enterprises"') == total - PICK_PAGE
    assert "乙镇候选有限公司" not in second


def test_choosing_all_towns_widens_the_list(login, world):
    EnterpriseFactory(town=world.town_b, name="乙镇候选有限公司")
    body = _page(login(world.users["admin"]), world, "?town=&liaison=none")
    assert "乙镇候选有限公司" in body


def test_a_full_cadre_gets_the_rule_instead_of_a_picker(login, world):
    for _ in range(rules.limit() - 2):
        AssignmentFactory(cadre=world.cadre)
    body = _page(login(world.users["admin"]), world)
    assert rules.full_message() in body
    assert 'name="enterprises"' not in body and "添加勾选的企业" not in body
    assert f'data-qq-count="add" data-base="{rules.limit()}"' in body  # the badge stays on the list
