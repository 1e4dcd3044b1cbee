"""Reading ledger files: formats, headers, cells; templates and error reports."""

import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from enterprises.models import Enterprise
from qiqing.ledger import (
    CellError,
    LedgerError,
    LedgerFileError,
    get_kind,
    import_ledger,
    kinds,
    parse_date,
    parse_decimal,
    parse_int,
    parse_only,
    write_errors,
    write_template,
)
from tests.ledger.conftest import COUNTY, E1, E2, ORDER

pytestmark = pytest.mark.django_db


@pytest.fixture
def towns(db, ledger_file):
    assert import_ledger("units", ledger_file(*COUNTY["units"])).ok


def test_kinds_are_discovered_from_every_app_in_rebuild_order():
    assert [kind.name for kind in kinds()] == [*ORDER[:4], "chains", "teams", *ORDER[4:]]


def test_unknown_kind_is_refused():
    with pytest.raises(LedgerFileError, match="未知的台账类型"):
        get_kind("tractors")


@pytest.mark.parametrize("bom", [True, False])
def test_csv_with_or_without_bom(towns, ledger_file, bom):
    path = ledger_file(["统一社会信用代码", "企业名称", "属地编码"], [[E1, "甲公司", "T01"]], bom=bom)
    assert import_ledger("enterprises", path).created == 1


def test_english_keys_in_any_order_with_spaces_and_full_width_brackets(towns, ledger_file):
    header = ["town_code", " NAME ", "年产值（万元）", "uscc"]
    report = import_ledger("enterprises", ledger_file(header, [["T01", "甲公司", "1,200.456", E1]]))
    assert report.ok
    assert Enterprise.objects.get().annual_output == Decimal("1200.46")


def test_xlsx_first_sheet_with_title_rows_date_cells_and_numeric_codes(db, county_files, ledger_file):
    for kind in ORDER[:3]:
        import_ledger(kind, county_files[kind])
    header = ["干部编号", "统一社会信用代码", "开始日期", "结束日期"]
    path = ledger_file(
        header,
        [["C001", E1, dt.datetime(2025, 1, 1), None], ["C001", E2, dt.date(2025, 2, 1), "2025/3/1"]],
        fmt="xlsx",
        title_rows=[["西塘镇联企干部台账（2025 年）"], []],
    )
    report = import_ledger("assignments", path)
    assert report.ok and report.created == 2


def test_excel_turns_typed_codes_into_numbers_and_they_still_match(db, ledger_file):
    header = ["单位编码", "单位名称", "类型", "层级"]
    path = ledger_file(header, [[101, "县一局", "部门", "县级"]], fmt="xlsx")
    assert import_ledger("units", path).ok
    assert (
        get_kind("units")
        and import_ledger("units", ledger_file(header, [["101", "县一局", "部门", "县级"]])).unchanged == 1
    )


def test_unknown_columns_are_ignored_with_a_warning(towns, ledger_file):
    header = ["序号", "统一社会信用代码", "企业名称", "属地编码", "备注"]
    report = import_ledger("enterprises", ledger_file(header, [[1, E1, "甲公司", "T01", "无"]]))
    assert report.ok and report.ignored_columns == ["序号", "备注"]
    assert report.warnings == ["已忽略无法识别的列：序号、备注"]


def test_missing_required_column_is_an_error_on_the_header_row(towns, ledger_file):
    report = import_ledger("enterprises", ledger_file(["统一社会信用代码", "属地编码"], [[E1, "T01"]]))
    assert [(e.row, e.column) for e in report.errors] == [(1, "企业名称")]
    assert "缺少必填列" in report.errors[0].reason


def test_file_without_a_header_is_refused(db, ledger_file):
    with pytest.raises(LedgerFileError, match="没有找到企业台账的表头"):
        import_ledger("enterprises", ledger_file(["a", "b"], [["1", "2"]]))


