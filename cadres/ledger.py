"""Ledgers (台账) for units, cadres and cadre–enterprise pairs, imported in that order."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cadres import rules
from cadres.models import Assignment, AssignmentChange, Cadre, Level, Unit
from enterprises.ledger import USCC_COLUMN, town_lookup
from enterprises.models import Enterprise, Town
from qiqing.ledger import Choice, Column, ImportContext, LedgerKind, Row

KIND_CHOICES = (
    Choice("department", "部门", ("机关部门",)),
    Choice("town", "镇街", ("镇/街道", "镇", "街道")),
)
LEVEL_CHOICES = (Choice("county", "县级", ("县",)), Choice("town", "镇级", ("镇",)))
TOWN_SUFFIXES = ("人民政府", "办事处", "政府")
LOOKUP_BATCH = 500


def _max_length(model, name):
    return model._meta.get_field(name).max_length


def town_name_from_unit(name: str) -> str:
    """西塘镇人民政府 → 西塘镇; 罗星街道办事处 → 罗星街道."""
    for suffix in TOWN_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def lookup(cache: dict, keys, fetch) -> None:
    """Fill ``cache`` for keys it has not seen, one query per batch; unknown keys cache None."""
    missing = [key for key in set(keys) if key is not None and key not in cache]
    for start in range(0, len(missing), LOOKUP_BATCH):
        batch = missing[start : start + LOOKUP_BATCH]
        found = fetch(batch)
        for key in batch:
            cache[key] = found.get(key)


# --- units ----------------------------------------------------------------------------------
class UnitsKind(LedgerKind):
    name = "units"
    title = pgettext_lazy("ledger", "单位")
    order = 10
    columns = (
        Column("code", "单位编码", required=True, max_length=_max_length(Unit, "code")),
        Column("name", "单位名称", required=True, max_length=_max_length(Unit, "name")),
        Column("kind", "类型", type="choice", required=True, choices=KIND_CHOICES),
        Column("level", "层级", type="choice", required=True, choices=LEVEL_CHOICES),
        Column(
            "town_code",
            "所属镇街编码",
            help=gettext_lazy(
                "镇级部门必填：所属镇街单位的编码；镇街单位一般留空（属地编码与单位编码相同），"
                "属地编码与单位编码不同时在此填写属地编码；县级部门留空"
            ),
        ),
        Column(
            "town_name",
            "镇街名称",
            max_length=_max_length(Town, "name"),
            help=gettext_lazy("只有镇街单位填写，如“西塘镇”；留空时取单位名称去掉“人民政府”“办事处”"),
        ),
    )
    key_columns = ("code",)
    notes = (
        gettext_lazy(
            "镇街单位（类型为镇街）导入时同时建立同编码的镇街（属地），企业台账的“属地编码”就填这个编码；"
            "若属地编码与单位编码不同，在“所属镇街编码”中填写属地编码，两者在企业台账中都可以使用。"
        ),
        gettext_lazy(
            "镇级部门（类型为部门、层级为镇级）须在“所属镇街编码”中填写所属镇街单位的编码，可以是本文件中的镇街。"
        ),
        gettext_lazy("县级部门的“所属镇街编码”“镇街名称”留空。"),
    )
    # Towns first, so that town-level departments later in the file can point at them.
    write_phases = 2

    def begin(self, ctx: ImportContext) -> None:
        ctx.state.update(
            towns=town_lookup(),
            town_names=dict(Town.objects.values_list("name", "code")),
            units={u.code: u for u in Unit.objects.select_related("town")},
            file_towns=set(),
            file_town_names={},
            pending=[],
        )

    def _town_for(self, row: Row, town_name: str, ctx: ImportContext) -> Town | None:
        """The existing town a town unit row maps to: by its territory code, by the unit's
        current town, then by name; None when a new town is to be created."""
        code = row.get("town_code") or row.get("code")
        unit = ctx.state["units"].get(row.get("code"))
        town = Town.objects.filter(code=code).first()
        if town is None and unit is not None and unit.town_id and not row.get("town_code"):
            town = unit.town
        return town or Town.objects.filter(name=town_name).first()

    def check(self, rows: list[Row], ctx: ImportContext) -> None:
        state = ctx.state
        for row in rows:
            kind, level, code = row.get("kind"), row.get("level"), row.get("code")
            town_code = row.get("town_code")
            if kind is None or level is None:
                # Already reported; give later rows the benefit of the doubt instead of a cascade.
                state["file_towns"].add(code)
                continue
            if kind == Unit.Kind.TOWN:
                if level == Level.COUNTY:
                    ctx.error(row, "level", _("镇街单位的层级应为“镇级”。"))
                if code is None or row.get("name") is None:
                    continue
                town_name = row.get("town_name") or town_name_from_unit(row.get("name"))
                first = state["file_town_names"].setdefault(town_name, row.number)
                if first != row.number:
                    ctx.error(
                        row,
                        "town_name",
                        _("镇街名称“%(name)s”与第 %(row)s 行重复。") % {"name": town_name, "row": first},
                        town_name,
                    )
                    continue
                town = self._town_for(row, town_name, ctx)
                holder = state["town_names"].get(town_name)
                if holder is not None and (town is None or holder != town.code):
                    ctx.error(
                        row,
                        "town_name",
                        _("镇街名称“%(name)s”已被编码为 %(code)s 的镇街使用。")
                        % {"name": town_name, "code": holder},
                        town_name,
                    )
                state["file_towns"].update({code, town_code or code})
            elif level == Level.TOWN:
                if not town_code:
                    ctx.error(row, "town_code", _("镇级部门须填写所属镇街编码。"), "")
                elif town_code not in state["towns"]:
                    # May be a town defined further down this file: decided after the last row.
                    state["pending"].append((row.number, town_code))
            elif level == Level.COUNTY and town_code:
                ctx.error(row, "town_code", _("县级部门不属于镇街，所属镇街编码请留空。"))
            if kind == Unit.Kind.DEPARTMENT and row.get("town_name"):
                ctx.error(row, "town_name", _("只有镇街单位填写镇街名称，部门请留空。"))

    def end_check(self, ctx: ImportContext) -> None:
        for number, town_code in ctx.state["pending"]:
            if town_code not in ctx.state["file_towns"]:
                ctx.error(
                    number,
                    "town_code",
                    _("找不到这个镇街编码：应为已有镇街或本文件中某个镇街单位的编码。"),
                    town_code,
                )

    def write(self, rows: list[Row], ctx: ImportContext, phase: int) -> None:
        state = ctx.state
        if phase == 1 and not state.get("refreshed"):
            state["towns"] = town_lookup()
            state["refreshed"] = True
        for row in rows:
            is_town = row.get("kind") == Unit.Kind.TOWN
            if is_town != (phase == 0):
                continue
            code = row.get("code")
            town_changed = False
            if is_town:
                town, town_changed = self._upsert_town(row, ctx)
                town_id = town.pk
            elif row.get("level") == Level.TOWN:
                town_id = state["towns"][row.get("town_code")]
            else:
                town_id = None
            values = {
                "name": row.get("name"),
                "kind": row.get("kind"),
                "level": row.get("level"),
                "town_id": town_id,
            }
            unit = state["units"].get(code)
            if unit is None:
                unit = Unit.objects.create(code=code, **values)
                state["units"][code] = unit
                ctx.created += 1
            elif all(getattr(unit, name) == value for name, value in values.items()):
                ctx.updated += town_changed
                ctx.unchanged += not town_changed
            else:
                for name, value in values.items():
                    setattr(unit, name, value)
                unit.save(update_fields=list(values))
                ctx.updated += 1

    def _upsert_town(self, row: Row, ctx: ImportContext) -> tuple[Town, bool]:
        code = row.get("town_code") or row.get("code")
        town_name = row.get("town_name") or town_name_from_unit(row.get("name"))
        town = self._town_for(row, town_name, ctx)
        if town is None:
            order = (Town.objects.aggregate(m=Max("order"))["m"] or 0) + 1
            kind = "street" if town_name.endswith("街道") else "town"
            return Town.objects.create(code=code, name=town_name, kind=kind, order=order), False
        if town.name != town_name:
            town.name = town_name
            town.save(update_fields=["name"])
            return town, True
        return town, False

    def export_rows(self):
        for unit in Unit.objects.select_related("town").order_by("code").iterator(chunk_size=2000):
            is_town = unit.kind == Unit.Kind.TOWN
            yield {
                "code": unit.code,
                "name": unit.name,
                "kind": unit.kind,
                "level": unit.level,
                # A town unit names its territory only when the codes differ (seeded 西塘镇: T102 → 330421102).
                "town_code": unit.town.code
                if unit.town and (not is_town or unit.town.code != unit.code)
                else None,
                "town_name": unit.town.name if unit.town and is_town else None,
            }


# --- cadres ---------------------------------------------------------------------------------
class CadresKind(LedgerKind):
    name = "cadres"
    title = pgettext_lazy("ledger", "干部")
    order = 20
    columns = (
        Column("code", "干部编号", required=True, max_length=_max_length(Cadre, "code")),
        Column("name", "姓名", required=True, max_length=_max_length(Cadre, "name")),
        Column("unit_code", "单位编码", required=True, help=gettext_lazy("干部所在单位的编码（见单位台账）")),
        Column("phone", "手机号码", type="phone"),
    )
    key_columns = ("code",)
    notes = (
        gettext_lazy(
            "干部的层级（县级/镇级）取所在单位的层级；登录账号、职务与在岗状态不在台账中，导入时保持不变。"
        ),
    )

    def begin(self, ctx: ImportContext) -> None:
        ctx.state["units"] = {
            code: (pk, level) for pk, code, level in Unit.objects.values_list("pk", "code", "level")
        }

    def check(self, rows: list[Row], ctx: ImportContext) -> None:
        for row in rows:
            code = row.get("unit_code")
            if code is not None and code not in ctx.state["units"]:
                ctx.error(row, "unit_code", _("找不到这个单位编码：请先导入单位台账。"))

    def write(self, rows: list[Row], ctx: ImportContext, phase: int) -> None:
        units = ctx.state["units"]
        existing = Cadre.objects.in_bulk([row.get("code") for row in rows], field_name="code")
        new, changed = [], []
        for row in rows:
            unit_id, level = units[row.get("unit_code")]
            values = {
                "name": row.get("name"),
                "unit_id": unit_id,
                "level": level,
                "phone": row.get("phone") or "",
            }
            cadre = existing.get(row.get("code"))
            if cadre is None:
                new.append(Cadre(code=row.get("code"), **values))
                ctx.created += 1
            elif all(getattr(cadre, name) == value for name, value in values.items()):
                ctx.unchanged += 1
            else:
                for name, value in values.items():
                    setattr(cadre, name, value)
                changed.append(cadre)
                ctx.updated += 1
        Cadre.objects.bulk_create(new)
        Cadre.objects.bulk_update(changed, ["name", "unit_id", "level", "phone"])

    def export_rows(self):
        rows = Cadre.objects.order_by("code").values_list("code", "name", "unit__code", "phone")
        for code, name, unit_code, phone in rows.iterator(chunk_size=2000):
            yield {"code": code, "name": name, "unit_code": unit_code, "phone": phone}


# --- assignments ----------------------------------------------------------------------------
def cadres_by_code(codes):
    return {
        code: (pk, active, name)
        for pk, code, active, name in Cadre.objects.filter(code__in=codes).values_list(
            "pk", "code", "active", "name"
        )
    }


def enterprises_by_uscc(codes):
    return {
        uscc: (pk, active)
        for pk, uscc, active in Enterprise.objects.filter(uscc__in=codes).values_list("pk", "uscc", "active")
    }


class AssignmentsKind(LedgerKind):
    name = "assignments"
    title = pgettext_lazy("ledger", "联系关系")
    order = 40
    columns = (
        Column("cadre_code", "干部编号", required=True),
        USCC_COLUMN,
        Column("start", "开始日期", type="date", required=True),
        Column("end", "结束日期", type="date", help=gettext_lazy("联系关系的最后一天；仍在联系的留空")),
    )
    key_columns = ("cadre_code", "uscc", "start")

    @property
    def notes(self):
        return (
            _("按“干部编号 + 统一社会信用代码 + 开始日期”识别同一条联系关系；再次导入时可补填结束日期。"),
            _("每名在岗干部未结束的联系企业不能超过 %(limit)s 家（系统中已有的加上本文件的）。")
            % {"limit": rules.limit()},
        )

    # Pairs that end first, then new pairs: a file may end an old pair and restart it.
    write_phases = 2

    def begin(self, ctx: ImportContext) -> None:
        ctx.state.update(
            cadres={},
            enterprises={},
            keys=set(),
            active_rows=defaultdict(list),
            active_pairs={},
        )

    def _resolve(self, rows: list[Row], ctx: ImportContext) -> None:
        lookup(ctx.state["cadres"], (r.get("cadre_code") for r in rows), cadres_by_code)
        lookup(ctx.state["enterprises"], (r.get("uscc") for r in rows), enterprises_by_uscc)

    def check(self, rows: list[Row], ctx: ImportContext) -> None:
        self._resolve(rows, ctx)
        state = ctx.state
        for row in rows:
            cadre = state["cadres"].get(row.get("cadre_code"))
            enterprise = state["enterprises"].get(row.get("uscc"))
            start, end = row.get("start"), row.get("end")
            if row.get("cadre_code") is not None and cadre is None:
                ctx.error(row, "cadre_code", _("找不到这个干部编号：请先导入干部台账。"))
            if row.get("uscc") is not None and enterprise is None:
                ctx.error(row, "uscc", _("找不到这家企业：请先导入企业台账。"))
            if start and end and end < start:
                ctx.error(row, "end", _("结束日期不能早于开始日期 %(date)s。") % {"date": start.isoformat()})
            if cadre is None or enterprise is None or start is None:
                continue
            state["keys"].add((cadre[0], enterprise[0], start))
            if end is not None:
                continue
            if not cadre[1]:
                ctx.error(
                    row,
                    "end",
                    _("干部“%(name)s”已不在岗，不能有未结束的联系关系：请填写结束日期。")
                    % {"name": cadre[2]},
                    "",
                )
            if not enterprise[1]:
                ctx.error(row, "end", _("企业已不在册，不能有未结束的联系关系：请填写结束日期。"), "")
            pair = (cadre[0], enterprise[0])
            if pair in state["active_pairs"]:
                other = state["active_pairs"][pair][0]
                ctx.error(
                    row,
                    "end",
                    _("同一干部与企业已有一条未结束的联系关系（第 %(row)s 行）。") % {"row": other},
                    "",
                )
                continue
            state["active_pairs"][pair] = (row.number, start)
            state["active_rows"][cadre[0]].append(row.number)

    def end_check(self, ctx: ImportContext) -> None:
        state = ctx.state
        limit, minimum = rules.limit(), rules.minimum()
        names = {v[0]: (code, v[2]) for code, v in state["cadres"].items() if v}
        kept = defaultdict(int)
        cadre_ids = list(state["active_rows"])
        for start in range(0, len(cadre_ids), LOOKUP_BATCH):
            batch = cadre_ids[start : start + LOOKUP_BATCH]
            rows = (
                Assignment.objects.active()
                .filter(cadre_id__in=batch)
                .values_list("cadre_id", "enterprise_id", "start")
            )
            for cadre_id, enterprise_id, started in rows:
                if (cadre_id, enterprise_id, started) in state["keys"]:
                    continue  # the file says how this pair continues
                kept[cadre_id] += 1
                clash = state["active_pairs"].get((cadre_id, enterprise_id))
                if clash:
                    ctx.error(
                        clash[0],
                        "start",
                        _(
                            "该干部已在联系这家企业（自 %(date)s 起，尚未结束）：请在文件中为那条联系关系填写结束日期，或删除本行。"
                        )
                        % {"date": started.isoformat()},
                        clash[1].isoformat(),
                    )
        few = 0
        for cadre_id, numbers in state["active_rows"].items():
            total = kept[cadre_id] + len(numbers)
            code, name = names[cadre_id]
            if rules.exceeds(total):
                first_over = sorted(numbers)[max(limit - kept[cadre_id], 0)]
                ctx.error(
                    first_over,
                    "cadre_code",
                    _(
                        "干部“%(name)s”导入后将联系 %(total)s 家企业（系统中保留 %(kept)s 家，"
                        "本文件中未结束的 %(in_file)s 家），超过上限 %(limit)s 家。"
                    )
                    % {
                        "name": name,
                        "total": total,
                        "kept": kept[cadre_id],
                        "in_file": len(numbers),
                        "limit": limit,
                    },
                    code,
                )
            elif rules.is_short(total):
                few += 1
        if few:
            ctx.warn(
                _("导入后有 {n} 名干部联系企业少于 %(minimum)s 家，请在“待关注”中补充。")
                % {"minimum": minimum},
                few,
            )

    def end_write(self, ctx: ImportContext) -> None:
        # Pairs added by someone else between the check and the write must not slip a cadre
        # past the limit: count again inside the transaction (an error here rolls it all back).
        limit = rules.limit()
        cadre_ids = list(ctx.state["active_rows"])
        names = {v[0]: (code, v[2]) for code, v in ctx.state["cadres"].items() if v}
        for start in range(0, len(cadre_ids), LOOKUP_BATCH):
            over = (
                Assignment.objects.active()
                .filter(cadre_id__in=cadre_ids[start : start + LOOKUP_BATCH])
                .values("cadre_id")
                .annotate(n=Count("pk"))
                .filter(n__gt=limit)
                .order_by()
            )
            for row in over:
                code, name = names[row["cadre_id"]]
                ctx.error(
                    0,
                    "cadre_code",
                    _(
                        "干部“%(name)s”写入时已有 %(n)s 家联系企业，超过上限 %(limit)s 家（导入期间有人改动了联系关系），请重新导入。"
                    )
                    % {"name": name, "n": row["n"], "limit": limit},
                    code,
                )

    def _existing(self, rows: list[Row], ctx: ImportContext) -> dict[tuple, Assignment]:
        cadres, enterprises = ctx.state["cadres"], ctx.state["enterprises"]
        keys = {(cadres[r.get("cadre_code")][0], enterprises[r.get("uscc")][0], r.get("start")) for r in rows}
        found = Assignment.objects.filter(
            cadre_id__in={k[0] for k in keys},
            enterprise_id__in={k[1] for k in keys},
            start__in={k[2] for k in keys},
        ).order_by("pk")
        existing = {}
        for assignment in found:
            existing.setdefault((assignment.cadre_id, assignment.enterprise_id, assignment.start), assignment)
        return existing

    def write(self, rows: list[Row], ctx: ImportContext, phase: int) -> None:
        cadres, enterprises = ctx.state["cadres"], ctx.state["enterprises"]
        existing = self._existing(rows, ctx)
        actor = ctx.actor if getattr(ctx.actor, "is_authenticated", False) else None
        changed, new, logs = [], [], []
        leads = set()
        if phase == 1:
            leads = set(
                Assignment.objects.active()
                .filter(enterprise_id__in={enterprises[r.get("uscc")][0] for r in rows}, is_lead=True)
                .values_list("enterprise_id", flat=True)
            )
        for row in rows:
            cadre_id, _active, cadre_name = cadres[row.get("cadre_code")]
            enterprise_id = enterprises[row.get("uscc")][0]
            key = (cadre_id, enterprise_id, row.get("start"))
            assignment = existing.get(key)
            if phase == 0 and assignment is not None:
                if assignment.end == row.get("end"):
                    ctx.unchanged += 1
                    continue
                before = self._state(assignment, row.get("cadre_code"), cadre_name)
                assignment.end = row.get("end")
                changed.append(assignment)
                logs.append((assignment, before))
                ctx.updated += 1
            elif phase == 1 and assignment is None:
                is_lead = True
                if row.get("end") is None:
                    is_lead = enterprise_id not in leads
                    leads.add(enterprise_id)
                new.append(
                    Assignment(
                        cadre_id=cadre_id,
                        enterprise_id=enterprise_id,
                        start=row.get("start"),
                        end=row.get("end"),
                        is_lead=is_lead,
                        created_by=actor,
                    )
                )
                ctx.created += 1
        Assignment.objects.bulk_update(changed, ["end"])
        for assignment in Assignment.objects.bulk_create(new):
            logs.append((assignment, {}))
        if "code_of" not in ctx.state:
            ctx.state["code_of"] = {v[0]: (code, v[2]) for code, v in cadres.items() if v}
        code_of = ctx.state["code_of"]
        AssignmentChange.objects.bulk_create(
            AssignmentChange(
                at=ctx.now,
                actor=actor,
                action=AssignmentChange.Action.IMPORT,
                assignment=assignment,
                cadre_id=assignment.cadre_id,
                enterprise_id=assignment.enterprise_id,
                before=before,
                after=self._state(assignment, *code_of[assignment.cadre_id]),
                note="台账导入",  # a record: Chinese, like every stored note
            )
            for assignment, before in logs
        )

    @staticmethod
    def _state(assignment: Assignment, code: str, name: str) -> dict:
        return {
            "cadre_id": assignment.cadre_id,
            "cadre": name,
            "cadre_code": code,
            "start": assignment.start.isoformat(),
            "end": assignment.end.isoformat() if assignment.end else None,
            "is_lead": assignment.is_lead,
        }

    def export_rows(self):
        rows = Assignment.objects.order_by("cadre__code", "enterprise__uscc", "start", "pk").values_list(
            "cadre__code", "enterprise__uscc", "start", "end"
        )
        for code, uscc, start, end in rows.iterator(chunk_size=2000):
            yield {"cadre_code": code, "uscc": uscc, "start": start, "end": end}


KINDS = [UnitsKind(), CadresKind(), AssignmentsKind()]
