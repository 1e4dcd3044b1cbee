"""Ledger (台账) import and export shared by every app.

Each app declares the ledger kinds it owns in ``<app>/ledger.py`` as ``KINDS = [SomeKind(), …]``;
they are discovered through the app registry the way ``qiqing.navigation`` finds ``nav.py``, so
this module imports no app (DESIGN.md §6).

A ledger is a ``.csv`` (UTF-8, with or without BOM) or ``.xlsx`` (first sheet) whose header row
names the columns by English key or Chinese name, in any order. Import is **all or nothing per
file** and streams the file twice, so memory grows with the number of distinct keys, never with
whole rows:

1. *check*: read the file chunk by chunk, parse every cell, let the kind check references with
   one query per chunk, remember each row's natural key to find duplicates; then the kind's
   cross-row checks (a cadre above 10 enterprises, references to rows later in the file).
2. *write* (only when the check found no error): read the file again and upsert chunk by chunk
   inside one transaction. A dry run does the same writes and rolls them back, so it reports
   exactly what would be created, updated or left unchanged, and commits nothing.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import importlib
import io
import pickle
import re
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qiqing.access import forget_everyone
from qiqing.i18n import join
from qiqing.validators import validate_phone
from qiqing.xlsx import Sheet, neutralize, unneutralize, write_workbook

CHUNK = 1000
FORMATS = ("xlsx", "csv")
# Title rows above the header (“嘉善县联企干部台账”) are common in county spreadsheets.
HEADER_SEARCH_ROWS = 10

Progress = Callable[[int, int, str], None]


class LedgerFileError(Exception):
    """The file cannot be read as a ledger at all (wrong format, unreadable, no header)."""


@dataclass(frozen=True)
class LedgerError:
    """One reason a row cannot be imported: row number as the spreadsheet shows it, column, value."""

    row: int
    column: str
    value: str
    reason: str

    def as_list(self) -> list:
        return [self.row, self.column, self.value, self.reason]


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Column:
    """One ledger column: English key, Chinese header, how its cells are parsed."""

    key: str
    label: str
    type: str = "text"  # text | int | decimal | date | choice | phone
    required: bool = False
    max_length: int | None = None
    choices: tuple[Choice, ...] = ()
    help: str = ""
    # Extra rule for a text cell owned by an app (the USCC check character): returns the
    # normalised text or raises CellError with the reason.
    clean: Callable[[str], str] | None = None

    @property
    def headers(self) -> set[str]:
        return {_norm_header(self.key), _norm_header(self.label)}

    def export_value(self, value):
        """The cell written on export: choices by their Chinese label, dates as dates."""
        if value is None:
            return None
        if self.type == "choice":
            for choice in self.choices:
                if choice.value == value:
                    return choice.label
        return value

    def describe(self) -> str:
        parts = []
        if self.type == "choice":
            parts.append(" / ".join(f"{c.label}（{c.value}）" for c in self.choices))
        elif self.type == "date":
            parts.append(_("日期，格式 YYYY-MM-DD 或 YYYY/M/D，也可以是 Excel 日期单元格"))
        elif self.type == "int":
            parts.append(_("整数"))
        elif self.type == "decimal":
            parts.append(_("数字，最多两位小数"))
        elif self.type == "phone":
            parts.append(_("11 位手机号码或带区号的固定电话"))
        if self.max_length:
            parts.append(_("不超过 %(n)s 个字") % {"n": self.max_length})
        if self.help:
            parts.append(str(self.help))
        # Translators: the separator between the parts of a column's description (Chinese semicolon).
        return _("；").join(parts)


class Row:
    """A data row: its number in the spreadsheet, the raw cells by key, and the parsed values."""

    __slots__ = ("number", "raw", "values", "failed")

    def __init__(self, number: int, raw: dict[str, Any]):
        self.number = number
        self.raw = raw
        self.values: dict[str, Any] = {}
        self.failed = False

    def get(self, key: str, default=None):
        return self.values.get(key, default)


@dataclass
class ImportContext:
    """What one import run knows: the kind's scratch ``state``, errors, warnings and counts."""

    kind: LedgerKind
    actor: Any = None
    dry_run: bool = False
    today: dt.date = field(default_factory=timezone.localdate)
    now: dt.datetime = field(default_factory=timezone.now)
    errors: list[LedgerError] = field(default_factory=list)
    warnings: Counter = field(default_factory=Counter)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    state: dict = field(default_factory=dict)

    def error(self, row: Row | int, key: str, reason: str, value: Any = None) -> None:
        number = row.number if isinstance(row, Row) else row
        if value is None and isinstance(row, Row):
            value = row.raw.get(key)
        if isinstance(row, Row):
            row.failed = True
        self.errors.append(LedgerError(number, self.kind.label_of(key), display(value), reason))

    def warn(self, message: str, count: int = 1) -> None:
        """Add to a warning; ``{n}`` in the message becomes the total count in the report."""
        self.warnings[str(message)] += count


