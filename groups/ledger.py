"""Ledgers (台账) for industry chains and service teams, through the shared importer
(``qiqing.ledger``): checked as a whole file first, then written in one transaction or not at all."""

from __future__ import annotations

import re
from collections import defaultdict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cadres.ledger import cadres_by_code, enterprises_by_uscc, lookup
from cadres.models import Unit
from enterprises.ledger import USCC_COLUMN, town_lookup
from groups.models import IndustryChain, ServiceTeam, ServiceTeamChange, team_state
from qiqing.ledger import Choice, Column, ImportContext, LedgerKind, Row

SEPARATORS = re.compile(r"[;；,，、\s]+")


def _codes(text: str) -> str:
    """A cell listing codes ("C001、C002"): kept as one normalised text, split when used."""
    return "、".join(part for part in SEPARATORS.split(text.strip()) if part)


def split(value) -> list[str]:
    return [part for part in (value or "").split("、") if part]


def _max_length(model, name):
    return model._meta.get_field(name).max_length


# --- chains ---------------------------------------------------------------------------------
class ChainsKind(LedgerKind):
    name = "chains"
    title = pgettext_lazy("ledger", "产业链")
    order = 45
    columns = (
        Column("chain_code", "产业链编码", required=True, max_length=_max_length(IndustryChain, "code")),
        Column("chain_name", "产业链名称", required=True, max_length=_max_length(IndustryChain, "name")),
        Column("chief_code", "链长干部编号", required=True, help=gettext_lazy("须为在岗干部")),
        USCC_COLUMN,
    )
    key_columns = ("chain_code", "uscc")
    notes = (
        gettext_lazy("每行一家链上企业；同一产业链的各行名称与链长须一致。"),
        gettext_lazy(
            "文件中出现的产业链，其链上企业以本文件为准（未列出的企业移出该链）；一家企业可属于多条产业链。"
        ),
    )

    def begin(self, ctx: ImportContext) -> None:
        ctx.state.update(cadres={}, enterprises={}, chains={})

    def check(self, rows: list[Row], ctx: ImportContext) -> None:
        state = ctx.state
        lookup(state["cadres"], (r.get("chief_code") for r in rows), cadres_by_code)
        lookup(state["enterprises"], (r.get("uscc") for r in rows), enterprises_by_uscc)
        for row in rows:
            chief = state["cadres"].get(row.get("chief_code"))
            if row.get("chief_code") is not None and chief is None:
                ctx.error(row, "chief_code", _("找不到这个干部编号：请先导入干部台账。"))
            elif chief is not None and not chief[1]:
                ctx.error(row, "chief_code", _("链长须为在岗干部：%(name)s已不在岗。") % {"name": chief[2]})
            if row.get("uscc") is not None and state["enterprises"].get(row.get("uscc")) is None:
                ctx.error(row, "uscc", _("找不到这家企业：请先导入企业台账。"))
            code = row.get("chain_code")
            if code is None:
                continue
            seen = state["chains"].setdefault(
                code, (row.get("chain_name"), row.get("chief_code"), row.number)
            )
            if seen[0] != row.get("chain_name"):
                ctx.error(
                    row,
                    "chain_name",
                    _("同一产业链的名称不一致（第 %(n)s 行为“%(v)s”）。") % {"n": seen[2], "v": seen[0]},
                )
            elif seen[1] != row.get("chief_code"):
                ctx.error(
                    row,
                    "chief_code",
                    _("同一产业链的链长不一致（第 %(n)s 行为 %(v)s）。") % {"n": seen[2], "v": seen[1]},
                )

    def write(self, rows: list[Row], ctx: ImportContext, phase: int) -> None:
        state = ctx.state
        members = state.setdefault("members", defaultdict(set))
        for row in rows:
            members[row.get("chain_code")].add(state["enterprises"][row.get("uscc")][0])

    def end_write(self, ctx: ImportContext) -> None:
        state = ctx.state
        existing = IndustryChain.objects.in_bulk(list(state["chains"]), field_name="code")
        for code, (name, chief_code, _number) in state["chains"].items():
            chief_id = state["cadres"][chief_code][0]
            wanted = state.get("members", {}).get(code, set())
            chain = existing.get(code)
            if chain is None:
                chain = IndustryChain.objects.create(code=code, name=name, chief_id=chief_id)
                ctx.created += 1
                chain.enterprises.set(wanted)
                continue
            current = set(chain.enterprises.values_list("pk", flat=True))
            if (chain.name, chain.chief_id, current) == (name, chief_id, wanted):
                ctx.unchanged += 1
                continue
            chain.name, chain.chief_id = name, chief_id
            chain.save(update_fields=["name", "chief"])
            chain.enterprises.set(wanted)
            ctx.updated += 1

    def export_rows(self):
        rows = (
            IndustryChain.enterprises.through.objects.order_by("industrychain__code", "enterprise__uscc")
            .values_list(
                "industrychain__code", "industrychain__name", "industrychain__chief__code", "enterprise__uscc"
            )
            .iterator(chunk_size=2000)
        )
        for code, name, chief, uscc in rows:
            yield {"chain_code": code, "chain_name": name, "chief_code": chief, "uscc": uscc}


