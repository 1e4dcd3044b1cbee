import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analytics import jobs
from analytics.management.commands._options import check_order, parse_date


class Command(BaseCommand):
    help = "计算指标快照（与每晚定时任务相同）：默认计算包含昨天的日、周、月、季、年。"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", help="开始日期 YYYY-MM-DD（默认昨天）")
        parser.add_argument("--to", dest="date_to", help="截止日期 YYYY-MM-DD（默认昨天，最晚昨天）")

    def handle(self, *args, date_from, date_to, **options):
        first = parse_date("--from", date_from)
        last = parse_date("--to", date_to)
        check_order(first, last)
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        if first and first > yesterday:
            raise CommandError(f"--from={first.isoformat()}：快照只计算到昨天（{yesterday}）为止的完整日。")
        if first and not last:
            last = yesterday
        verbose = options["verbosity"] >= 2

        def progress(period, rows, written):
            if verbose:
                self.stdout.write(f"  {period.label}：{rows} 行，其中新写入或更新 {written} 行")

        counts = jobs.run_compute_snapshots(first=first, last=last, trigger="command", progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"指标快照已更新：{counts['from']} 至 {counts['to']}，周期 {counts['periods']} 个，"
                f"快照 {counts['rows']} 行（新写入或更新 {counts['written']} 行）。"
            )
        )
