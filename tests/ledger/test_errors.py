"""Every kind of bad row is reported as (row, column, value, reason), and nothing is written."""

import pytest
from django.conf import settings

from cadres.models import Assignment, Cadre, Unit
from enterprises.models import Enterprise
from enterprises.validators import build_uscc
from qiqing.ledger import import_ledger
from requests_tracker.models import Request
from tests.factories import AssignmentFactory, CadreFactory, EnterpriseFactory
from tests.ledger.conftest import COUNTY, E1, ORDER, replace
from visits.models import Visit

pytestmark = pytest.mark.django_db


def _errors(report):
    return [(e.row, e.column, e.value) for e in report.errors]


@pytest.fixture
def base(db, county_files):
    """Units, cadres and enterprises imported; pairs, visits and requests not yet."""
    for kind in ORDER[:3]:
        assert import_ledger(kind, county_files[kind]).ok
    return county_files


def test_wrong_check_character_names_the_expected_one(base, ledger_file):
    bad = E1[:-1] + ("0" if E1[-1] != "0" else "1")
    header, rows = replace("enterprises", 0, "统一社会信用代码", bad)
    report = import_ledger("enterprises", ledger_file(header, rows))
    (error,) = report.errors
    assert (error.row, error.column, error.value) == (2, "统一社会信用代码", bad)
    assert f"第 18 位应为“{E1[-1]}”" in error.reason


def test_one_bad_row_means_nothing_is_written(db, ledger_file):
    header, rows = COUNTY["units"]
    rows = [*rows, ["X1", "坏单位", "部门", "省级", "", ""]]
    report = import_ledger("units", ledger_file(header, rows))
    assert _errors(report) == [(7, "层级", "省级")]
    assert "县级（county）" in report.errors[0].reason
    assert Unit.objects.count() == 0 and report.created == 0


def test_every_error_in_the_file_is_listed_not_just_the_first(base, ledger_file):
    header, rows = COUNTY["cadres"]
    rows = [["C010", "", "T01", "123"], ["C011", "赵六", "NOPE", ""]]
    report = import_ledger("cadres", ledger_file(header, rows))
    assert _errors(report) == [(2, "姓名", ""), (2, "手机号码", "123"), (3, "单位编码", "NOPE")]
    assert "必填" in report.errors[0].reason and "找不到这个单位编码" in report.errors[2].reason


def test_duplicate_key_inside_the_file_points_at_the_first_row(base, ledger_file):
    header, rows = COUNTY["enterprises"]
    report = import_ledger("enterprises", ledger_file(header, [*rows, rows[0]]))
    (error,) = report.errors
    assert (error.row, error.value) == (5, E1) and "与第 2 行重复" in error.reason


def test_unknown_town_code(base, ledger_file):
    header, rows = replace("enterprises", 2, "属地编码", "T99")
    assert _errors(import_ledger("enterprises", ledger_file(header, rows))) == [(4, "属地编码", "T99")]


def test_town_level_department_needs_a_town_from_the_db_or_the_file(db, ledger_file):
    header = ["单位编码", "单位名称", "类型", "层级", "所属镇街编码"]
    rows = [
        ["TD1", "镇经发办", "部门", "镇级", "T01"],  # T01 defined further down: fine
        ["TD2", "镇社会事务办", "部门", "镇级", "T77"],
        ["TD3", "镇综治办", "部门", "镇级", ""],
        ["T01", "西塘镇人民政府", "镇街", "镇级", ""],
        ["D05", "县教育局", "部门", "县级", "T01"],
    ]
    report = import_ledger("units", ledger_file(header, rows))
    assert _errors(report) == [
        (3, "所属镇街编码", "T77"),
        (4, "所属镇街编码", ""),
        (6, "所属镇街编码", "T01"),
    ]


def test_unknown_cadre_and_enterprise_in_pairs(base, ledger_file):
    header, rows = COUNTY["assignments"]
    unknown = build_uscc("330421", "Y0000009")
    rows = [["C999", E1, "2025-01-01", ""], ["C001", unknown, "2025-01-01", ""]]
    report = import_ledger("assignments", ledger_file(header, rows))
    assert _errors(report) == [(2, "干部编号", "C999"), (3, "统一社会信用代码", unknown)]


def test_pair_end_before_start(base, ledger_file):
    header, rows = replace("assignments", 2, "结束日期", "2023-12-31")
    report = import_ledger("assignments", ledger_file(header, rows))
    assert _errors(report) == [(4, "结束日期", "2023-12-31")]
    assert "不能早于开始日期 2024-01-01" in report.errors[0].reason


def test_bad_date_format(base, ledger_file):
    header, rows = replace("assignments", 0, "开始日期", "2025.13.01")
    report = import_ledger("assignments", ledger_file(header, rows))
    assert _errors(report) == [(2, "开始日期", "2025.13.01")]


def test_cadre_above_ten_counts_pairs_already_in_the_system(base, ledger_file):
    cadre = Cadre.objects.get(code="C001")
    for _ in range(9):
        AssignmentFactory(cadre=cadre)
    header, rows = COUNTY["assignments"]
    report = import_ledger("assignments", ledger_file(header, rows))
    (error,) = report.errors
    assert (error.row, error.column, error.value) == (3, "干部编号", "C001")
    assert "导入后将联系 11 家企业（系统中保留 9 家，本文件中未结束的 2 家），超过上限 10 家" in error.reason
    assert Assignment.objects.filter(cadre=cadre).count() == 9


