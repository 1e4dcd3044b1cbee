import json
import unicodedata

from django.core.management.base import BaseCommand, CommandError

from analytics import metrics
from analytics.management.commands._options import check_order, parse_date
from analytics.periods import Period
from cadres.models import Cadre, Unit
from enterprises.models import Enterprise, Town
from requests_tracker.models import Batch, Category

SCOPE_OPTIONS = {
    "town": (metrics.TOWN, "镇街编码", Town),
    "unit": (metrics.UNIT, "单位编码", Unit),
    "cadre": (metrics.CADRE, "干部编号", Cadre),
    "industry": (metrics.INDUSTRY, "行业", None),
}

ROWS = [
    ("enterprises_active", "在册企业数", None),
    ("enterprises_visited", "已走访企业数", None),
    ("coverage_rate", "走访覆盖率", ("enterprises_visited", "enterprises_active")),
    ("visits", "走访次数", None),
    ("requests", "诉求数", None),
    ("closed", "已办结", None),
    ("closure_rate", "办结率", ("closed", "requests")),
    ("closed_on_time", "按期办结", None),
    ("on_time_rate", "按期办结率", ("closed_on_time", "closed")),
    ("assigned", "已交办", None),
    ("assigned_responded", "已反馈", None),
    ("feedback_rate", "反馈率", ("assigned_responded", "assigned")),
    ("assigned_face_to_face", "首次联系见面", None),
    ("face_to_face_rate", "问题见面率", ("assigned_face_to_face", "assigned")),
    ("rated", "已评价", None),
    ("satisfied", "满意及基本满意", None),
    ("satisfaction_rate", "满意率", ("satisfied", "rated")),
    ("overdue", "超期件", None),
    ("reopened", "重新办理", None),
]

# The trusted-rating figures (county, town and unit scopes only): analytics.metrics.TrustMetrics.
TRUST_ROWS = [
    ("rated", "真实评价", None),
    ("satisfied", "满意及基本满意", None),
    ("callback_confirmed", "未评价但回访确认", None),
    ("callback_solved", "回访确认已解决", None),
    ("satisfaction_rate", "满意率（申诉前）", ("satisfied + callback_solved", "rated + callback_confirmed")),
    ("overturned", "申诉撤销的不满意", None),
    (
        "satisfaction_after_appeals_rate",
        "满意率（申诉后）",
        ("satisfied + callback_solved", "rated - overturned + callback_confirmed"),
    ),
    ("unrated_closed", "逾期未评自动办结", None),
    ("callbacks", "回访任务", None),
    ("callbacks_reached", "已回访（联系上）", None),
    ("callback_rate", "回访率", ("callbacks_reached", "callbacks")),
    ("closures_checked", "办结件回访核实", None),
    ("false_closures", "不实办结", None),
    ("false_closure_rate", "不实办结率", ("false_closures", "closures_checked")),
]


# A batch has requests only: no enterprises or visits of its own.
BATCH_SKIPPED = {"enterprises_active", "enterprises_visited", "coverage_rate", "visits"}


