"""The upload page with a real Celery worker on Redis: the import runs in the background."""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from cadres.models import Unit
from qiqing.celery import app as celery_app
from qiqing.models import BackgroundJob
from tests.ledger.conftest import COUNTY, write_csv

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path, shared_broker):
    """A Celery worker process on this run's broker and test database."""
    db = connection.settings_dict
    login = db["USER"] + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SETTINGS_MODULE": "qiqing.settings",
        "DATABASE_URL": f"postgres://{login}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "QIQING_VAR_DIR": str(tmp_path / "var"),
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    celery_app.control.purge()
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "qiqing", "worker", "-P", "solo", "-l", "WARNING"]
        + ["--without-mingle", "--without-gossip", "--without-heartbeat"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_upload_is_imported_by_the_worker_while_the_page_polls(login, world, worker, tmp_path):
    client = login(world.users["admin"])
    path = write_csv(tmp_path / "units.csv", *COUNTY["units"])
    celery_app.conf.task_always_eager = False
    try:
        response = client.post(
            reverse("cadres:ledger"),
            {"kind": "units", "file": SimpleUploadedFile("units.csv", path.read_bytes())},
        )
    finally:
        celery_app.conf.task_always_eager = True
    job = BackgroundJob.objects.get(kind="ledger_import")
    assert response.url == reverse("job", args=[job.pk])
    status_url = reverse("job_status", args=[job.pk])
    deadline = time.monotonic() + 90
    data = client.get(status_url).json()
    while not data["finished"] and time.monotonic() < deadline:
        assert worker.poll() is None, worker.stderr.read().decode()
        time.sleep(0.5)
        data = client.get(status_url).json()
    assert data["status"] == "done" and data["percent"] == 100
    assert Unit.objects.filter(code__in=["T01", "T02", "D01", "D02", "TD1"]).count() == 5
    assert "单位台账导入完成：共 5 行，新增 5" in client.get(response.url).content.decode()
