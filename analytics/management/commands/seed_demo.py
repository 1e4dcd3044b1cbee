import datetime as dt
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analytics import services
from analytics.demo import DEMO_PASSWORD, DemoCounty
from enterprises.models import Enterprise


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--until={value!r}: expected a date as YYYY-MM-DD.") from None


RANKING_WEEKS = 12
# Above this scale the common problems are left to the nightly job (they take minutes there).
CLUSTER_MAX_SCALE = 5


class Command(BaseCommand):
    help = "Build a deterministic demo county (Jiashan's scale) with one login per role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=int, default=1, help="multiply the county (50 → ~90,000 enterprises)"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same county)")
        parser.add_argument("--until", type=_date, default=None, help="last day of activity (default: today)")
        parser.add_argument("--months", type=int, default=18, help="months of history (default 18)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when enterprises already exist"
        )
        parser.add_argument("--force", action="store_true", help="run even when DEBUG is off")
        parser.add_argument(
            "--ranking-weeks",
            type=int,
            default=RANKING_WEEKS,
            help=f"weeks of 擂台比武 history to compute after seeding (default {RANKING_WEEKS}, 0: none)",
        )
        parser.add_argument(
            "--no-clusters",
            action="store_true",
            help="skip computing the common problems (共性问题) after seeding",
        )

    def handle(
        self, *args, scale, seed, until, months, if_empty, force, ranking_weeks, no_clusters, **options
    ):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo writes demo logins with a published password: refused while DEBUG is off "
                "(pass --force only on a throw-away database)."
            )
        if scale < 1 or scale > 500:
            raise CommandError(f"--scale={scale}: must be between 1 and 500.")
        if months < 3 or months > 120:
            raise CommandError(f"--months={months}: must be between 3 and 120.")
        if ranking_weeks < 0 or ranking_weeks > 104:
            raise CommandError(f"--ranking-weeks={ranking_weeks}: must be between 0 and 104.")
        if Enterprise.objects.exists():
            if if_empty:
                self.stdout.write("数据库已有数据，跳过演示数据。")
                return
            raise CommandError(
                "The database already holds enterprises: seed_demo only fills an empty database "
                "(use a fresh database, or --if-empty to skip quietly)."
            )
        started = time.monotonic()
        verbose = options["verbosity"] >= 1

        def progress(message):
            if verbose:
                self.stdout.write(f"  [{time.monotonic() - started:6.1f}s] {message}")

        county = DemoCounty(
            scale=scale, seed=seed, until=until or timezone.localdate(), months=months, progress=progress
        )
        result = county.build()
        # What the beat jobs would have written by now, so a fresh demo opens on full dashboards.
        services.ensure_ranking_indicators()
        last = services.last_complete_week(county.until)
        for back in range(max(ranking_weeks, 0) - 1, -1, -1):
            services.ranking_compute(week_start=last - dt.timedelta(days=7 * back), today=county.until)
        if ranking_weeks > 0:
            progress(f"擂台比武 {ranking_weeks} 周")
        if not no_clusters and scale <= CLUSTER_MAX_SCALE:
            clusters = services.problem_clusters_compute(today=county.until)
            progress(f"共性问题 {clusters['clusters']} 类")
        self.stdout.write(
            self.style.SUCCESS(
                f"演示县已生成：镇街 {result.towns} 个，单位 {result.units} 个，干部 {result.cadres} 名，企业 {result.enterprises} 家，"
                f"联系关系 {result.assignments} 条，走访 {result.visits} 次，诉求 {result.requests} 件，流转记录 {result.events} 条"
                f"（{time.monotonic() - started:.1f} 秒）。"
            )
        )
        self.stdout.write(f"演示账号（仅供演示，密码 {DEMO_PASSWORD}）：{', '.join(result.logins)}")
        # The exchange API's loopback client (by command name: analytics imports no later app).
        call_command("api_demo_client", force=True, stdout=self.stdout)
