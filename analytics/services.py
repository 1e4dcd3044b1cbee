"""Writes of the analytics app: the weekly town ranking, the weekly visit reminders, the common
problems and the background jobs started from the dashboards (monthly report, re-clustering)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from analytics import clustering
from analytics.models import (
    ProblemCluster,
    ProblemClusterMember,
    RankingIndicator,
    TownRanking,
    TownRankingEntry,
)
from analytics.periods import Period
from analytics.ranking import DEFAULT_WEIGHTS, INDICATORS, ranking_window, score_towns
from cadres.models import Assignment
from enterprises.models import Town
from qiqing import jobs, notifications
from qiqing.i18n import stored
from qiqing.models import BackgroundJob
from requests_tracker.models import Request
from visits import rhythm
from visits.models import Visit


def last_complete_week(today: dt.date) -> dt.date:
    """Monday of the most recent Monday–Sunday week that has ended before ``today``."""
    return today - dt.timedelta(days=today.weekday() + 7)


def ranking_weights() -> list[tuple[str, object]]:
    weights = [
        (row.code, row.weight)
        for row in RankingIndicator.objects.filter(active=True, weight__gt=0)
        if row.code in INDICATORS
    ]
    if not weights:
        raise ValidationError(_("擂台比武没有启用且权重大于 0 的指标：请在系统管理中设置指标权重。"))
    return weights


def ensure_ranking_indicators() -> int:
    """Install the default contest indicators when the table is empty (a database whose data
    migration rows were wiped); an admin's own indicators are never touched. Returns how many
    were created."""
    if RankingIndicator.objects.exists():
        return 0
    RankingIndicator.objects.bulk_create(
        RankingIndicator(code=code, weight=weight, active=active, order=order)
        for order, (code, weight, active) in enumerate(DEFAULT_WEIGHTS, start=1)
    )
    return len(DEFAULT_WEIGHTS)


@transaction.atomic
def ranking_compute(*, week_start: dt.date, today: dt.date | None = None) -> TownRanking:
    """Score and rank every town for the week starting ``week_start`` (a Monday); a re-run for
    the same week replaces that week's table."""
    if week_start.weekday() != 0:
        raise ValidationError(
            {"week_start": _("%(day)s 不是周一：排名按周一至周日计算。") % {"day": week_start}}
        )
    weights = ranking_weights()
    window = ranking_window(week_start)
    rows = score_towns(window, weights, today=today)
    ranking, _created = TownRanking.objects.select_for_update().get_or_create(
        week_start=week_start, defaults={"period_start": window.start, "period_end": window.end}
    )
    ranking.period_start, ranking.period_end = window.start, window.end
    ranking.indicators = [
        {"code": code, "label": str(INDICATORS[code].label), "weight": str(weight)}
        for code, weight in weights
    ]
    ranking.computed_at = timezone.now()
    ranking.full_clean()
    ranking.save()
    previous = dict(
        TownRankingEntry.objects.filter(ranking__week_start=week_start - dt.timedelta(days=7)).values_list(
            "town__code", "rank"
        )
    )
    town_ids = dict(Town.objects.values_list("code", "pk"))
    ranking.entries.all().delete()
    for row in rows:
        _write_entry(ranking, town_ids[row.town_code], row, previous.get(row.town_code))
    return ranking


def _write_entry(ranking: TownRanking, town_id: int, row, previous_rank: int | None) -> TownRankingEntry:
    # One row per town (a county has a few dozen at most), inside the ranking's transaction.
    return TownRankingEntry.objects.create(
        ranking=ranking,
        town_id=town_id,
        rank=row.rank,
        score=row.score,
        previous_rank=previous_rank,
        board=row.board,
        values=row.values,
    )


def _week_key(today: dt.date) -> str:
    year, week, _weekday = today.isocalendar()
    return f"{year}-W{week:02d}"


PERIOD_NAMES = {"month": "本月", "quarter": "本季度", "half": "本半年", "year": "本年"}


