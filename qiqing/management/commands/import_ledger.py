"""``manage.py import_ledger KIND FILE [--dry-run]`` — import a county ledger (台账), all or nothing."""

from __future__ import annotations

import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from qiqing.ledger import LedgerFileError, import_ledger, kinds


class Command(BaseCommand):
    help = "导入台账（.csv 或 .xlsx）：整个文件校验通过才写入，有错误时列出每一处并以退出码 1 结束。"

    def add_arguments(self, parser):
        names = [kind.name for kind in kinds()]
        parser.add_argument("kind", choices=names, help="台账类型：" + "、".join(names))
        parser.add_argument("file", help=".csv（UTF-8，可带 BOM）或 .xlsx（第一个工作表）")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--user", help="记为操作人的登录名（写入变更记录）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度")

    def handle(self, *args, **options):
        actor = None
        if options["user"]:
            try:
                actor = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"没有登录名为“{options['user']}”的用户。") from None
        progress = None if options["no_progress"] else _Progress(self.stderr)
        try:
            report = import_ledger(
                options["kind"], options["file"], actor=actor, dry_run=options["dry_run"], progress=progress
            )
        except (LedgerFileError, OSError) as exc:
            raise CommandError(str(exc)) from None
        finally:
            if progress:
                progress.end()
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"提示：{warning}"))
        if report.errors:
            self.stdout.write("行号\t列\t值\t原因")
            for error in report.errors:
                self.stdout.write(f"{error.row}\t{error.column}\t{error.value}\t{error.reason}")
            raise CommandError(report.summary(), returncode=1)
        self.stdout.write(self.style.SUCCESS(f"{report.summary()}（用时 {report.seconds:.1f} 秒）"))


class _Progress:
    """One line on the terminal, redrawn at most a few times a second."""

    def __init__(self, stream):
        self.stream = stream
        self.tty = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if now - self.last < (0.2 if self.tty else 5.0) and done < total:
            return
        self.last = now
        percent = done * 100 // total if total else 0
        line = f"{percent:3d}% {message}"
        if self.tty:
            self.stream.write(f"\r{line:<60}", ending="")
            self.stream.flush()
        else:
            self.stream.write(line)
        self.shown = True

    def end(self):
        if self.shown and self.tty:
            self.stream.write("")