class LedgerKind:
    """One kind of ledger (units, cadres, enterprises …): its columns, checks, writes and export.

    Kinds are singletons shared by every run: per-run data lives in ``ctx.state``.
    """

    name = ""
    title = ""
    order = 100
    columns: tuple[Column, ...] = ()
    key_columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    # Passes over the file in the write step (e.g. towns before the units that point at them).
    write_phases = 1

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    def label_of(self, key: str) -> str:
        """The column's header as written in the file (Chinese: the headers are the file format)."""
        try:
            return self.column(key).label
        except KeyError:
            return key

    def key(self, values: dict) -> tuple | None:
        """The row's natural key, or None when a key cell did not parse."""
        parts = tuple(values.get(k) for k in self.key_columns)
        return None if any(part in (None, "") for part in parts) else parts

    # --- hooks for subclasses ---------------------------------------------------------------
    def begin(self, ctx: ImportContext) -> None:
        """Before the check: load small lookups into ``ctx.state``."""

    def check(self, rows: list[Row], ctx: ImportContext) -> None:
        """Check a chunk of parsed rows (references, cross-field rules), reporting through ctx.error."""

    def end_check(self, ctx: ImportContext) -> None:
        """Checks that need the whole file (limits, references to later rows)."""

    def write(self, rows: list[Row], ctx: ImportContext, phase: int) -> None:
        """Upsert a chunk of valid rows, counting each row once as created, updated or unchanged."""
        raise NotImplementedError

    def end_write(self, ctx: ImportContext) -> None:
        """After the last chunk, still inside the transaction."""

    def export_rows(self) -> Iterable[dict]:
        """Every record as {column key: value}, in a stable order."""
        raise NotImplementedError


