"""The workbook writer every export uses: values come back as written (text stays text, dates
are dates in Beijing time, gaps keep their column), the header is styled, and rows are streamed
into the archive rather than held in memory."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from qiqing.xlsx import Sheet, write_workbook, xlsx_response


def _read(data: bytes):
    return load_workbook(io.BytesIO(data))


def _write(sheets) -> bytes:
    buffer = io.BytesIO()
    write_workbook(buffer, sheets)
    return buffer.getvalue()


def test_values_round_trip_with_their_types_and_positions():
    aware = dt.datetime(2026, 11, 22, 1, 30, tzinfo=dt.UTC)
    row = [dt.date(2026, 11, 2), aware, Decimal("98.95"), 7, True, None, "=SUM(A1)", "A & <b>\x07", 2.5]
    book = _read(_write([Sheet("走访记录", [f"列{i}" for i in range(len(row))], [row])]))
    values = next(book.active.iter_rows(min_row=2, values_only=True))
    assert values == (
        dt.datetime(2026, 11, 2),
        aware.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None),
        98.95,
        7,
        True,
        None,
        "'=SUM(A1)",
        "A & <b>",
        2.5,
    )
    assert (
        book.active["A2"].number_format == "yyyy-mm-dd"
        and book.active["B2"].number_format == "yyyy-mm-dd hh:mm"
    )


def test_header_is_bold_and_filled_and_widths_are_kept():
    book = _read(_write([Sheet("甲", ["企业名称", "走访次数"], [["某公司", 3]], widths=[30, 12])]))
    sheet = book.active
    assert (
        sheet["A1"].value == "企业名称" and sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb == "FFDDEBF7"
    )
    assert (sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width) == (30, 12)


def test_several_sheets_keep_their_titles_and_order():
    book = _read(_write([Sheet("镇街", ["a"], [[1]]), Sheet("部门 & 单位", ["b"], [[2], [3]])]))
    assert book.sheetnames == ["镇街", "部门 & 单位"]
    assert [r[0] for r in book.worksheets[1].iter_rows(values_only=True)] == ["b", 2, 3]


def test_rows_are_streamed_not_held():
    def rows():
        for i in range(30_000):
            yield [dt.date(2026, 1, 1), f"企业{i}有限公司", "走访了解生产经营和用工情况" * 3, i]

    tracemalloc.start()
    try:
        data = _write([Sheet("大表", ["日期", "企业", "情况", "序号"], rows())])
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The sheet's XML alone is ~6 MB; holding it (or the rows) would show here.
    assert peak < 2_000_000, peak
    assert _read(data).active.max_row == 30_001


def test_download_is_streamed_from_a_temporary_file_with_the_chinese_name():
    response = xlsx_response("走访记录_20261122.xlsx", [Sheet("走访记录", ["a"], [[1]])])
    assert response.streaming
    assert "filename*=UTF-8''%E8%B5%B0%E8%AE%BF" in response["Content-Disposition"]
    assert _read(b"".join(response.streaming_content)).active["A2"].value == 1