# --- teams ----------------------------------------------------------------------------------
KIND_CHOICES = (
    Choice(ServiceTeam.Kind.THINK_TANK, "智囊团"),
    Choice(ServiceTeam.Kind.ONE_TWO_N, "1+2+N服务小组", ("1+2+N",)),
    Choice(ServiceTeam.Kind.ADVISORS, "顾问团"),
    Choice(ServiceTeam.Kind.CHAIN_FORCE, "产业链专班", ("专班",)),
)


class TeamsKind(LedgerKind):
    name = "teams"
    title = pgettext_lazy("ledger", "服务小组")
    order = 47
    columns = (
        Column("team_code", "小组编码", required=True, max_length=_max_length(ServiceTeam, "code")),
        Column("team_name", "小组名称", required=True, max_length=_max_length(ServiceTeam, "name")),
        Column("kind", "小组类型", type="choice", required=True, choices=KIND_CHOICES),
        Column("town_code", "所属镇街编码", help=gettext_lazy("县级小组留空")),
        Column("leader_code", "组长干部编号", required=True, help=gettext_lazy("须为在岗干部")),
        Column("member_codes", "成员干部编号", clean=_codes, help=gettext_lazy("多个用顿号或分号隔开")),
        Column("unit_codes", "成员单位编码", clean=_codes, help=gettext_lazy("多个用顿号或分号隔开")),
        Column("usccs", "服务企业信用代码", clean=_codes, help=gettext_lazy("多个用顿号或分号隔开")),
        Column("chain_code", "服务产业链编码", help=gettext_lazy("产业链专班填写")),
    )
    key_columns = ("team_code",)
    notes = (
        gettext_lazy("每行一个服务小组；成员、成员单位、服务企业以本文件为准。"),
        gettext_lazy(
            "1+2+N服务小组：同一干部不能在同一企业的两个1+2+N服务小组中（系统中已有的加上本文件的）。"
        ),
    )

    def begin(self, ctx: ImportContext) -> None:
        ctx.state.update(
            towns=town_lookup(),
            units=dict(Unit.objects.values_list("code", "pk")),
            chains=dict(IndustryChain.objects.values_list("code", "pk")),
            cadres={},
            enterprises={},
            pairs=defaultdict(list),  # (cadre id, enterprise id) → [(team code, row number)] of 1+2+N
        )

    def check(self, rows: list[Row], ctx: ImportContext) -> None:
        state = ctx.state
        codes = [c for r in rows for c in [r.get("leader_code"), *split(r.get("member_codes"))] if c]
        lookup(state["cadres"], codes, cadres_by_code)
        lookup(state["enterprises"], [u for r in rows for u in split(r.get("usccs"))], enterprises_by_uscc)
        for row in rows:
            leader = state["cadres"].get(row.get("leader_code"))
            if row.get("leader_code") is not None and leader is None:
                ctx.error(row, "leader_code", _("找不到这个干部编号：请先导入干部台账。"))
            elif leader is not None and not leader[1]:
                ctx.error(row, "leader_code", _("组长须为在岗干部：%(name)s已不在岗。") % {"name": leader[2]})
            missing = [c for c in split(row.get("member_codes")) if state["cadres"].get(c) is None]
            if missing:
                ctx.error(
                    row, "member_codes", _("找不到干部编号：%(codes)s。") % {"codes": "、".join(missing)}
                )
            missing = [c for c in split(row.get("unit_codes")) if c not in state["units"]]
            if missing:
                ctx.error(row, "unit_codes", _("找不到单位编码：%(codes)s。") % {"codes": "、".join(missing)})
            missing = [u for u in split(row.get("usccs")) if state["enterprises"].get(u) is None]
            if missing:
                ctx.error(row, "usccs", _("找不到企业：%(codes)s。") % {"codes": "、".join(missing)})
            if row.get("town_code") is not None and row.get("town_code") not in state["towns"]:
                ctx.error(row, "town_code", _("找不到这个属地编码：请先在单位台账中导入该镇街。"))
            if row.get("chain_code") is not None and row.get("chain_code") not in state["chains"]:
                ctx.error(row, "chain_code", _("找不到这条产业链：请先导入产业链台账。"))
            if row.failed or row.get("kind") != ServiceTeam.Kind.ONE_TWO_N:
                continue
            people = {
                state["cadres"][c][0] for c in [row.get("leader_code"), *split(row.get("member_codes"))] if c
            }
            for uscc in split(row.get("usccs")):
                for cadre_id in people:
                    state["pairs"][(cadre_id, state["enterprises"][uscc][0])].append(
                        (row.get("team_code"), row)
                    )

    def end_check(self, ctx: ImportContext) -> None:
        """A cadre in two 1+2+N teams of one enterprise: within the file, or with a team already
        in the system that the file does not replace."""
        state = ctx.state
        in_file = {code for places in state["pairs"].values() for code, _row in places}
        names = {v[0]: v[2] for v in state["cadres"].values() if v}
        if state["pairs"]:
            others = ServiceTeam.objects.filter(kind=ServiceTeam.Kind.ONE_TWO_N, active=True).exclude(
                code__in=in_file
            )
            cadre_ids = {cadre_id for cadre_id, _e in state["pairs"]}
            through = ServiceTeam.enterprises.through.objects.filter(serviceteam__in=others)
            for team_code, leader_id, enterprise_id in through.values_list(
                "serviceteam__code", "serviceteam__leader_id", "enterprise_id"
            ):
                if (leader_id, enterprise_id) in state["pairs"]:
                    state["pairs"][(leader_id, enterprise_id)].append((team_code, None))
            members = ServiceTeam.members.through.objects.filter(
                serviceteam__in=others, cadre_id__in=cadre_ids
            )
            for team_code, cadre_id, enterprise_id in members.values_list(
                "serviceteam__code", "cadre_id", "serviceteam__enterprises"
            ):
                if (cadre_id, enterprise_id) in state["pairs"]:
                    state["pairs"][(cadre_id, enterprise_id)].append((team_code, None))
        reported = set()
        for (cadre_id, _enterprise_id), places in state["pairs"].items():
            teams = list(dict.fromkeys(code for code, _row in places))
            if len(teams) < 2:
                continue
            for code, row in places:
                if row is None or (row.number, cadre_id) in reported:
                    continue
                reported.add((row.number, cadre_id))
                other = next(t for t in teams if t != code)
                ctx.error(
                    row,
                    "member_codes",
                    _("%(cadre)s已在同一企业的另一个1+2+N服务小组（%(team)s）中。")
                    % {"cadre": names.get(cadre_id, ""), "team": other},
                )

    def write(self, rows: list[Row], ctx: ImportContext, phase: int) -> None:
        state = ctx.state
        existing = ServiceTeam.objects.in_bulk([r.get("team_code") for r in rows], field_name="code")
        for row in rows:
            team = existing.get(row.get("team_code"))
            before = team_state(team) if team else {}
            creating = team is None
            team = team or ServiceTeam(code=row.get("team_code"))
            team.name = row.get("team_name")
            team.kind = row.get("kind")
            team.town_id = state["towns"].get(row.get("town_code")) if row.get("town_code") else None
            team.leader_id = state["cadres"][row.get("leader_code")][0]
            team.chain_id = state["chains"].get(row.get("chain_code")) if row.get("chain_code") else None
            team.save()
            team.members.set([state["cadres"][c][0] for c in split(row.get("member_codes"))])
            team.units.set([state["units"][c] for c in split(row.get("unit_codes"))])
            team.enterprises.set([state["enterprises"][u][0] for u in split(row.get("usccs"))])
            after = team_state(team)
            if after == before:
                ctx.unchanged += 1
                continue
            if creating:
                ctx.created += 1
            else:
                ctx.updated += 1
            ServiceTeamChange.objects.create(
                actor=ctx.actor, action=ServiceTeamChange.Action.IMPORT, team=team, before=before, after=after
            )

    def export_rows(self):
        teams = ServiceTeam.objects.select_related("town", "leader", "chain").prefetch_related(
            "members", "units", "enterprises"
        )
        for team in teams.order_by("code").iterator(chunk_size=500):
            yield {
                "team_code": team.code,
                "team_name": team.name,
                "kind": team.kind,
                "town_code": team.town.code if team.town_id else None,
                "leader_code": team.leader.code if team.leader_id else None,
                "member_codes": "、".join(sorted(c.code for c in team.members.all())) or None,
                "unit_codes": "、".join(sorted(u.code for u in team.units.all())) or None,
                "usccs": "、".join(sorted(e.uscc for e in team.enterprises.all())) or None,
                "chain_code": team.chain.code if team.chain_id else None,
            }


KINDS = [ChainsKind(), TeamsKind()]