@dataclass
class ImportReport:
    """The outcome of one import: counts, warnings and every error."""

    kind: str
    title: str
    file_name: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[LedgerError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return _("%(title)s台账有 %(n)s 处错误，未写入任何数据。") % {
                "title": self.title,
                "n": len(self.errors),
            }
        counts = {
            "title": self.title,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        if self.dry_run:
            return (
                _(
                    "%(title)s台账校验通过（试运行，未写入）：共 %(rows)s 行，新增 %(created)s，"
                    "更新 %(updated)s，未变 %(unchanged)s。"
                )
                % counts
            )
        return (
            _(
                "%(title)s台账导入完成：共 %(rows)s 行，新增 %(created)s，更新 %(updated)s，未变 %(unchanged)s。"
            )
            % counts
        )

    def to_dict(self, max_errors: int | None = None) -> dict:
        errors = self.errors if max_errors is None else self.errors[:max_errors]
        return {
            "kind": self.kind,
            "title": self.title,
            "file_name": self.file_name,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "error_count": len(self.errors),
            "errors": [e.as_list() for e in errors],
            "warnings": self.warnings,
            "ignored_columns": self.ignored_columns,
            "seconds": round(self.seconds, 2),
            "summary": self.summary(),
        }


# --- discovery ------------------------------------------------------------------------------
@cache
def _discover() -> dict[str, LedgerKind]:
    found: dict[str, LedgerKind] = {}
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.ledger")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.ledger":
                raise
            continue
        for kind in getattr(module, "KINDS", []):
            if kind.name in found:
                raise RuntimeError(f"ledger kind {kind.name!r} is declared twice")
            found[kind.name] = kind
    return dict(sorted(found.items(), key=lambda item: item[1].order))


def kinds() -> list[LedgerKind]:
    """Every ledger kind, in the order a county is rebuilt (units first, requests last)."""
    return list(_discover().values())


def get_kind(name: str) -> LedgerKind:
    try:
        return _discover()[name]
    except KeyError:
        raise LedgerFileError(
            _("未知的台账类型“%(name)s”，应为：%(names)s。") % {"name": name, "names": join(_discover())}
        ) from None


# --- cells -----------------------------------------------------------------------------------
class CellError(ValueError):
    pass


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MIDNIGHT_RE = re.compile(r"^(.*?)[ T]0{1,2}:00(:00(\.0+)?)?$")
_INT_RE = re.compile(r"^[+-]?\d+$")


def display(value: Any) -> str:
    """A cell as the person who typed it would recognise it (for error reports)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d" if value.time() == dt.time() else "%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def cell_text(value: Any) -> str:
    """A cell as text: numbers typed into Excel code columns lose their ``.0``; our own formula
    neutralising apostrophe is taken off again."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, dt.datetime | dt.date):
        return display(value)
    return unneutralize(str(value)).replace("\r\n", "\n").replace("\r", "\n").strip()


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float):
        raise CellError(_("日期应写成 YYYY-MM-DD 或 YYYY/M/D，或使用 Excel 日期单元格。"))
    text = cell_text(value)
    midnight = _MIDNIGHT_RE.match(text)
    if midnight:
        text = midnight.group(1)
    match = _DATE_RE.match(text)
    if not match:
        raise CellError(_("日期应写成 YYYY-MM-DD 或 YYYY/M/D，或使用 Excel 日期单元格。"))
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise CellError(_("不是有效的日期（月份或日期超出范围）。")) from None


def parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError(_("应为整数。"))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("应为整数，不能有小数。"))
        number = int(value)
    else:
        text = cell_text(value).replace(",", "").replace("，", "")
        if not _INT_RE.match(text):
            raise CellError(_("应为整数。"))
        number = int(text)
    if number < 0:
        raise CellError(_("不能为负数。"))
    if number > 2_147_483_647:
        raise CellError(_("数值过大。"))
    return number


def parse_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("应为数字。"))
    text = repr(value) if isinstance(value, float) else cell_text(value).replace(",", "").replace("，", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("应为数字（最多两位小数）。")) from None
    if not number.is_finite():
        raise CellError(_("应为数字（最多两位小数）。"))
    if number < 0:
        raise CellError(_("不能为负数。"))
    number = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if number >= Decimal(10) ** 12:
        raise CellError(_("数值过大（整数部分最多 12 位）。"))
    return number


def _parse_choice(column: Column, value: Any) -> str:
    text = cell_text(value)
    lowered = text.lower()
    for choice in column.choices:
        if lowered in (choice.value.lower(), choice.label.lower(), *(a.lower() for a in choice.aliases)):
            return choice.value
    allowed = join(f"{c.label}（{c.value}）" for c in column.choices)
    raise CellError(_("应为以下之一：%(allowed)s。") % {"allowed": allowed})


def parse_cell(column: Column, value: Any) -> Any:
    """The parsed value, None for a blank optional cell; raises CellError with the reason."""
    text = cell_text(value) if value is None or isinstance(value, str) else None
    if text == "":
        if column.required:
            raise CellError(_("必填，不能为空。"))
        return None
    kind = column.type
    if kind == "date":
        return parse_date(value)
    if kind == "int":
        return parse_int(value)
    if kind == "decimal":
        return parse_decimal(value)
    if kind == "choice":
        return _parse_choice(column, value)
    if text is None:
        text = cell_text(value)
    if column.clean is not None:
        text = column.clean(text)
    if kind == "phone":
        try:
            validate_phone(text)
        except ValidationError as exc:
            raise CellError(exc.messages[0]) from None
    if column.max_length and len(text) > column.max_length:
        raise CellError(
            _("不能超过 %(max)s 个字，当前 %(length)s 个字。")
            % {"max": column.max_length, "length": len(text)}
        )
    return text