def test_gbk_csv_gets_advice_to_save_as_utf8(towns, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("统一社会信用代码,企业名称,属地编码\n".encode("gbk"))
    with pytest.raises(LedgerFileError, match="不是 UTF-8 编码"):
        import_ledger("enterprises", path)


def test_other_formats_are_refused(db, tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(LedgerFileError, match="只能导入 .csv 或 .xlsx"):
        import_ledger("enterprises", path)


def test_broken_xlsx_is_explained(db, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(LedgerFileError, match="无法读取 Excel 文件") as caught:
        import_ledger("enterprises", path)
    # Said in Chinese, not as the Python class name "(BadZipFile)".
    assert "不是有效的 .xlsx 文件" in str(caught.value) and "BadZipFile" not in str(caught.value)


def test_blank_rows_are_skipped_and_row_numbers_stay_true(towns, ledger_file):
    header = ["统一社会信用代码", "企业名称", "属地编码"]
    report = import_ledger(
        "enterprises", ledger_file(header, [[E1, "甲", "T01"], ["", "", ""], [E2, "", "T01"]])
    )
    assert [(e.row, e.column) for e in report.errors] == [(4, "企业名称")]


def test_neutralised_cells_from_our_exports_are_restored(towns, ledger_file):
    header = ["统一社会信用代码", "企业名称", "属地编码", "地址"]
    import_ledger("enterprises", ledger_file(header, [[E1, "'+甲公司", "T01", "'-1 号"]]))
    enterprise = Enterprise.objects.get()
    assert (enterprise.name, enterprise.address) == ("+甲公司", "-1 号")


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2025-03-01", dt.date(2025, 3, 1)),
        ("2025/3/1", dt.date(2025, 3, 1)),
        ("2025年3月1日", dt.date(2025, 3, 1)),
        ("2025-03-01 00:00:00", dt.date(2025, 3, 1)),
        (dt.datetime(2025, 3, 1, 0, 0), dt.date(2025, 3, 1)),
    ],
)
def test_date_spellings(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["2025-02-30", "03/01/2025", "45000", 45000])
def test_bad_dates(value):
    with pytest.raises(CellError):
        parse_date(value)


def test_numbers():
    assert parse_int(12.0) == 12 and parse_int("1,200") == 1200
    assert parse_decimal(0.1 + 0.2) == Decimal("0.30")
    for bad in ("-1", "1.5", "十"):
        with pytest.raises(CellError):
            parse_int(bad)
    with pytest.raises(CellError):
        parse_decimal("1e20")


@pytest.mark.parametrize("kind", ORDER)
def test_xlsx_template_has_chinese_headers_and_a_notes_sheet(kind, tmp_path):
    path = tmp_path / "t.xlsx"
    write_template(kind, path)
    workbook = load_workbook(path, read_only=True)
    first, notes = workbook.worksheets
    assert [c.value for c in next(first.iter_rows())] == [c.label for c in get_kind(kind).columns]
    assert len(list(first.iter_rows())) == 1 and notes.title == "填写说明"
    workbook.close()


def test_units_template_explains_how_a_town_level_department_names_its_town(tmp_path):
    path = tmp_path / "units.xlsx"
    write_template("units", path)
    workbook = load_workbook(path, read_only=True)
    text = " ".join(str(v) for row in workbook.worksheets[1].iter_rows(values_only=True) for v in row if v)
    workbook.close()
    assert "须在“所属镇街编码”中填写所属镇街单位的编码" in text


def test_csv_template_is_a_header_row_with_bom(tmp_path):
    path = tmp_path / "t.csv"
    write_template("cadres", path, "csv")
    assert path.read_bytes() == "\ufeff干部编号,姓名,单位编码,手机号码\r\n".encode()


def test_error_report_xlsx(tmp_path):
    path = tmp_path / "e.xlsx"
    write_errors(path, [LedgerError(3, "属地编码", "=T9", "找不到")])
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows == [("行号", "列", "值", "原因"), (3, "属地编码", "'=T9", "找不到")]


def test_parse_only_reads_every_row_without_the_database(ledger_file):
    assert parse_only("enterprises", ledger_file(*COUNTY["enterprises"])) == 3