def remind_unvisited(*, today: dt.date | None = None) -> dict:
    """Tell each active cadre with a login which of their enterprises are due a visit in the
    current period of the visit rhythm (``visits.rhythm``): one notice per cadre and ISO week.

    Goes through ``qiqing.notifications.notify_many`` like every notification (in bulk: thousands
    of cadres at once) with a per-cadre-and-week dedupe key, so a second run in the same week adds
    nothing; e-mails are queued on commit for cadres who have an address (the outbox drain sends
    whatever the broker missed).
    """
    today = today or timezone.localdate()
    period_start = rhythm.period_start(today)
    last_visit = (
        Visit.objects.filter(enterprise=OuterRef("enterprise"), date__lte=today)
        .order_by("-date")
        .values("date")[:1]
    )
    # Only the due pairs leave the database; the rhythm's own predicate has the last word.
    due_rows = (
        Assignment.objects.active()
        .filter(cadre__active=True, cadre__user__isnull=False, enterprise__active=True)
        .annotate(last_visit=Subquery(last_visit))
        .filter(Q(last_visit__isnull=True) | Q(last_visit__lt=period_start))
        .order_by("cadre_id", "enterprise__name")
        .values_list("cadre_id", "cadre__user_id", "cadre__user__email", "enterprise__name", "last_visit")
    )
    due: dict[tuple[int, int], list[tuple[str, dt.date | None]]] = defaultdict(list)
    emails: dict[int, str] = {}
    for cadre_id, user_id, email, name, last in due_rows:
        if rhythm.due_for_visit(last, today):
            due[(cadre_id, user_id)].append((name, last))
            emails[user_id] = email

    week = _week_key(today)
    period_name = PERIOD_NAMES.get(rhythm.current_rhythm(), "本期")
    url = reverse("analytics:my_record")
    notices = []
    for (cadre_id, user_id), enterprises in due.items():
        lines = [
            f"· {name}（{'最近走访 ' + last.isoformat() if last else '尚未走访'}）"
            for name, last in enterprises
        ]
        notices.append(
            {
                "recipient_id": user_id,
                "kind": "visit_due",
                "title": f"{period_name}还有 {len(enterprises)} 家联系企业待走访",
                "body": f"按照{stored(rhythm.LABELS[rhythm.current_rhythm()])}走访一次的要求，以下企业{period_name}尚未走访：\n"
                + "\n".join(lines),
                "url": url,
                "dedupe_key": f"remind_unvisited:{cadre_id}:{week}",
                "email": emails.get(user_id, ""),
            }
        )
    notified = notifications.notify_many(notices)
    return {
        "cadres_due": len(due),
        "enterprises_due": sum(len(v) for v in due.values()),
        "notified": notified,
        "already_notified": len(due) - notified,
    }


# --- common problems (共性问题) -------------------------------------------------------------------


