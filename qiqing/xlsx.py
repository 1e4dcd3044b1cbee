"""Excel (.xlsx) output shared by every export, written row by row straight into the archive.

Text from users (request descriptions, replies, visit summaries, names) can start with a
character a spreadsheet treats as a formula (=, +, -, @). Such cells are neutralised with a
leading apostrophe (OWASP's advice), and ``unneutralize`` takes it off again on import so an
export → import round trip changes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from django.http import FileResponse
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_BAD_TITLE = set("[]:*?/\\")
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


# The parts of a workbook besides its sheets. Styles: 0 plain, 1 header (bold, light blue, centred),
# 2 a date, 3 a date and time (the formats Excel shows as 2026-11-22 and 2026-11-22 09:30).
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{sheets}"
    '<Relationship Id="rIdStyles" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
_SHEET_REL = (
    '<Relationship Id="rId{n}" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet{n}.xml"/>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" '
    'applyAlignment="1"><alignment horizontal="center"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<cols>{cols}</cols><sheetData>"
)
_SHEET_TAIL = "</sheetData></worksheet>"
# XML 1.0 cannot carry most control characters at all: they are dropped; markup is escaped.
_ESCAPE = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"} | dict.fromkeys(
    (*range(0, 9), 11, 12, *range(14, 32), 65534, 65535)
)
_MARKUP = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = dt.datetime(1899, 12, 30)
_SERIAL_EPOCH = _EPOCH.toordinal()


def _text(ref: str, value: str) -> str:
    if not value:
        return ""
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    if _MARKUP.search(value):
        value = value.translate(_ESCAPE)
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'


def _number(ref: str, value) -> str:
    value = float(value)
    return f'<c r="{ref}"><v>{value!r}</v></c>' if math.isfinite(value) else ""


def _datetime(ref: str, value: dt.datetime, zone=None) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(zone or timezone.get_current_timezone()).replace(tzinfo=None)
    return f'<c r="{ref}" s="3"><v>{(value - _EPOCH).total_seconds() / 86400!r}</v></c>'


# One writer per Python type: text is always an inline string (never a formula or a link,
# whatever it starts with), dates are serial numbers with a date style, empty cells are left out.
_WRITERS = {
    str: _text,
    int: lambda ref, value: f'<c r="{ref}"><v>{value}</v></c>',
    bool: lambda ref, value: f'<c r="{ref}" t="b"><v>{int(value)}</v></c>',
    float: _number,
    Decimal: _number,
    dt.datetime: _datetime,
    dt.date: lambda ref, value: f'<c r="{ref}" s="2"><v>{value.toordinal() - _SERIAL_EPOCH}</v></c>',
    type(None): lambda ref, value: "",
}


def _cell(ref: str, value) -> str:
    writer = _WRITERS.get(type(value))
    if writer is None:
        return _other(ref, value)
    return writer(ref, value)


def _other(ref: str, value) -> str:
    """Subclasses (a lazy translation, an enum) and anything else: by their base type, or as text."""
    for kind in (bool, int, float, Decimal, dt.datetime, dt.date):
        if isinstance(value, kind):
            return _WRITERS[kind](ref, value)
    return _text(ref, str(value))


def _sheet_parts(sheet: Sheet) -> Iterator[str]:
    widths = sheet.widths or [max(10, min(40, len(str(h)) * 2 + 4)) for h in sheet.headers]
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
    yield _SHEET_HEAD.format(cols=cols or '<col min="1" max="1" width="10" customWidth="1"/>')
    letters = [_column_letter(i) for i in range(1, max(len(sheet.headers), 1) + 1)]
    head = "".join(
        f'<c r="{letter}1" s="1" t="inlineStr"><is><t>{str(h).translate(_ESCAPE)}</t></is></c>'
        for letter, h in zip(letters, sheet.headers, strict=False)
    )
    yield f'<row r="1">{head}</row>'
    # The hot loop (every cell of every row): one dict look-up and one call per cell, and the
    # reader's time zone looked up once per sheet rather than once per timestamp.
    zone = timezone.get_current_timezone()
    writers = {**_WRITERS, dt.datetime: lambda ref, value: _datetime(ref, value, zone)}
    writer = writers.get
    for number, row in enumerate(sheet.rows, start=2):
        if len(row) > len(letters):
            letters += [_column_letter(i) for i in range(len(letters) + 1, len(row) + 1)]
        suffix = str(number)
        cells = "".join(
            [
                writer(type(value), _other)(letter + suffix, value)
                for letter, value in zip(letters, row, strict=False)
            ]
        )
        yield f'<row r="{suffix}">{cells}</row>'
    yield _SHEET_TAIL


def write_workbook(target, sheets: Sequence[Sheet]) -> None:
    """Write sheets to a path or binary file object row by row: each row's XML goes straight into
    the compressed archive, so memory stays flat however many rows the iterators yield."""
    titles = []
    for sheet in sheets:
        title = sheet.title[:31]
        if any(ch in title for ch in _BAD_TITLE) or not title:
            raise ValueError(f"bad sheet title {sheet.title!r}")
        titles.append(title.translate(_ESCAPE).replace('"', "&quot;"))
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        numbers = range(1, len(sheets) + 1)
        archive.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(sheets="".join(_SHEET_TYPE.format(n=n) for n in numbers)),
        )
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr(
            "xl/workbook.xml",
            _WORKBOOK.format(
                sheets="".join(
                    f'<sheet name="{title}" sheetId="{n}" r:id="rId{n}"/>'
                    for n, title in zip(numbers, titles, strict=True)
                )
            ),
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            _WORKBOOK_RELS.format(sheets="".join(_SHEET_REL.format(n=n) for n in numbers)),
        )
        archive.writestr("xl/styles.xml", _STYLES)
        for n, sheet in zip(numbers, sheets, strict=True):
            with archive.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as part:
                buffer = []
                size = 0
                for piece in _sheet_parts(sheet):
                    buffer.append(piece)
                    size += len(piece)
                    if size > 1 << 16:
                        part.write("".join(buffer).encode())
                        buffer, size = [], 0
                part.write("".join(buffer).encode())


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> FileResponse:
    """An attachment download, written to a temporary file and streamed from it in chunks (the
    file is gone when the response is closed); the Chinese file name is sent RFC 5987-encoded."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when the response is sent
    try:
        write_workbook(spool, sheets)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    response = FileResponse(spool, content_type=XLSX_TYPE)
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