def _pad(text: str, width: int) -> str:
    """Left-justify counting CJK characters as two columns."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - shown)


class Command(BaseCommand):
    help = "按 DESIGN.md §5 的口径计算一个周期、一个范围的指标（--json 输出 JSON）。"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", help="开始日期 YYYY-MM-DD（含）；--batch 时不用")
        parser.add_argument("--to", dest="date_to", help="截止日期 YYYY-MM-DD（含）；--batch 时不用")
        parser.add_argument(
            "--batch", type=int, help="交办批次号：该批诉求截至当前的指标（不需要 --from/--to）"
        )
        parser.add_argument("--year", type=int, help="与 --batch 同用：批次所属年份（默认最近一年）")
        parser.add_argument("--town", help="镇街编码")
        parser.add_argument("--unit", help="单位编码（牵头诉求 + 本单位干部的走访和联系企业）")
        parser.add_argument("--cadre", help="干部编号")
        parser.add_argument("--industry", help="行业名称")
        parser.add_argument("--category", help="问题类别名称（只影响诉求类指标）")
        parser.add_argument("--json", dest="as_json", action="store_true", help="输出一个 JSON 对象")

    def handle(self, *args, date_from, date_to, category, as_json, **options):
        if options.get("batch") is not None:
            return self._batch(options["batch"], options.get("year"), as_json)
        if not date_from or not date_to:
            raise CommandError("请同时指定 --from 和 --to（或用 --batch 查看一个交办批次）。")
        first = parse_date("--from", date_from)
        last = parse_date("--to", date_to)
        check_order(first, last)
        chosen = [name for name in SCOPE_OPTIONS if options.get(name) is not None]
        if len(chosen) > 1:
            raise CommandError(
                f"{'、'.join('--' + n for n in chosen)}：一次只能指定一个范围（镇街、单位、干部或行业）。"
            )
        scope, scope_name = metrics.COUNTY_SCOPE, "全县"
        if chosen:
            option = chosen[0]
            kind, what, model = SCOPE_OPTIONS[option]
            key = options[option].strip()
            if model is not None:
                obj = model.objects.filter(code=key).first()
                if obj is None:
                    raise CommandError(f"--{option}={key!r}：没有这个{what}。")
                scope_name = obj.name
            elif not Enterprise.objects.filter(industry=key).exists():
                raise CommandError(f"--{option}={key!r}：没有企业属于这个行业。")
            else:
                scope_name = key
            scope = metrics.Scope(kind, key)
        if category is not None and not Category.objects.filter(name=category).exists():
            raise CommandError(f"--category={category!r}：没有这个问题类别。")

        period = Period(first, last)
        result = metrics.compute(period, scope, category=category)
        names = [category] if category else metrics.category_names()
        # Callbacks and appeals have no category; they are reported for the whole of S only.
        trust = metrics.trust(period, scope) if scope.kind in metrics.TRUST_KINDS and not category else None
        if as_json:
            self._json(period, scope, scope_name, category, result, names, trust)
        else:
            self._table(period, scope_name, category, result, names)
            if trust is not None:
                self._trust_table(trust)

    def _batch(self, number, year, as_json):
        batches = Batch.objects.filter(number=number)
        if year is not None:
            batches = batches.filter(year=year)
        batch = batches.order_by("-year").first()
        if batch is None:
            raise CommandError(f"--batch={number}：没有这个交办批次。")
        result = metrics.compute_batches([batch.pk])[batch.pk]
        if as_json:
            data = {
                "batch": batch.number,
                "year": batch.year,
                "label": str(batch.label),
                **result.as_json([]),
            }
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        write = self.stdout.write
        write(f"交办批次：{batch.label}（{batch.created_at:%Y-%m-%d}）  统计截至：现在")
        write("")
        for name, label, parts in ROWS:
            if name in BATCH_SKIPPED:
                continue
            value = getattr(result, name)
            if parts:
                shown = "—" if value is None else f"{value}%"
                write(
                    f"  {_pad(label, 16)}{_pad(shown, 10)}（{getattr(result, parts[0])} / {getattr(result, parts[1])}）"
                )
            else:
                write(f"  {_pad(label, 16)}{value}")

    def _json(self, period, scope, scope_name, category, result, names, trust):
        data = {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "scope": scope.kind,
            "scope_key": scope.key,
            "scope_name": scope_name,
            "category": category,
            **result.as_json(names),
            "trust": trust.as_json() if trust is not None else None,
        }
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))

    def _table(self, period, scope_name, category, result, names):
        write = self.stdout.write
        write(f"统计周期：{period.start:%Y-%m-%d} 至 {period.end:%Y-%m-%d}")
        write(f"统计范围：{scope_name}    问题类别：{category or '全部'}")
        write("")
        for name, label, parts in ROWS:
            value = getattr(result, name)
            if parts:
                shown = "—" if value is None else f"{value}%"
                formula = f"（{getattr(result, parts[0])} / {getattr(result, parts[1])}）"
                write(f"  {_pad(label, 16)}{_pad(shown, 10)}{formula}")
            else:
                write(f"  {_pad(label, 16)}{value}")
        write("")
        write("  问题占比")
        for name, share in result.issue_share(names).items():
            shown = "—" if share is None else f"{share}%"
            count = result.category_counts.get(name, 0)
            write(f"    {_pad(name, 14)}{_pad(shown, 10)}（{count} / {result.requests}）")

    def _trust_table(self, trust):
        write = self.stdout.write
        write("")
        write("  评价可信度（回访、抽查、申诉）")
        for name, label, parts in TRUST_ROWS:
            value = getattr(trust, name)
            if parts:
                shown = "—" if value is None else f"{value}%"
                numerator, denominator = trust.sum_of(parts[0]), trust.sum_of(parts[1])
                write(f"    {_pad(label, 18)}{_pad(shown, 10)}（{numerator} / {denominator}）")
            else:
                write(f"    {_pad(label, 18)}{value}")
