"""The visits ledger (走访台账): one row per visit, keyed by enterprise, cadre, date and mode."""

from __future__ import annotations

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cadres.ledger import cadres_by_code, enterprises_by_uscc, lookup
from cadres.models import Assignment
from enterprises.ledger import USCC_COLUMN
from qiqing.ledger import Choice, Column, ImportContext, LedgerKind, Row
from visits.models import Visit

MODE_CHOICES = (
    Choice(Visit.Mode.ONSITE, "实地走访", ("实地", "上门走访")),
    Choice(Visit.Mode.PHONE, "电话", ("电话走访", "电话联系")),
    Choice(Visit.Mode.MEETING, "座谈", ("座谈/亲清会", "座谈会", "亲清会")),
    Choice(Visit.Mode.FOLLOWUP, "回访", ()),
)
BEFORE_START = gettext_lazy("{n} 条走访早于该干部与企业联系关系的开始日期（按历史记录导入）")
NO_PAIR = gettext_lazy("{n} 条走访的干部与企业之间没有联系关系记录（按历史记录导入）")


class VisitsKind(LedgerKind):
    name = "visits"
    title = pgettext_lazy("ledger", "走访")
    order = 50
    columns = (
        USCC_COLUMN,
        Column("cadre_code", "干部编号", required=True),
        Column("date", "走访日期", type="date", required=True),
        Column("mode", "走访方式", type="choice", required=True, choices=MODE_CHOICES),
        Column("summary", "走访情况", required=True),
    )
    key_columns = ("uscc", "cadre_code", "date", "mode")
    notes = (
        gettext_lazy(
            "按“统一社会信用代码 + 干部编号 + 走访日期 + 走访方式”识别同一次走访；再次导入时只更新走访情况。"
        ),
        gettext_lazy("早于联系关系开始日期的走访可以导入（历史记录），导入报告中会统计条数。"),
    )

    def begin(self, ctx: ImportContext) -> None:
        ctx.state.update(cadres={}, enterprises={})

    def check(self, rows: list[Row], ctx: ImportContext) -> None:
        cadres, enterprises = ctx.state["cadres"], ctx.state["enterprises"]
        lookup(cadres, (r.get("cadre_code") for r in rows), cadres_by_code)
        lookup(enterprises, (r.get("uscc") for r in rows), enterprises_by_uscc)
        pairs = []
        for row in rows:
            cadre = cadres.get(row.get("cadre_code"))
            enterprise = enterprises.get(row.get("uscc"))
            if row.get("cadre_code") is not None and cadre is None:
                ctx.error(row, "cadre_code", _("找不到这个干部编号：请先导入干部台账。"))
            if row.get("uscc") is not None and enterprise is None:
                ctx.error(row, "uscc", _("找不到这家企业：请先导入企业台账。"))
            day = row.get("date")
            if day and day > ctx.today:
                ctx.error(row, "date", _("走访日期不能晚于今天。"))
            if cadre and enterprise and day:
                pairs.append((cadre[0], enterprise[0], day))
        if not pairs:
            return
        first_start = {
            (c, e): start
            for c, e, start in Assignment.objects.filter(
                cadre_id__in={p[0] for p in pairs}, enterprise_id__in={p[1] for p in pairs}
            )
            .values_list("cadre_id", "enterprise_id")
            .annotate(first=Min("start"))
            .order_by()
        }
        before = missing = 0
        for cadre_id, enterprise_id, day in pairs:
            start = first_start.get((cadre_id, enterprise_id))
            if start is None:
                missing += 1
            elif day < start:
                before += 1
        if before:
            ctx.warn(BEFORE_START, before)
        if missing:
            ctx.warn(NO_PAIR, missing)

    def write(self, rows: list[Row], ctx: ImportContext, phase: int) -> None:
        cadres, enterprises = ctx.state["cadres"], ctx.state["enterprises"]
        keyed = [
            (
                row,
                (
                    enterprises[row.get("uscc")][0],
                    cadres[row.get("cadre_code")][0],
                    row.get("date"),
                    row.get("mode"),
                ),
            )
            for row in rows
        ]
        existing: dict[tuple, Visit] = {}
        for visit in Visit.objects.filter(
            enterprise_id__in={k[0] for _row, k in keyed},
            cadre_id__in={k[1] for _row, k in keyed},
            date__in={k[2] for _row, k in keyed},
        ).order_by("pk"):
            existing.setdefault((visit.enterprise_id, visit.cadre_id, visit.date, visit.mode), visit)
        actor = ctx.actor if getattr(ctx.actor, "is_authenticated", False) else None
        now = timezone.now()
        new, changed = [], []
        for row, key in keyed:
            visit = existing.get(key)
            if visit is None:
                new.append(
                    Visit(
                        enterprise_id=key[0],
                        cadre_id=key[1],
                        date=key[2],
                        mode=key[3],
                        summary=row.get("summary"),
                        imported=True,
                        created_by=actor,
                    )
                )
                ctx.created += 1
            elif visit.summary == row.get("summary"):
                ctx.unchanged += 1
            else:
                visit.summary = row.get("summary")
                visit.updated_at = now
                changed.append(visit)
                ctx.updated += 1
        Visit.objects.bulk_create(new)
        Visit.objects.bulk_update(changed, ["summary", "updated_at"])

    def export_rows(self):
        rows = Visit.objects.order_by("enterprise__uscc", "cadre__code", "date", "mode", "pk").values_list(
            "enterprise__uscc", "cadre__code", "date", "mode", "summary"
        )
        for uscc, code, day, mode, summary in rows.iterator(chunk_size=2000):
            yield {"uscc": uscc, "cadre_code": code, "date": day, "mode": mode, "summary": summary}


KINDS = [VisitsKind()]
