"""Chains and teams go through the shared ledger importer: round trip, all or nothing."""

import csv

from groups.models import IndustryChain, ServiceTeam, ServiceTeamChange
from qiqing.ledger import export_ledger, import_ledger
from tests import factories as f


def _write(path, header, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_chains_and_teams_round_trip(world, groups, tmp_path):
    world.unit_hr.code, world.unit_edu.code = "D04", "D05"
    world.unit_hr.save()
    world.unit_edu.save()
    for kind in ("chains", "teams"):
        export_ledger(kind, tmp_path / f"{kind}.csv", fmt="csv")
    before_chain = set(groups["chain"].enterprises.values_list("pk", flat=True))
    IndustryChain.objects.all().delete()
    ServiceTeam.objects.all().delete()
    assert import_ledger("chains", tmp_path / "chains.csv").ok
    report = import_ledger("teams", tmp_path / "teams.csv")
    assert report.ok and report.created == 2
    chain = IndustryChain.objects.get(code="L01")
    assert (chain.name, chain.chief, set(chain.enterprises.values_list("pk", flat=True))) == (
        "袜业",
        groups["chief"],
        before_chain,
    )
    team = ServiceTeam.objects.get(code="T01")
    assert (team.kind, team.leader, team.town) == ("one_two_n", world.cadre, world.town_a)
    assert set(team.units.all()) == {world.unit_hr, world.unit_edu} and list(team.enterprises.all()) == [
        world.ent_a1
    ]
    assert ServiceTeamChange.objects.filter(team=team, action="import").count() == 1
    again = import_ledger("teams", tmp_path / "teams.csv")
    assert again.ok and again.unchanged == 2 and again.created == again.updated == 0


def test_a_bad_row_writes_nothing(world, groups, tmp_path):
    retired = f.CadreFactory(unit=world.unit_hr, code="C999", active=False)
    path = _write(
        tmp_path / "teams.csv",
        ["小组编码", "小组名称", "小组类型", "组长干部编号", "服务企业信用代码"],
        [
            ["N01", "新智囊团", "智囊团", world.cadre.code, world.ent_a2.uscc],
            ["N02", "退休组长小组", "智囊团", retired.code, ""],
        ],
    )
    report = import_ledger("teams", path)
    assert not report.ok
    assert any("组长须为在岗干部" in error.reason for error in report.errors)
    assert not ServiceTeam.objects.filter(code__in=["N01", "N02"]).exists()


def test_a_cadre_in_two_one_two_n_teams_of_one_enterprise_is_refused_by_the_ledger(world, groups, tmp_path):
    other = f.CadreFactory(unit=world.unit_hr, code="C777")
    path = _write(
        tmp_path / "teams.csv",
        ["小组编码", "小组名称", "小组类型", "组长干部编号", "成员干部编号", "服务企业信用代码"],
        [["N03", "甲一另一小组", "1+2+N", other.code, world.cadre.code, world.ent_a1.uscc]],
    )
    report = import_ledger("teams", path)
    assert not report.ok
    assert any("张三" in error.reason and "T01" in error.reason for error in report.errors)
    assert not ServiceTeam.objects.filter(code="N03").exists()


def test_a_chain_chief_who_is_not_active_is_refused_by_the_ledger(world, groups, tmp_path):
    retired = f.CadreFactory(unit=world.unit_hr, code="C998", active=False)
    path = _write(
        tmp_path / "chains.csv",
        ["产业链编码", "产业链名称", "链长干部编号", "统一社会信用代码"],
        [["L05", "新材料", retired.code, world.ent_b1.uscc]],
    )
    report = import_ledger("chains", path)
    assert not report.ok and report.errors[0].column == "链长干部编号"
    assert not IndustryChain.objects.filter(code="L05").exists()


def test_the_ledger_page_offers_chains_and_teams(world, groups, login):
    from django.urls import reverse

    client = login(world.users["admin"])
    page = client.get(reverse("cadres:ledger")).content.decode()
    assert "产业链" in page and "服务小组" in page
    for kind in ("chains", "teams"):
        template = client.get(reverse("cadres:ledger_template", kwargs={"kind": kind, "fmt": "csv"}))
        assert template.status_code == 200
        export = client.get(reverse("cadres:ledger_export", kwargs={"kind": kind, "fmt": "csv"}))
        assert export.status_code == 200


def test_admin_edits_a_team_and_the_change_log_keeps_before_and_after(world, groups, login):
    from django.urls import reverse

    team = groups["team"]
    client = login(world.users["admin"])
    response = client.post(
        reverse("groups:team_edit", args=[team.pk]),
        {
            "code": team.code,
            "name": "甲一1+2+N服务小组（调整）",
            "kind": team.kind,
            "town": world.town_a.pk,
            "leader": world.cadre.pk,
            "units": [world.unit_hr.pk],
            "enterprises": [world.ent_a1.pk],
            "active": "on",
        },
    )
    assert response.status_code == 302
    change = ServiceTeamChange.objects.get(team=team, action="update")
    assert (
        change.before["name"] == "甲一1+2+N服务小组" and change.after["name"] == "甲一1+2+N服务小组（调整）"
    )
    assert change.before["units"] == sorted([world.unit_hr.name, world.unit_edu.name]) and change.after[
        "units"
    ] == [world.unit_hr.name]
    history = client.get(reverse("groups:team_edit", args=[team.pk])).content.decode()
    assert "调整小组" in history


def test_only_admins_change_teams(world, groups, login):
    from django.urls import reverse

    assert (
        login(world.users["supervisor"])
        .get(reverse("groups:team_edit", args=[groups["team"].pk]))
        .status_code
        == 403
    )