def test_cadre_at_exactly_ten_is_accepted(base, ledger_file):
    cadre = Cadre.objects.get(code="C001")
    for _ in range(settings.QIQING_MAX_ASSIGNMENTS - 2):
        AssignmentFactory(cadre=cadre)
    report = import_ledger("assignments", ledger_file(*COUNTY["assignments"]))
    assert report.ok and cadre.assignments.active().count() == 10


def test_second_open_pair_for_the_same_cadre_and_enterprise(base, ledger_file):
    header, rows = COUNTY["assignments"]
    rows = [*rows, ["C001", E1, "2025-05-01", ""]]
    report = import_ledger("assignments", ledger_file(header, rows))
    assert _errors(report) == [(6, "结束日期", "")]
    assert "第 2 行" in report.errors[0].reason


def test_open_pair_clashing_with_one_in_the_system(base, ledger_file):
    AssignmentFactory(cadre=Cadre.objects.get(code="C001"), enterprise=Enterprise.objects.get(uscc=E1))
    report = import_ledger("assignments", ledger_file(*COUNTY["assignments"]))
    assert _errors(report) == [(2, "开始日期", "2025-01-01")]
    assert "尚未结束" in report.errors[0].reason


def test_inactive_cadre_cannot_get_an_open_pair(base, ledger_file):
    Cadre.objects.filter(code="C003").update(active=False)
    report = import_ledger("assignments", ledger_file(*COUNTY["assignments"]))
    assert _errors(report) == [(5, "结束日期", "")] and "不在岗" in report.errors[0].reason


def test_visit_in_the_future_and_unknown_mode(base, ledger_file):
    for kind in ("assignments",):
        assert import_ledger(kind, ledger_file(*COUNTY[kind])).ok
    header, rows = replace("visits", 0, "走访日期", "2999-01-01")
    rows[1][header.index("走访方式")] = "微信"
    report = import_ledger("visits", ledger_file(header, rows))
    assert _errors(report) == [(2, "走访日期", "2999-01-01"), (3, "走访方式", "微信")]
    assert Visit.objects.count() == 0


def test_visit_without_any_pair_is_imported_with_a_warning(db, ledger_file):
    enterprise, cadre = EnterpriseFactory(), CadreFactory()
    header = ["uscc", "cadre_code", "date", "mode", "summary"]
    report = import_ledger(
        "visits", ledger_file(header, [[enterprise.uscc, cadre.code, "2025-01-02", "phone", "电话"]])
    )
    assert report.ok and report.created == 1
    assert report.warnings == ["1 条走访的干部与企业之间没有联系关系记录（按历史记录导入）"]


@pytest.mark.parametrize(
    "column,value,expected",
    [
        ("答复日期", "2025-02-01", "答复日期不能早于提出日期 2025-02-10"),
        ("办结日期", "2025-02-15", "办结日期不能早于答复日期 2025-02-20"),
        ("问题类别", "火星移民", "没有这个问题类别"),
        ("牵头单位编码", "D99", "找不到这个单位编码"),
        ("满意度", "很好", "满意（satisfied）"),
        ("办理时限", "2025-01-01", "办理时限不能早于提出日期"),
    ],
)
def test_request_rows_are_checked(base, ledger_file, column, value, expected):
    header, rows = replace("requests", 0, column, value)
    report = import_ledger("requests", ledger_file(header, rows))
    assert [(e.row, e.column) for e in report.errors] == [(2, column)]
    assert expected in report.errors[0].reason
    assert Request.objects.count() == 0


def test_outcome_without_a_response_date(base, ledger_file):
    header, rows = replace("requests", 2, "办理结果", "已解决")
    report = import_ledger("requests", ledger_file(header, rows))
    assert _errors(report) == [(4, "办理结果", "已解决")]


def test_request_ref_is_the_unique_key(base, ledger_file):
    header, rows = COUNTY["requests"]
    rows = [rows[0], [*rows[1][:1]] + rows[0][1:]]
    rows[1][0] = rows[0][0]
    report = import_ledger("requests", ledger_file(header, rows))
    assert [(e.row, e.column) for e in report.errors] == [(3, "编号")]


def test_dry_run_reports_counts_and_writes_nothing(base, ledger_file):
    report = import_ledger("assignments", ledger_file(*COUNTY["assignments"]), dry_run=True)
    assert report.ok and report.created == 4 and report.dry_run
    assert Assignment.objects.count() == 0


def test_pairs_added_while_the_file_is_written_cannot_pass_ten(base, ledger_file):
    cadre = Cadre.objects.get(code="C001")

    def someone_else_adds_pairs(done, total, message):
        if message.startswith("校验通过"):  # between the check and the write
            for _ in range(9):
                AssignmentFactory(cadre=cadre)

    report = import_ledger(
        "assignments", ledger_file(*COUNTY["assignments"]), progress=someone_else_adds_pairs
    )
    assert [(e.row, e.column, e.value) for e in report.errors] == [(0, "干部编号", "C001")]
    assert "写入时已有 11 家联系企业" in report.errors[0].reason
    assert Assignment.objects.filter(enterprise__uscc=E1).count() == 0 and report.created == 0
