"""Excel (.xlsx) output shared by every export, written in streaming mode.

Text from users (request descriptions, replies, visit summaries, names) can start with a
character a spreadsheet treats as a formula (=, +, -, @). Such cells are neutralised with a
leading apostrophe (OWASP's advice), and ``unneutralize`` takes it off again on import so an
export → import round trip changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralize(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def unneutralize(value: str) -> str:
    return value[1:] if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS) else value


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    widths: Sequence[int] | None = None


def _cell(ws, value):
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    elif isinstance(value, Decimal):
        value = float(value)
    elif isinstance(value, str):
        value = neutralize(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text
    elif isinstance(value, dt.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def write_workbook(target, sheets: Sequence[Sheet]) -> None:
    """Write sheets to a path or binary file object without holding all rows in memory."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for sheet in sheets:
        ws = workbook.create_sheet(title=sheet.title[:31])
        widths = sheet.widths or [max(10, min(40, len(str(h)) * 2 + 4)) for h in sheet.headers]
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[_column_letter(index)].width = width
        header_cells = []
        for header in sheet.headers:
            cell = WriteOnlyCell(ws, value=str(header))
            cell.font, cell.fill, cell.alignment = bold, fill, Alignment(horizontal="center")
            header_cells.append(cell)
        ws.append(header_cells)
        for row in sheet.rows:
            ws.append([_cell(ws, value) for value in row])
    workbook.save(target)


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    """An attachment download; the Chinese file name is sent RFC 5987-encoded."""
    buffer = io.BytesIO()
    write_workbook(buffer, sheets)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    ascii_name = "export.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
