"""Background work for the admin tools: the ledger import (台账导入) started from the upload page,
one kind of background job (``qiqing.jobs``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from qiqing.access import access_for
from qiqing.jobs import JobFailed, background_job
from qiqing.ledger import JobProgress, LedgerFileError, import_ledger, write_errors

JOB_KIND = "ledger_import"
# The page shows this many errors; the downloadable .xlsx has every one.
ERRORS_ON_PAGE = 1000


def _admins(user):
    """Every admin follows every import (the ledger page lists the latest)."""
    return Q() if access_for(user).is_admin else None


@background_job(
    JOB_KIND,
    audience=_admins,
    result_template="cadres/_ledger_job_result.html",
    home=("cadres:ledger", _lazy("台账导入导出")),
    stylesheet="css/cadres.css",
)
def ledger_import(job) -> dict:
    """Run one uploaded ledger through the importer. Safe to run again after an interruption: an
    import is all or nothing and idempotent. Progress, summary and reasons read in the language of
    the admin who uploaded the file; what the import writes into records stays Chinese."""
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
        raise JobFailed(str(exc)) from exc
    finally:
        progress.close()
        default_storage.delete(params["path"])
    job.refresh_from_db()
    result = report.to_dict(max_errors=ERRORS_ON_PAGE)
    if report.errors:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "errors.xlsx"
            write_errors(path, report.errors)
            with open(path, "rb") as handle:
                job.result_file.save(_("台账错误-%(pk)s.xlsx") % {"pk": job.pk}, File(handle), save=False)
        result["filename"] = _("%(title)s台账错误清单-%(pk)s.xlsx") % {
            "title": result.get("title", ""),
            "pk": job.pk,
        }
    job.done = job.total = max(report.rows, 1)
    job.message = report.summary()[:300]
    return result
