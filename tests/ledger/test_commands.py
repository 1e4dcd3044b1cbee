"""``manage.py import_ledger`` and ``export_ledger``."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cadres.models import AssignmentChange, Unit
from enterprises.models import Enterprise
from tests.ledger.conftest import COUNTY, ORDER, replace

pytestmark = pytest.mark.django_db


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue()


def test_import_reports_counts(county_files):
    output = _run("import_ledger", "units", str(county_files["units"]), "--no-progress")
    assert "单位台账导入完成：共 5 行，新增 5，更新 0，未变 0。" in output


def test_import_with_errors_lists_them_and_exits_with_1(db, ledger_file):
    header, rows = replace("units", 0, "类型", "工厂")
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_ledger", "units", str(ledger_file(header, rows)), "--no-progress", stdout=out)
    assert info.value.returncode == 1
    assert "单位台账有 1 处错误，未写入任何数据。" in str(info.value)
    assert "2\t类型\t工厂\t应为以下之一" in out.getvalue()
    assert Unit.objects.count() == 0


def test_dry_run_writes_nothing(county_files):
    output = _run("import_ledger", "units", str(county_files["units"]), "--dry-run", "--no-progress")
    assert "校验通过（试运行，未写入）" in output and Unit.objects.count() == 0


def test_progress_goes_to_stderr(county_files):
    err = io.StringIO()
    call_command("import_ledger", "units", str(county_files["units"]), stdout=io.StringIO(), stderr=err)
    assert "100%" in err.getvalue()


def test_user_option_is_recorded_in_the_change_log(county_files, world):
    for kind in ORDER[:4]:
        _run("import_ledger", kind, str(county_files[kind]), "--user", "p_admin", "--no-progress")
    assert set(
        AssignmentChange.objects.filter(action="import").values_list("actor__username", flat=True)
    ) == {"p_admin"}


def test_unknown_user_is_refused(county_files):
    with pytest.raises(CommandError, match="没有登录名为"):
        _run("import_ledger", "units", str(county_files["units"]), "--user", "nobody")


def test_missing_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError):
        _run("import_ledger", "units", str(tmp_path / "none.csv"), "--no-progress")


def test_export_writes_the_import_format(county, tmp_path):
    path = tmp_path / "out.csv"
    assert "已导出 3 行" in _run("export_ledger", "enterprises", str(path))
    header = path.read_text(encoding="utf-8-sig").splitlines()[0]
    # The county's files predate the coordinate columns; the export always carries them.
    assert header.split(",") == [*COUNTY["enterprises"][0], "经度", "纬度"]
    assert Enterprise.objects.count() == 3


def test_export_refuses_other_extensions(county, tmp_path):
    with pytest.raises(CommandError, match=".xlsx 或 .csv"):
        _run("export_ledger", "units", str(tmp_path / "out.txt"))