def _norm_header(text: Any) -> str:
    value = cell_text(text)
    for full, half in (("（", "("), ("）", ")"), ("\u3000", ""), (" ", ""), ("\n", "")):
        value = value.replace(full, half)
    return value.rstrip("*").lower()


# --- reading files ---------------------------------------------------------------------------
class LedgerSource:
    """A ledger file read as rows of raw cells, streamed (never the whole sheet in memory)."""

    def __init__(self, path: str | Path, name: str | None = None):
        self.path = Path(path)
        self.name = name or self.path.name
        suffix = Path(self.name).suffix.lower() or self.path.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise LedgerFileError(
                _("只能导入 .csv 或 .xlsx 文件，收到的是“%(name)s”。") % {"name": self.name}
            )
        self.format = suffix[1:]

    def rows(self) -> Iterator[tuple[int, tuple]]:
        """(row number, cells) for every row, header included; row 1 is the first line."""
        if self.format == "csv":
            yield from self._csv_rows()
        else:
            yield from self._xlsx_rows()

    def estimate_rows(self) -> int:
        """Rows in the file, for the progress bar only (an estimate: dimensions / line count)."""
        if self.format == "csv":
            count = 0
            with open(self.path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    count += block.count(b"\n")
            return count + 1
        workbook = self._open_workbook()
        try:
            sheet = workbook.worksheets[0]
            try:
                # Streaming writers (ours included) leave out <dimension>: count <row> tags in
                # the sheet's XML instead, which is fast next to parsing the cells.
                count = 0
                with workbook._archive.open(sheet._worksheet_path) as xml:
                    for block in iter(lambda: xml.read(1 << 20), b""):
                        count += block.count(b"<row ") + block.count(b"<row>")
                return count
            except (AttributeError, KeyError, OSError):
                return sheet.max_row or 0
        finally:
            workbook.close()

    def _csv_rows(self):
        try:
            with open(self.path, encoding="utf-8-sig", newline="") as handle:
                for number, cells in enumerate(csv.reader(handle), start=1):
                    yield number, tuple(cells)
        except UnicodeDecodeError:
            raise LedgerFileError(
                _(
                    "CSV 文件不是 UTF-8 编码。请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”，或直接上传 .xlsx 文件。"
                )
            ) from None
        except csv.Error as exc:
            raise LedgerFileError(_("CSV 文件格式有误：%(error)s") % {"error": exc}) from None

    def _open_workbook(self):
        from openpyxl import load_workbook

        try:
            return load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise LedgerFileError(
                _(
                    "无法读取 Excel 文件“%(name)s”：%(reason)s请确认是 .xlsx 格式（旧的 .xls 请先另存为 .xlsx）。"
                )
                % {"name": self.name, "reason": _workbook_reason(exc)}
            ) from None

    def _xlsx_rows(self):
        workbook = self._open_workbook()
        try:
            sheet = workbook.worksheets[0]
            # Some writers (WPS, older exporters) store a wrong <dimension>: read what is there.
            sheet.reset_dimensions()
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        finally:
            workbook.close()


def _blank(cells: tuple) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


@dataclass
class _Layout:
    header_row: int
    positions: dict[str, int]  # column key → index in the row
    ignored: list[str]


def _read_layout(kind: LedgerKind, source: LedgerSource, ctx: ImportContext) -> _Layout | None:
    """Find the header row and map its cells to the kind's columns; missing columns are errors."""
    by_header = {}
    for column in kind.columns:
        for header in column.headers:
            by_header[header] = column
    for number, cells in source.rows():
        if number > HEADER_SEARCH_ROWS:
            break
        if _blank(cells):
            continue
        normalised = [_norm_header(cell) for cell in cells]
        if not any(h in by_header for h in normalised):
            continue
        positions: dict[str, int] = {}
        ignored: list[str] = []
        for index, header in enumerate(normalised):
            if not header:
                continue
            column = by_header.get(header)
            if column is None:
                ignored.append(cell_text(cells[index]))
            elif column.key in positions:
                ctx.error(number, column.key, _("表头中出现了两次。"), cell_text(cells[index]))
            else:
                positions[column.key] = index
        for column in kind.columns:
            if column.required and column.key not in positions:
                ctx.error(
                    number,
                    column.key,
                    _("缺少必填列“%(label)s”（或英文列名 %(key)s）。")
                    % {"label": column.label, "key": column.key},
                    "",
                )
        return _Layout(number, positions, ignored)
    expected = join(c.label for c in kind.columns if c.required)
    raise LedgerFileError(
        _("没有找到%(title)s台账的表头：前 %(rows)s 行中应有一行列名，如 %(expected)s。")
        % {"title": kind.title, "rows": HEADER_SEARCH_ROWS, "expected": expected}
    )


def _data_rows(kind: LedgerKind, source: LedgerSource, layout: _Layout) -> Iterator[Row]:
    positions = layout.positions
    for number, cells in source.rows():
        if number <= layout.header_row or _blank(cells):
            continue
        raw = {key: (cells[index] if index < len(cells) else None) for key, index in positions.items()}
        yield Row(number, raw)


def _parse(kind: LedgerKind, row: Row, ctx: ImportContext | None) -> Row:
    for column in kind.columns:
        if column.key not in row.raw:
            continue
        try:
            row.values[column.key] = parse_cell(column, row.raw[column.key])
        except CellError as exc:
            if ctx is None:
                raise
            ctx.error(row, column.key, str(exc))
    return row


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- import ----------------------------------------------------------------------------------
def import_ledger(
    kind_name: str,
    path: str | Path,
    *,
    actor=None,
    dry_run: bool = False,
    file_name: str | None = None,
    progress: Progress | None = None,
    chunk_size: int = CHUNK,
) -> ImportReport:
    """Check a whole ledger file, then write it in one transaction — or write nothing at all."""
    started = time.monotonic()
    kind = get_kind(kind_name)
    source = LedgerSource(path, file_name)
    ctx = ImportContext(kind=kind, actor=actor, dry_run=dry_run)
    report = ImportReport(kind=kind.name, title=str(kind.title), file_name=source.name, dry_run=dry_run)
    progress = progress or (lambda done, total, message: None)

    layout = _read_layout(kind, source, ctx)
    report.ignored_columns = layout.ignored
    if layout.ignored:
        ctx.warn(_("已忽略无法识别的列：%(columns)s") % {"columns": join(layout.ignored)})
    if ctx.errors:
        return _finish(report, ctx, started)

    estimate = max(source.estimate_rows() - layout.header_row, 1)
    total = estimate * (1 + kind.write_phases)
    progress(0, total, _("正在校验…"))

    with _Replay(kind, source, layout) as replay:
        return _import(kind, ctx, report, replay, total, progress, chunk_size, started)


class _Replay:
    """The data rows again for each write pass. An .xlsx is spooled to a temporary file during the
    check (raw cells, one chunk at a time), because parsing its XML again costs ten times more
    than reading the CSV; a CSV is simply read again."""

    def __init__(self, kind: LedgerKind, source: LedgerSource, layout: _Layout):
        self.kind, self.source, self.layout = kind, source, layout
        self.spool = tempfile.TemporaryFile() if source.format == "xlsx" else None  # noqa: SIM115 - closed in __exit__

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.spool is not None:
            self.spool.close()

    def first(self, chunk_size: int) -> Iterator[list[Row]]:
        for chunk in _chunks(_data_rows(self.kind, self.source, self.layout), chunk_size):
            if self.spool is not None:
                pickle.dump([(row.number, row.raw) for row in chunk], self.spool, pickle.HIGHEST_PROTOCOL)
            yield chunk

    def again(self, chunk_size: int) -> Iterator[list[Row]]:
        if self.spool is None:
            yield from _chunks(_data_rows(self.kind, self.source, self.layout), chunk_size)
            return
        self.spool.seek(0)
        while True:
            try:
                batch = pickle.load(self.spool)  # our own temporary file, written above
            except EOFError:
                return
            yield [Row(number, raw) for number, raw in batch]


def _import(
    kind: LedgerKind,
    ctx: ImportContext,
    report: ImportReport,
    replay: _Replay,
    total: int,
    progress: Progress,
    chunk_size: int,
    started: float,
) -> ImportReport:
    """The check pass, then (when it found nothing wrong) the write passes in one transaction."""
    kind.begin(ctx)
    seen: dict[tuple, int] = {}
    rows = 0
    for chunk in replay.first(chunk_size):
        for row in chunk:
            _parse(kind, row, ctx)
        kind.check(chunk, ctx)
        for row in chunk:
            key = kind.key(row.values)
            if key is None:
                continue
            first = seen.setdefault(key, row.number)
            if first != row.number:
                label = join(kind.label_of(k) for k in kind.key_columns)
                ctx.error(
                    row,
                    kind.key_columns[0],
                    _("与第 %(row)s 行重复（%(columns)s相同）。") % {"row": first, "columns": label},
                    " / ".join(display(row.raw.get(k)) for k in kind.key_columns),
                )
        rows += len(chunk)
        total = max(total, rows * (1 + kind.write_phases))  # the estimate may fall short
        progress(rows, total, _("正在校验：第 %(row)s 行") % {"row": rows})
    report.rows = rows
    total = rows * (1 + kind.write_phases)
    kind.end_check(ctx)
    if ctx.errors:
        return _finish(report, ctx, started)

    done = rows
    progress(done, total, _("校验通过，正在写入…"))
    try:
        with transaction.atomic():
            for phase in range(kind.write_phases):
                for chunk in replay.again(chunk_size):
                    for row in chunk:
                        _parse(kind, row, None)
                    kind.write(chunk, ctx, phase)
                    done += len(chunk)
                    progress(
                        done,
                        total,
                        _("正在写入：%(done)s / %(total)s")
                        % {"done": done - rows, "total": rows * kind.write_phases},
                    )
            kind.end_write(ctx)
            if ctx.errors or ctx.dry_run:
                # A dry run reports exact counts from real writes, then commits nothing.
                transaction.set_rollback(True)
            else:
                # Bulk writes bypass the model signals the cached scopes listen to.
                transaction.on_commit(forget_everyone)
    except (DatabaseError, ValidationError) as exc:
        ctx.error(0, "", _("写入数据库时出错，已全部撤销，未写入任何数据：%(error)s") % {"error": exc}, "")
    if ctx.errors:
        ctx.created = ctx.updated = ctx.unchanged = 0
    return _finish(report, ctx, started)


def _finish(report: ImportReport, ctx: ImportContext, started: float) -> ImportReport:
    report.errors = sorted(ctx.errors, key=lambda e: (e.row, e.column))
    report.warnings = [message.replace("{n}", str(count)) for message, count in ctx.warnings.items()]
    report.created, report.updated, report.unchanged = ctx.created, ctx.updated, ctx.unchanged
    report.seconds = time.monotonic() - started
    return report


def parse_only(kind_name: str, path: str | Path) -> int:
    """Read and parse every cell without touching the database (the benchmark's baseline)."""
    kind = get_kind(kind_name)
    source = LedgerSource(path)
    ctx = ImportContext(kind=kind)
    layout = _read_layout(kind, source, ctx)
    count = 0
    for row in _data_rows(kind, source, layout):
        for column in kind.columns:
            if column.key in row.raw:
                with contextlib.suppress(CellError):
                    parse_cell(column, row.raw[column.key])
        count += 1
    return count


# --- progress of a background job ---------------------------------------------------------------
class JobProgress:
    """A throttled progress callback writing to a BackgroundJob while an import runs.

    The write step runs inside one long transaction, and progress written through that
    transaction would stay invisible to the polling page until the end. On PostgreSQL the
    updates go through a second connection of their own; SQLite allows one writer at a time, so
    there the bar advances during the check and jumps when the write commits.
    """

    def __init__(self, job, *, every: float = 0.5):
        self.job = job
        self.every = every
        self._last = 0.0
        self._side = None

    def __call__(self, done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if now - self._last < self.every and done < total:
            return
        self._last = now
        if not connection.in_atomic_block:
            self.job.report_progress(done, total, message)
        elif connection.vendor == "postgresql":
            self._side_update(done, total, message)

    def _side_update(self, done, total, message):
        if self._side is None:
            default = connections[DEFAULT_DB_ALIAS]
            self._side = type(default)(default.settings_dict, "ledger_progress")
        table = self.job._meta.db_table
        with self._side.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{table}" SET done = %s, total = %s, message = %s WHERE id = %s',
                [done, total, message[:300], self.job.pk],
            )
        self.job.done, self.job.total, self.job.message = done, total, message[:300]

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


# --- templates, export, error reports ------------------------------------------------------------
def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        # A spreadsheet opening the CSV would run formulas too.
        return neutralize(value)
    return str(value)


def _write_table(target, fmt: str, title: str, headers: list[str], rows: Iterable[list]) -> None:
    if fmt == "xlsx":
        write_workbook(target, [Sheet(title, headers, rows)])
        return
    if fmt != "csv":
        raise LedgerFileError(_("不支持的格式“%(format)s”，应为 xlsx 或 csv。") % {"format": fmt})
    if isinstance(target, str | Path):
        with open(target, "w", encoding="utf-8-sig", newline="") as handle:
            _write_csv(handle, headers, rows)
        return
    handle = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=True)
    try:
        _write_csv(handle, headers, rows)
    finally:
        handle.detach()  # leave the caller's binary file open


