"""The scheduled jobs (定时任务): what each one is called in Chinese, how its schedule reads,
and the runners that the Celery tasks and the management commands of the same name share.

Every run goes through ``qiqing.jobs.job_run``, so the jobs page shows its last run, last
success, counts and any failure whatever started it (beat, command, or "run now").
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from datetime import timedelta

from celery.schedules import crontab
from celery.schedules import schedule as interval
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import services, snapshots
from qiqing.jobs import job_run
from requests_tracker.workdays import WEEKDAY_LABELS


@dataclass(frozen=True)
class JobInfo:
    label: str
    description: str


# Keyed by the beat entry's name, which is also the JobRun name the job records under.
JOB_INFO = {
    "compute_snapshots": JobInfo(
        gettext_lazy("指标快照"), gettext_lazy("计算各周期（日/周/月/季/年）× 各范围的指标快照，供看板读取。")
    ),
    "rank_towns": JobInfo(
        gettext_lazy("擂台比武排名"), gettext_lazy("按可配置指标为各镇街打分排名，生成红榜、黑榜。")
    ),
    "remind_unvisited": JobInfo(
        gettext_lazy("走访提醒"), gettext_lazy("提醒联企干部本周期内尚未走访的联系企业。")
    ),
    "cluster_problems": JobInfo(
        gettext_lazy("共性问题聚类"), gettext_lazy("把近一年相似的诉求归为共性问题（分词 + TF-IDF 相似度）。")
    ),
    "flag_overdue": JobInfo(gettext_lazy("超期标记"), gettext_lazy("标记超过答复期限仍未答复的诉求并督办。")),
    "auto_close": JobInfo(
        gettext_lazy("逾期未评自动办结"), gettext_lazy("答复后企业逾期未评价的诉求自动办结。")
    ),
    "drain_outbox": JobInfo(gettext_lazy("邮件补发"), gettext_lazy("发送尚未发出的通知邮件。")),
    "spotcheck": JobInfo(
        gettext_lazy("随机抽查"),
        gettext_lazy("从上周满意办结和自动办结的诉求中按比例随机抽取回访（保存随机种子，可复核）。"),
    ),
}

# Crontab day-of-week → Monday-first index into the weekday names (周一 … 周日).
WEEKDAYS = {
    "0": 6,
    "7": 6,
    "sun": 6,
    "1": 0,
    "mon": 0,
    "2": 1,
    "tue": 1,
    "3": 2,
    "wed": 2,
    "4": 3,
    "thu": 3,
    "5": 4,
    "fri": 4,
    "6": 5,
    "sat": 5,
}


def _every(seconds: float) -> str:
    seconds = int(seconds)
    if seconds % 3600 == 0:
        return _("每 %(n)s 小时") % {"n": seconds // 3600}
    if seconds % 60 == 0:
        return _("每 %(n)s 分钟") % {"n": seconds // 60}
    return _("每 %(n)s 秒") % {"n": seconds}


def describe_schedule(value) -> str:
    """A beat schedule in words: "每天 00:30", "每周一 07:00", "每 15 分钟" (Beijing time)."""
    if isinstance(value, timedelta | int | float):
        return _every(value.total_seconds() if isinstance(value, timedelta) else value)
    if isinstance(value, crontab):
        minute, hour = str(value._orig_minute), str(value._orig_hour)
        dow, dom, moy = (
            str(value._orig_day_of_week),
            str(value._orig_day_of_month),
            str(value._orig_month_of_year),
        )
        if dom == "*" and moy == "*":
            if hour == "*" and minute.startswith("*/") and dow == "*":
                return _("每 %(n)s 分钟") % {"n": minute[2:]}
            if minute.isdigit() and hour.isdigit():
                clock = f"{int(hour):02d}:{int(minute):02d}"
                if dow == "*":
                    return _("每天 %(clock)s") % {"clock": clock}
                if dow.lower() in WEEKDAYS:
                    weekday = WEEKDAY_LABELS[WEEKDAYS[dow.lower()]]
                    return _("每%(weekday)s %(clock)s") % {"weekday": weekday, "clock": clock}
        return _("定时（分 %(minute)s，时 %(hour)s，周 %(dow)s，日 %(dom)s，月 %(moy)s）") % {
            "minute": minute,
            "hour": hour,
            "dow": dow,
            "dom": dom,
            "moy": moy,
        }
    if isinstance(value, interval):
        return _every(value.run_every.total_seconds())
    return str(value)


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    task: str
    schedule: str
    label: str
    description: str


def scheduled_jobs() -> list[ScheduledJob]:
    """The beat schedule as the jobs page lists it."""
    jobs = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        info = JOB_INFO.get(name, JobInfo(name, ""))
        jobs.append(
            ScheduledJob(
                name=name,
                task=entry["task"],
                schedule=describe_schedule(entry["schedule"]),
                label=info.label,
                description=info.description,
            )
        )
    return jobs


COUNT_LABELS = {
    "periods": gettext_lazy("周期数"),
    "rows": gettext_lazy("快照行数"),
    "written": gettext_lazy("写入行数"),
    "from": gettext_lazy("起"),
    "to": gettext_lazy("止"),
    "day": gettext_lazy("日"),
    "week": gettext_lazy("周"),
    "month": gettext_lazy("月"),
    "quarter": gettext_lazy("季"),
    "year": gettext_lazy("年"),
    "week_start": gettext_lazy("排名周"),
    "towns": gettext_lazy("镇街数"),
    "red": gettext_lazy("红榜"),
    "black": gettext_lazy("黑榜"),
    "cadres_due": gettext_lazy("待走访干部"),
    "enterprises_due": gettext_lazy("待走访企业"),
    "notified": gettext_lazy("新发提醒"),
    "already_notified": gettext_lazy("本周已提醒"),
    "requests": gettext_lazy("诉求数"),
    "clusters": gettext_lazy("共性问题"),
    "clustered": gettext_lazy("归入共性问题的诉求"),
    "drawn": gettext_lazy("抽中"),
    "population": gettext_lazy("可抽诉求"),
    # The request lifecycle's jobs (flag_overdue, auto_close, drain_outbox, the calendar recount).
    "checked": gettext_lazy("检查诉求"),
    "overdue": gettext_lazy("新超期"),
    "sign_late": gettext_lazy("签收超期"),
    "contact_late": gettext_lazy("首次联系超期"),
    "notices": gettext_lazy("督办通知"),
    "reminders": gettext_lazy("提醒"),
    "closed": gettext_lazy("自动办结"),
    "recounted": gettext_lazy("重算期限"),
    "sent": gettext_lazy("已发送"),
    "skipped": gettext_lazy("跳过"),
    "failed": gettext_lazy("发送失败"),
}


def queue_now(job: ScheduledJob) -> None:
    """Send one run of ``job`` to the workers ("run now" on the jobs page), marked manual."""
    from qiqing.celery import app

    importlib.import_module(job.task.rsplit(".", 1)[0])  # registers the task in this process
    app.tasks[job.task].apply_async(kwargs={"trigger": "manual"})


# --- runners shared by the Celery tasks and the management commands ---------------------------


def run_compute_snapshots(
    *, first: dt.date | None = None, last: dt.date | None = None, trigger: str = "beat", progress=None
) -> dict:
    with job_run("compute_snapshots", trigger=trigger) as run:
        run.counts.update(snapshots.compute_snapshots(first, last, progress=progress))
    return run.counts


def run_rank_towns(*, week_start: dt.date | None = None, trigger: str = "beat") -> dict:
    with job_run("rank_towns", trigger=trigger) as run:
        week_start = week_start or services.last_complete_week(timezone.localdate())
        ranking = services.ranking_compute(week_start=week_start)
        entries = list(ranking.entries.select_related("town"))
        run.counts.update(
            {
                "week_start": week_start.isoformat(),
                "towns": len(entries),
                "red": [e.town.name for e in entries if e.board == "red"],
                "black": [e.town.name for e in entries if e.board == "black"],
            }
        )
    return run.counts


def run_remind_unvisited(*, today: dt.date | None = None, trigger: str = "beat") -> dict:
    with job_run("remind_unvisited", trigger=trigger) as run:
        run.counts.update(services.remind_unvisited(today=today))
    return run.counts


def run_cluster_problems(*, trigger: str = "beat", progress=None) -> dict:
    with job_run("cluster_problems", trigger=trigger) as run:
        run.counts.update(services.problem_clusters_compute(progress=progress))
    return run.counts
