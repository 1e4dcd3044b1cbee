from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from analytics import jobs
from analytics.management.commands._options import parse_date


class Command(BaseCommand):
    help = "擂台比武：为各镇街打分排名（与每周一 07:00 定时任务相同），默认排上一个完整周。"

    def add_arguments(self, parser):
        parser.add_argument("--week", help="要排名的那一周的周一 YYYY-MM-DD（默认上周一）")

    def handle(self, *args, week, **options):
        week_start = parse_date("--week", week)
        if week_start and week_start.weekday() != 0:
            raise CommandError(f"--week={week}：请给出周一的日期（排名按周一至周日计算）。")
        try:
            counts = jobs.run_rank_towns(week_start=week_start, trigger="command")
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts['week_start']} 当周擂台比武已排名：{counts['towns']} 个镇街；"
                f"红榜 {'、'.join(counts['red']) or '—'}；黑榜 {'、'.join(counts['black']) or '—'}。"
            )
        )