def _write_csv(handle, headers: list[str], rows: Iterable[list]) -> None:
    writer = csv.writer(handle)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])


def export_ledger(kind_name: str, target, fmt: str = "xlsx") -> int:
    """Write every record of a kind in its import format (Chinese headers); returns the row count."""
    kind = get_kind(kind_name)
    counter = {"rows": 0}

    def rows():
        for record in kind.export_rows():
            counter["rows"] += 1
            yield [column.export_value(record.get(column.key)) for column in kind.columns]

    _write_table(
        target, fmt, _("%(title)s台账") % {"title": kind.title}, [c.label for c in kind.columns], rows()
    )
    return counter["rows"]


def write_template(kind_name: str, target, fmt: str = "xlsx") -> None:
    """A blank ledger with the Chinese headers; the .xlsx has a second sheet explaining each column."""
    kind = get_kind(kind_name)
    headers = [c.label for c in kind.columns]
    if fmt == "csv":
        _write_table(target, "csv", str(kind.title), headers, [])
        return
    notes = [[c.label, c.key, _("必填") if c.required else _("选填"), c.describe()] for c in kind.columns]
    notes.append(["", "", "", ""])
    notes.extend([_("说明"), "", "", line] for line in _general_notes(kind))
    write_workbook(
        target,
        [
            Sheet(_("%(title)s台账") % {"title": kind.title}, headers, []),
            Sheet(
                _("填写说明"),
                [_("列名"), _("英文列名"), _("是否必填"), _("格式与取值")],
                notes,
                widths=[18, 16, 10, 90],
            ),
        ],
    )


