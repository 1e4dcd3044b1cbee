"""共性问题: the clusters the nightly job found, seen through the user's scope.

A county-wide user sees every cluster as stored. A town supervisor sees the clusters that hold at
least one request they may open, with the size, enterprises, towns, units and representative
counted among those requests only — a cluster's other requests stay out of sight.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.dashboards.charts import figure, payload
from analytics.models import ProblemCluster, ProblemClusterMember
from analytics.tables import Column, Row, Table
from qiqing.access import access_for
from qiqing.i18n import join
from requests_tracker.models import Request

TOP_CHART = 15


def visible_requests(user):
    return Request.objects.visible_to(user)


def clusters_for(user):
    """Clusters holding a request the user may see, annotated with what the user may see of them:
    ``shown`` (requests), ``shown_enterprises`` and ``shown_representative`` (a request id)."""
    members = ProblemClusterMember.objects.filter(cluster=OuterRef("pk"))
    queryset = ProblemCluster.objects.select_related("category")
    if access_for(user).sees_everything:
        return queryset.annotate(
            shown=Count("members"),
            shown_enterprises=Count("members__request__enterprise", distinct=True),
            shown_representative=Subquery(
                members.order_by("-similarity", "request_id").values("request_id")[:1]
            ),
        ).order_by("-shown", "pk")
    visible = visible_requests(user).values("pk")
    in_scope = Q(members__request__in=visible)
    return (
        queryset.annotate(
            shown=Count("members", filter=in_scope),
            shown_enterprises=Count("members__request__enterprise", filter=in_scope, distinct=True),
            shown_representative=Subquery(
                members.filter(request__in=visible)
                .order_by("-similarity", "request_id")
                .values("request_id")[:1]
            ),
        )
        .filter(shown__gt=0)
        .order_by("-shown", "pk")
    )


LIST_COLUMNS = [
    Column("label", gettext_lazy("共性问题")),
    Column("category", gettext_lazy("类别"), css="d-none d-md-table-cell"),
    Column("size", gettext_lazy("诉求数"), "int"),
    Column("enterprises", gettext_lazy("企业数"), "int"),
    Column("towns", gettext_lazy("涉及镇街"), css="d-none d-lg-table-cell"),
    Column("units", gettext_lazy("牵头单位"), css="d-none d-lg-table-cell"),
    Column("representative", gettext_lazy("代表诉求"), css="d-none d-md-table-cell"),
]


def _spread(rows, cluster_ids) -> dict[int, str]:
    """{cluster id: "罗星街道 12、魏塘街道 8 …"} from (cluster id, name, n) rows."""
    out: dict[int, list[str]] = defaultdict(list)
    for cluster_id, name, n in rows:
        out[cluster_id].append(f"{name or _('未交办')} {n}")
    return {pk: join(out.get(pk, [])) or "—" for pk in cluster_ids}


@dataclass
class ProblemsPage:
    table: Table
    page_obj: object
    computed: ProblemCluster | None
    total: int
    charts: dict = field(default_factory=dict)

    @property
    def tables(self) -> list[Table]:
        return [self.table]


def problems_page(user, queryset, page_number=None, *, paged: bool = True) -> ProblemsPage:
    page_obj = Paginator(queryset, 30).get_page(page_number) if paged else None
    clusters = list(page_obj.object_list if paged else queryset)
    ids = [c.pk for c in clusters]
    members = ProblemClusterMember.objects.filter(cluster_id__in=ids)
    if not access_for(user).sees_everything:
        members = members.filter(request__in=visible_requests(user).values("pk"))

    def spread(path):
        rows = (
            members.order_by()
            .values_list("cluster_id", path)
            .annotate(n=Count("pk"))
            .order_by("cluster_id", "-n", path)
        )
        return _spread(rows, ids)

    towns = spread("request__enterprise__town__name")
    units = spread("request__lead_unit__name")
    representatives = {
        r.pk: r
        for r in Request.objects.filter(pk__in=[c.shown_representative for c in clusters]).only(
            "pk", "ref", "description"
        )
    }
    rows = []
    for c in clusters:
        rep = representatives.get(c.shown_representative)
        rows.append(
            Row(
                {
                    "label": c.label or _("（无关键词）"),
                    "category": c.category.name if c.category else "—",
                    "size": c.shown,
                    "enterprises": c.shown_enterprises,
                    "towns": towns[c.pk],
                    "units": units[c.pk],
                    "representative": f"{rep.ref} {rep.description}" if rep else "—",
                },
                links={"label": reverse("analytics:problem", args=[c.pk])},
                data={"cluster": c.pk},
            )
        )
    computed = ProblemCluster.objects.order_by("-computed_at").first()
    table = Table(
        "clusters",
        _("共性问题"),
        LIST_COLUMNS,
        rows,
        note=_(
            "相似的诉求（分词后按 TF-IDF 余弦相似度聚类）归为一个共性问题；至少 3 件、来自 2 家以上企业。"
        ),
        empty=gettext_lazy("还没有共性问题：聚类每晚计算，也可点击“重新计算”。"),
    )
    total = page_obj.paginator.count if paged else len(clusters)
    page = ProblemsPage(table=table, page_obj=page_obj, computed=computed, total=total)
    page.charts = {"sizes": _size_chart(rows[:TOP_CHART])}
    return page


def _size_chart(rows: list[Row]) -> dict:
    fig = figure(
        [
            {
                "type": "bar",
                "y": [f"{r.values['label']}" for r in rows],
                "x": [r.values["size"] for r in rows],
                "orientation": "h",
                "marker": {"color": "#0b4f8a"},
                "text": [str(r.values["size"]) for r in rows],
                "textposition": "auto",
                "hovertemplate": _("%{y}：%{x} 件<extra></extra>"),
            }
        ],
        showlegend=False,
        yaxis={"type": "category", "autorange": "reversed", "automargin": True},
        xaxis={"rangemode": "tozero", "tickformat": "d"},
    )
    return payload(fig, height=max(160, 50 + 26 * len(rows)), l=8)


MEMBER_COLUMNS = [
    Column("ref", gettext_lazy("编号")),
    Column("enterprise", gettext_lazy("企业"), css="d-none d-sm-table-cell"),
    Column("town", gettext_lazy("属地"), css="d-none d-md-table-cell"),
    Column("unit", gettext_lazy("牵头单位"), css="d-none d-lg-table-cell"),
    Column("status", gettext_lazy("状态"), css="d-none d-sm-table-cell"),
    Column("submitted", gettext_lazy("提出日期"), "date", "d-none d-md-table-cell"),
    Column("description", gettext_lazy("问题描述")),
    Column("similarity", gettext_lazy("相似度"), "num", "d-none d-lg-table-cell"),
]


@dataclass
class ClusterPage:
    cluster: ProblemCluster
    table: Table
    page_obj: object

    @property
    def tables(self) -> list[Table]:
        return [self.table]


def cluster_page(user, cluster: ProblemCluster, page_number=None, *, paged: bool = True) -> ClusterPage:
    from django.utils import timezone

    members = (
        ProblemClusterMember.objects.filter(cluster=cluster)
        .select_related("request__enterprise__town", "request__lead_unit")
        .order_by("-similarity", "request_id")
    )
    if not access_for(user).sees_everything:
        members = members.filter(request__in=visible_requests(user).values("pk"))
    page_obj = Paginator(members, 50).get_page(page_number) if paged else None
    rows = [
        Row(
            {
                "ref": m.request.ref,
                "enterprise": m.request.enterprise.name,
                "town": m.request.enterprise.town.name,
                "unit": m.request.lead_unit.name if m.request.lead_unit else "—",
                "status": m.request.get_status_display(),
                "submitted": timezone.localdate(m.request.submitted_at),
                "description": m.request.description,
                "similarity": m.similarity,
            },
            links={"ref": reverse("requests_tracker:detail", args=[m.request_id])},
            data={"request": m.request.ref},
        )
        for m in (page_obj.object_list if paged else members)
    ]
    table = Table("requests", _("共性问题：%(label)s") % {"label": cluster.label}, MEMBER_COLUMNS, rows)
    return ClusterPage(cluster, table, page_obj)
