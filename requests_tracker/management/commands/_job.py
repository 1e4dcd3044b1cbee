"""Shared shape of the lifecycle job commands: run the task body inline, print its counts."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError


class JobCommand(BaseCommand):
    task = None

    def add_arguments(self, parser):
        if self.accepts_date:
            parser.add_argument("--today", help="按指定日期运行（YYYY-MM-DD），默认今天。")

    accepts_date = True

    def handle(self, *args, **options):
        kwargs = {"trigger": "command"}
        if self.accepts_date and options.get("today"):
            try:
                kwargs["today"] = dt.date.fromisoformat(options["today"]).isoformat()
            except ValueError:
                raise CommandError(f"--today={options['today']}: 日期格式应为 YYYY-MM-DD。") from None
        counts = type(self).task(**kwargs)
        self.stdout.write(", ".join(f"{key}={value}" for key, value in counts.items()) or "nothing to do")