def _general_notes(kind: LedgerKind) -> list[str]:
    keys = " + ".join(kind.label_of(k) for k in kind.key_columns)
    return [
        *(str(note) for note in kind.notes),
        _("只导入第一个工作表；表头可以用中文列名或英文列名，列的顺序不限，无法识别的列会被忽略。"),
        _("按“%(keys)s”识别同一条记录：已有的更新，没有的新增；同一文件重复导入不会产生重复数据。")
        % {"keys": keys},
        _("整个文件全部校验通过才会写入；只要有一行出错，就一行也不写入，并列出每一处错误。"),
    ]


def write_errors(target, errors: Iterable[LedgerError]) -> None:
    """The error table as .xlsx: row, column, value, reason."""
    write_workbook(
        target,
        [
            Sheet(
                _("错误"),
                [_("行号"), _("列"), _("值"), _("原因")],
                (e.as_list() for e in errors),
                widths=[8, 18, 30, 80],
            )
        ],
    )


def _workbook_reason(exc: Exception) -> str:
    """What a failure to open a workbook means to the person who uploaded it (not the class name)."""
    if isinstance(exc, zipfile.BadZipFile):
        return _("文件不是有效的 .xlsx 文件（可能已损坏，或是改了扩展名的其他文件）。")
    if isinstance(exc, KeyError):
        return _("文件缺少 Excel 工作簿的必要部分（可能是其他软件导出的不完整文件）。")
    return _("文件内容无法按 Excel 工作簿解析。")
