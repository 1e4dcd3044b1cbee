from django.core.management.base import BaseCommand

from analytics import jobs


class Command(BaseCommand):
    help = "共性问题聚类：把近 QIQING_CLUSTER_DAYS 天相似的诉求归为共性问题（与每晚 01:30 的定时任务相同）。"

    def handle(self, *args, **options):
        verbose = options["verbosity"] >= 2

        def progress(done, total):
            if verbose:
                self.stdout.write(f"  已完成 {done}/{total} 个问题类别")

        counts = jobs.run_cluster_problems(trigger="command", progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"共性问题已更新（{counts['from']} 至 {counts['to']}）：诉求 {counts['requests']} 件，"
                f"共性问题 {counts['clusters']} 个，归入 {counts['clustered']} 件。"
            )
        )
