"""The upload page, the background job behind it, templates and exports."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from enterprises.models import Enterprise
from qiqing.ledger import JobProgress
from qiqing.models import BackgroundJob
from tests.factories import EnterpriseFactory
from tests.ledger.conftest import COUNTY, E1, ORDER, replace, write_csv

pytestmark = pytest.mark.django_db


def _upload(client, capture, kind, path, **extra):
    with open(path, "rb") as handle:
        upload = SimpleUploadedFile(path.name, handle.read())
    with capture(execute=True):
        return client.post(reverse("cadres:ledger"), {"kind": kind, "file": upload, **extra})


@pytest.fixture
def admin(login, world):
    return login(world.users["admin"])


@pytest.fixture
def units_file(tmp_path):
    return write_csv(tmp_path / "units.csv", *COUNTY["units"])


def test_ledger_page_matrix(client, login, world):
    url = reverse("cadres:ledger")
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert login(world.users["supervisor"]).get(url).status_code == 403
    body = login(world.users["admin"]).get(url).content.decode()
    assert "单位 → 干部 → 企业 → 联系关系 → 走访 → 诉求" in body
    for kind in ORDER:
        assert reverse("cadres:ledger_template", args=[kind, "xlsx"]) in body
        assert reverse("cadres:ledger_export", args=[kind, "xlsx"]) in body


def test_upload_runs_the_import_in_a_job_and_shows_the_counts(
    admin, django_capture_on_commit_callbacks, units_file
):
    response = _upload(admin, django_capture_on_commit_callbacks, "units", units_file)
    job = BackgroundJob.objects.get(kind="ledger_import")
    assert response.status_code == 302 and response.url == reverse("job", args=[job.pk])
    assert job.status == "done" and job.result["created"] == 5 and job.percent == 100
    body = admin.get(response.url).content.decode()
    assert "单位台账导入完成：共 5 行，新增 5，更新 0，未变 0。" in body


def test_uploaded_file_is_removed_after_the_import(admin, django_capture_on_commit_callbacks, units_file):
    from django.core.files.storage import default_storage

    _upload(admin, django_capture_on_commit_callbacks, "units", units_file)
    path = BackgroundJob.objects.get().params["path"]
    assert not default_storage.exists(path)


def test_bad_rows_are_shown_as_a_table_and_downloadable(
    admin, django_capture_on_commit_callbacks, tmp_path, world
):
    header, rows = replace("enterprises", 0, "属地编码", "NOPE")
    path = write_csv(tmp_path / "ents.csv", header, rows)
    response = _upload(admin, django_capture_on_commit_callbacks, "enterprises", path)
    body = admin.get(response.url).content.decode()
    assert "企业台账有 3 处错误，未写入任何数据。" in body  # NOPE, and T01/T02 are not towns in this world
    assert "<td>2</td>" in body and "NOPE" in body
    job = BackgroundJob.objects.get()
    download = admin.get(reverse("job_file", args=[job.pk]))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    rows = list(
        load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.iter_rows(values_only=True)
    )
    assert rows[0] == ("行号", "列", "值", "原因") and rows[1][:3] == (2, "属地编码", "NOPE")
    assert Enterprise.objects.filter(uscc=E1).count() == 0


def test_a_long_bad_value_is_shortened_on_the_page_and_whole_in_the_download(
    admin, django_capture_on_commit_callbacks, tmp_path, world
):
    long_value = "不存在的镇街" * 30  # 180 characters
    header, rows = replace("enterprises", 0, "属地编码", long_value)
    path = write_csv(tmp_path / "ents.csv", header, rows)
    response = _upload(admin, django_capture_on_commit_callbacks, "enterprises", path)
    body = admin.get(response.url).content.decode()
    cell = body.split(f'qq-error-value" title="{long_value}">', 1)[1].split("</td>", 1)[0]
    assert cell.startswith(long_value[:50]) and len(cell) <= 60
    assert body.count(long_value) == 2  # only in the hover titles (table cell and phone line)
    job = BackgroundJob.objects.get()
    download = admin.get(reverse("job_file", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)][0] == long_value


def test_dry_run_from_the_page_writes_nothing(admin, django_capture_on_commit_callbacks, units_file):
    response = _upload(admin, django_capture_on_commit_callbacks, "units", units_file, dry_run="on")
    body = admin.get(response.url).content.decode()
    assert "校验通过（试运行，未写入）" in body and "将新增" in body
    from cadres.models import Unit

    assert Unit.objects.count() == 4  # the world's own units only


def test_unreadable_file_fails_the_job_with_the_reason(admin, django_capture_on_commit_callbacks, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("单位编码,单位名称\n".encode("gbk"))
    response = _upload(admin, django_capture_on_commit_callbacks, "units", path)
    job = BackgroundJob.objects.get()
    assert job.status == "failed" and "UTF-8" in job.error
    assert "UTF-8" in admin.get(response.url).content.decode()


def test_other_file_types_are_refused_by_the_form(admin, tmp_path):
    upload = SimpleUploadedFile("ledger.xls", b"\xd0\xcf\x11\xe0")
    response = admin.post(reverse("cadres:ledger"), {"kind": "units", "file": upload})
    assert response.status_code == 200 and "只能上传 .xlsx 或 .csv 文件" in response.content.decode()
    assert not BackgroundJob.objects.exists()


def test_job_pages_matrix(login, world):
    job = BackgroundJob.objects.create(kind="ledger_import", title="导入", params={})
    other = BackgroundJob.objects.create(kind="monthly_report", title="月报")
    for name in ("job", "job_status"):
        url = reverse(name, args=[job.pk])
        assert Client().get(url).status_code == 302
        # Out of scope answers 404: an import is followed by admins only.
        assert login(world.users["supervisor"]).get(url).status_code == 404
        assert login(world.users["handler"]).get(reverse(name, args=[other.pk])).status_code == 404
    assert login(world.users["admin"]).get(reverse("job_file", args=[job.pk])).status_code == 404


def test_status_json_reports_progress(admin):
    job = BackgroundJob.objects.create(
        kind="ledger_import", title="导入", status="running", done=30, total=120
    )
    data = admin.get(reverse("job_status", args=[job.pk])).json()
    assert data == {
        "status": "running",
        "status_label": "进行中",
        "percent": 25,
        "done": 30,
        "total": 120,
        "message": "",
        "finished": False,
    }


def test_running_job_page_polls_with_static_js(admin):
    job = BackgroundJob.objects.create(kind="ledger_import", title="导入", status="running", done=1, total=4)
    body = admin.get(reverse("job", args=[job.pk])).content.decode()
    assert f'data-job-poll="{reverse("job_status", args=[job.pk])}"' in body
    assert "js/jobs.js" in body and "<script>" not in body


@pytest.mark.django_db(transaction=True)
def test_progress_is_written_to_the_job_outside_transactions():
    job = BackgroundJob.objects.create(kind="ledger_import", title="导入")
    progress = JobProgress(job, every=0)
    progress(50, 200, "正在校验")
    progress.close()
    job.refresh_from_db()
    assert (job.done, job.total, job.message, job.percent) == (50, 200, "正在校验", 25)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_progress_inside_the_write_transaction_is_visible_to_the_polling_page():
    job = BackgroundJob.objects.create(kind="ledger_import", title="导入")
    progress = JobProgress(job, every=0)
    seen = {}
    with transaction.atomic():
        progress(150, 200, "正在写入")
        # Another connection (the page polling the job) sees it before the import commits.
        default = connections["default"]
        reader = type(default)(default.settings_dict, "reader")
        with reader.cursor() as cursor:
            cursor.execute('SELECT done, message FROM "qiqing_backgroundjob" WHERE id = %s', [job.pk])
            seen["row"] = cursor.fetchone()
        reader.close()
        transaction.set_rollback(True)
    progress.close()
    assert seen["row"] == (150, "正在写入")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_template_download_has_the_chinese_headers(admin, fmt):
    response = admin.get(reverse("cadres:ledger_template", args=["visits", fmt]))
    content = b"".join(response.streaming_content)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    expected = ["统一社会信用代码", "干部编号", "走访日期", "走访方式", "走访情况"]
    if fmt == "csv":
        assert content.decode("utf-8-sig").splitlines()[0].split(",") == expected
    else:
        sheet = load_workbook(io.BytesIO(content)).worksheets[0]
        assert [c.value for c in sheet[1]] == expected


def test_export_download_round_trips(admin, world):
    response = admin.get(reverse("cadres:ledger_export", args=["enterprises", "xlsx"]))
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True)
    )
    assert rows[0][:3] == ("统一社会信用代码", "企业名称", "属地编码")
    assert len(rows) == 1 + Enterprise.objects.count()


def test_export_and_templates_are_for_admins_only(login, world):
    supervisor = login(world.users["supervisor"])
    assert supervisor.get(reverse("cadres:ledger_export", args=["units", "xlsx"])).status_code == 403
    assert supervisor.get(reverse("cadres:ledger_template", args=["units", "csv"])).status_code == 403


def test_unknown_kind_is_404(admin):
    assert admin.get("/cadres/ledger/export/tractors.xlsx").status_code == 404


def test_ledger_page_query_count_does_not_grow_with_jobs(admin, django_assert_num_queries, world):
    for i in range(2):
        BackgroundJob.objects.create(kind="ledger_import", title=f"导入{i}", created_by=world.users["admin"])
    admin.get(reverse("cadres:ledger"))
    with CaptureQueriesContext(connection) as small:
        admin.get(reverse("cadres:ledger"))
    for i in range(8):
        BackgroundJob.objects.create(
            kind="ledger_import", title=f"再导入{i}", created_by=world.users["admin"]
        )
    EnterpriseFactory()
    with django_assert_num_queries(len(small.captured_queries)):
        admin.get(reverse("cadres:ledger"))