def problem_clusters_compute(*, today: dt.date | None = None, progress=None) -> dict:
    """Recompute the common problems of the last ``QIQING_CLUSTER_DAYS`` days (the nightly job
    and the on-demand run share this).

    The clustering runs outside any transaction; the result replaces the previous clusters in
    one transaction, so readers see the old set or the new one, never a mix. Re-running on the
    same requests gives the same clusters (the algorithm is deterministic), and a problem that
    is still there keeps its id, so links to it survive the nightly run.
    """
    today = today or timezone.localdate()
    window = Period(today - dt.timedelta(days=settings.QIQING_CLUSTER_DAYS - 1), today)
    rows = (
        Request.objects.filter(submitted_at__gte=window.start_at, submitted_at__lt=window.end_at)
        .exclude(status=Request.Status.REJECTED)
        .order_by("pk")
        .values_list("pk", "category_id", "enterprise_id", "description")
    )
    items = [clustering.Item(*row) for row in rows.iterator(chunk_size=5000)]
    found = clustering.cluster_items(items, progress=progress)
    stamp = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two runs at once would interleave their deletes and inserts: let one finish first.
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {ProblemCluster._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        # A problem that is still there keeps its id (and so its links): a new cluster takes the
        # id of the old one sharing more than half of their requests (Jaccard > 0.5; at most
        # one old cluster can, the new clusters being disjoint). The rest are replaced.
        old_of: dict[int, int] = {}
        old_size: Counter = Counter()
        for cluster_id, request_id in ProblemClusterMember.objects.values_list("cluster_id", "request_id"):
            old_of[request_id] = cluster_id
            old_size[cluster_id] += 1
        keep: dict[int, int] = {}
        for index, c in enumerate(found):
            counts = Counter(old_of[r] for r in c.request_ids if r in old_of)
            if counts:
                cluster_id, shared = counts.most_common(1)[0]
                if shared * 2 > len(c.request_ids) + old_size[cluster_id] - shared:
                    keep[index] = cluster_id
        ProblemClusterMember.objects.all().delete()
        ProblemCluster.objects.exclude(pk__in=list(keep.values())).delete()
        rows = [
            ProblemCluster(
                pk=keep.get(index),
                category_id=c.category_id,
                label=" · ".join(c.keywords[:3])[:120],
                keywords=c.keywords,
                size=c.size,
                enterprises=c.enterprises,
                representative_id=c.representative,
                window_start=window.start,
                window_end=window.end,
                computed_at=stamp,
            )
            for index, c in enumerate(found)
        ]
        kept = [row for row in rows if row.pk is not None]
        ProblemCluster.objects.bulk_update(
            kept,
            [
                "category",
                "label",
                "keywords",
                "size",
                "enterprises",
                "representative",
                "window_start",
                "window_end",
                "computed_at",
            ],
        )
        ProblemCluster.objects.bulk_create([row for row in rows if row.pk is None])
        clusters = rows
        ProblemClusterMember.objects.bulk_create(
            (
                ProblemClusterMember(
                    cluster_id=cluster.pk, request_id=request_id, similarity=c.similarity[request_id]
                )
                for cluster, c in zip(clusters, found, strict=True)
                for request_id in c.request_ids
            ),
            batch_size=5000,
        )
    return {
        "requests": len(items),
        "clusters": len(found),
        "clustered": sum(c.size for c in found),
        "from": window.start.isoformat(),
        "to": window.end.isoformat(),
    }


# --- background jobs started from the dashboards ---------------------------------------------------


MONTHLY_REPORT = "monthly_report"
CLUSTER_PROBLEMS = "cluster_problems"


@transaction.atomic
def monthly_report_request(*, actor, month: dt.date, town: Town | None) -> BackgroundJob:
    """Queue the monthly report (月报) of ``month`` for the county (town None) or one town; the
    caller has checked the scope. The work starts once this transaction commits."""
    scope = town.name if town else _("全县")
    return jobs.start(
        MONTHLY_REPORT,
        actor=actor,
        title=_("月报 %(month)s %(scope)s")
        % {"month": date_format(month, "YEAR_MONTH_FORMAT"), "scope": scope},
        params={"month": f"{month:%Y-%m}", **({"town": town.code} if town else {})},
        total=5,
    )


@transaction.atomic
def problem_clusters_request(*, actor) -> BackgroundJob:
    """Queue a recomputation of the common problems now (the nightly job, on demand)."""
    return jobs.start(CLUSTER_PROBLEMS, actor=actor, title=_("共性问题重新计算"))


# --- a common problem handled once (一类事一次办) ----------------------------------------------------
@transaction.atomic
def problem_cluster_case(
    *, actor, cluster: ProblemCluster, lead_unit=None, assist_units=(), team=None, note: str = ""
) -> Request:
    """Turn a common problem (共性问题) into one parent case assigned to a unit: its requests that
    still wait for triage are merged into one of them (the cluster's representative when it
    waits, else the earliest) and that parent is assigned, so the unit answers once and every
    enterprise in it follows the progress (``requests_tracker.services.request_merge``). Requests
    already assigned or answered stay as they are. All or nothing.

    Given a chain task force (``team``, 产业链专班) instead of a unit, its first active member unit
    (by name) leads, the other members assist, and the parent case records the team."""
    from requests_tracker.services import request_assign, request_merge

    if team is not None:
        units = list(team.units.filter(active=True).order_by("name", "pk"))
        if not units:
            raise ValidationError({"team": _("产业链专班：该专班没有在用的成员单位，无法交办。")})
        lead_unit, assist_units = units[0], units[1:]
    if lead_unit is None:
        raise ValidationError({"lead_unit": _("牵头单位：请选择并案交办的牵头单位或产业链专班。")})

    waiting = list(
        Request.objects.visible_to(actor)
        .filter(
            pk__in=cluster.members.values("request_id"),
            status=Request.Status.SUBMITTED,
            parent__isnull=True,
        )
        .order_by("submitted_at", "pk")
    )
    if not waiting:
        raise ValidationError({"requests": _("该共性问题中没有待受理的诉求，无需并案交办。")})
    parent = next((r for r in waiting if r.pk == cluster.representative_id), waiting[0])
    children = [r for r in waiting if r.pk != parent.pk]
    label = f"共性问题“{cluster.label}”"
    if children:
        request_merge(actor=actor, parent=parent, children=children, note=f"（{label}并案办理）")
    note = (note or "").strip() or f"{label}并案交办，一次办理，{len(waiting)} 家企业同步获知进展。"
    if team is not None:
        Request.objects.filter(pk__in=[r.pk for r in waiting]).update(team=team)
    return request_assign(
        actor=actor,
        request=Request.objects.get(pk=parent.pk),
        lead_unit=lead_unit,
        assist_units=list(assist_units),
        note=note,
    )
