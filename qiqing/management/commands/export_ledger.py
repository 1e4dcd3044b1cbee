"""``manage.py export_ledger KIND FILE`` — write every record of a kind in its import format."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qiqing.ledger import LedgerFileError, export_ledger, kinds


class Command(BaseCommand):
    help = "导出台账（.xlsx 或 .csv，由文件扩展名决定），格式与导入相同，可以原样再导入。"

    def add_arguments(self, parser):
        names = [kind.name for kind in kinds()]
        parser.add_argument("kind", choices=names, help="台账类型：" + "、".join(names))
        parser.add_argument("file", help="输出文件，扩展名 .xlsx 或 .csv")

    def handle(self, *args, **options):
        path = Path(options["file"])
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            raise CommandError("输出文件的扩展名应为 .xlsx 或 .csv。")
        try:
            count = export_ledger(options["kind"], path, fmt)
        except (LedgerFileError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 行到 {path}"))
