from django.core.management.base import BaseCommand

from analytics import jobs
from analytics.management.commands._options import parse_date


class Command(BaseCommand):
    help = "走访提醒：告诉每位联企干部本周期尚未走访的联系企业（与每周定时任务相同，同一周只提醒一次）。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按这一天计算（默认今天）YYYY-MM-DD")

    def handle(self, *args, date, **options):
        counts = jobs.run_remind_unvisited(today=parse_date("--date", date), trigger="command")
        self.stdout.write(
            self.style.SUCCESS(
                f"待走访：干部 {counts['cadres_due']} 名、企业 {counts['enterprises_due']} 家；"
                f"新发提醒 {counts['notified']} 条，本周已提醒过 {counts['already_notified']} 名。"
            )
        )
