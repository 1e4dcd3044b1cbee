"""Background work for the admin tools: ledger imports started from the upload page."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qiqing.ledger import JobProgress, LedgerFileError, import_ledger, write_errors
from qiqing.models import BackgroundJob

logger = logging.getLogger(__name__)
JOB_KIND = "ledger_import"
# The page shows this many errors; the downloadable .xlsx has every one.
ERRORS_ON_PAGE = 1000


@shared_task(acks_late=True)
def ledger_import(job_id: int) -> None:
    """Run one uploaded ledger through the importer, recording progress and the report on the job.

    Safe to run twice (a redelivered message after a worker died): an import is all or nothing
    and idempotent, and a finished job is left alone.
    """
    job = BackgroundJob.objects.filter(pk=job_id, kind=JOB_KIND).select_related("created_by").first()
    if job is None or job.status in (BackgroundJob.Status.DONE, BackgroundJob.Status.FAILED):
        return
    BackgroundJob.objects.filter(pk=job.pk).update(
        status=BackgroundJob.Status.RUNNING, started_at=timezone.now()
    )
    # Progress, summary and reasons read in the language of the admin who uploaded the file;
    # what the import writes into records stays Chinese (qiqing.i18n.stored).
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        _run(job)


def _run(job: BackgroundJob) -> None:
    params = job.params
    progress = JobProgress(job)
    try:
        report = import_ledger(
            params["kind"],
            default_storage.path(params["path"]),
            actor=job.created_by,
            dry_run=params.get("dry_run", False),
            file_name=params.get("file_name"),
            progress=progress,
        )
    except LedgerFileError as exc:
        _fail(job, str(exc))
        return
    except Exception as exc:
        logger.exception("ledger import job %s failed", job.pk)
        _fail(
            job,
            _("导入过程中出现意外错误，未写入任何数据（%(error)s）。请联系系统管理员。")
            % {"error": exc.__class__.__name__},
        )
        raise
    finally:
        progress.close()
        default_storage.delete(params["path"])
    job.refresh_from_db()
    if report.errors:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "errors.xlsx"
            write_errors(path, report.errors)
            with open(path, "rb") as handle:
                job.result_file.save(_("台账错误-%(pk)s.xlsx") % {"pk": job.pk}, File(handle), save=False)
    job.result = report.to_dict(max_errors=ERRORS_ON_PAGE)
    job.status = BackgroundJob.Status.DONE
    job.done = job.total = max(report.rows, 1)
    job.message = report.summary()[:300]
    job.finished_at = timezone.now()
    job.save(update_fields=["result", "result_file", "status", "done", "total", "message", "finished_at"])


def _fail(job: BackgroundJob, message: str) -> None:
    BackgroundJob.objects.filter(pk=job.pk).update(
        status=BackgroundJob.Status.FAILED, error=message, message=message[:300], finished_at=timezone.now()
    )
