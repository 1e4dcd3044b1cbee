"""The analytics pages: cadre records, jobs and the ranking (records), the dashboards, the common
problems, and the monthly report with its background-job pages (tasks)."""

from analytics.views.coverage import coverage, coverage_cadre, coverage_town
from analytics.views.dispatch import batch, batches, board
from analytics.views.groups import chain, team
from analytics.views.issues import issues
from analytics.views.overdue import overdue
from analytics.views.problems import problem, problem_case, problems, problems_recompute
from analytics.views.records import (
    cadre_record,
    cadre_records,
    job_list,
    job_run_now,
    my_record,
    overview,
    ranking,
)
from analytics.views.tasks import reports
from analytics.views.trust import trust

__all__ = [
    "chain",
    "team",
    "batch",
    "batches",
    "board",
    "cadre_record",
    "cadre_records",
    "coverage",
    "coverage_cadre",
    "coverage_town",
    "issues",
    "job_list",
    "job_run_now",
    "my_record",
    "overdue",
    "overview",
    "problem",
    "problem_case",
    "problems",
    "problems_recompute",
    "ranking",
    "reports",
    "trust",
]
