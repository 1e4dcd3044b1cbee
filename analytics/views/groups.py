"""The team page (服务小组) and the chain dashboard (产业链): the groups' figures, computed by
``analytics.metrics`` (a team: its enterprises as a restriction; a chain: its own snapshot scope)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import metrics, windows
from analytics.models import ProblemCluster
from enterprises.models import Enterprise
from groups.models import IndustryChain, ServiceTeam
from qiqing.access import ADMIN, CADRE, HANDLER, SUPERVISOR, access_for
from qiqing.permissions import get_visible_or_404, role_required
from requests_tracker.models import Request
from visits.models import Visit

CHOICES = [(value, label) for value, label in windows.PERIOD_CHOICES if value != "custom"]
SHOWN = 30


def _window(request):
    choice = request.GET.get("period")
    if choice not in dict(CHOICES):
        choice = windows.default_period()
    return windows.resolve(choice, timezone.localdate())


def _cards(figures: metrics.Metrics) -> list[tuple[str, object, str]]:
    return [
        ("coverage_rate", _("走访覆盖率"), figures.coverage_rate, "pct"),
        ("enterprises_visited", _("已走访企业"), figures.enterprises_visited, "int"),
        ("visits", _("走访次数"), figures.visits, "int"),
        ("requests", _("诉求数"), figures.requests, "int"),
        ("closure_rate", _("办结率"), figures.closure_rate, "pct"),
        ("satisfaction_rate", _("满意率"), figures.satisfaction_rate, "pct"),
    ]


def _categories(figures: metrics.Metrics):
    shares = figures.issue_share()
    return [
        (name, count, shares.get(name))
        for name, count in sorted(figures.category_counts.items(), key=lambda item: (-item[1], item[0]))
    ]


@role_required(ADMIN, SUPERVISOR, HANDLER, CADRE)
def team(request, pk):
    """A team: members, enterprises, their open requests, visits by any member, the team's
    coverage and closure over its enterprises."""
    team = get_visible_or_404(
        ServiceTeam.objects.select_related("leader__unit", "town", "chain").prefetch_related(
            "members__unit", "units"
        ),
        request.user,
        pk=pk,
    )
    window = _window(request)
    served = Enterprise.objects.filter(Q(service_teams=team) | Q(chains__teams=team)).distinct()
    enterprise_ids = frozenset(served.values_list("pk", flat=True))
    figures = metrics.compute(window.period, restriction=metrics.Restriction(enterprise_ids=enterprise_ids))
    people = {c.pk for c in team.members.all()} | ({team.leader_id} if team.leader_id else set())
    by_members = Visit.objects.filter(
        Q(cadre_id__in=people)
        | Q(pk__in=Visit.participants.through.objects.filter(cadre_id__in=people).values("visit_id"))
    )
    visits = (
        Visit.objects.visible_to(request.user)
        .filter(pk__in=by_members.values("pk"))
        .select_related("enterprise", "cadre")
        .order_by("-date", "-pk")[:SHOWN]
    )
    open_requests = (
        Request.objects.visible_to(request.user)
        .open()
        .filter(enterprise_id__in=enterprise_ids)
        .select_related("enterprise", "category", "lead_unit")
        .order_by("submitted_at")[:SHOWN]
    )
    context = {
        "team": team,
        "window": window,
        "choices": CHOICES,
        "cards": _cards(figures),
        "enterprises": Paginator(served.select_related("town").order_by("name"), 50).get_page(
            request.GET.get("page")
        ),
        "enterprise_total": len(enterprise_ids),
        "visits": visits,
        "open_requests": open_requests,
        "routed": Request.objects.visible_to(request.user).filter(team=team).open().count(),
        "can_edit": access_for(request.user).is_admin,
    }
    return render(request, "analytics/team.html", context)


@role_required(ADMIN, SUPERVISOR, CADRE)
def chain(request, pk):
    """A chain's dashboard for its chief: coverage, requests by category and its common problems,
    from the chain's snapshot rows (computed on demand when the slot is not stored)."""
    chain = get_visible_or_404(IndustryChain.objects.select_related("chief__unit"), request.user, pk=pk)
    window = _window(request)
    today = timezone.localdate()
    figures = windows.one(window.period, metrics.Scope(metrics.CHAIN, chain.code), None, today)
    members = chain.enterprises.select_related("town").order_by("name")
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    facts = metrics.enterprise_visits(window.period, [e.pk for e in page.object_list])
    rows = [(e, *facts.get(e.pk, (0, None)), e.pk in facts) for e in page.object_list]
    in_chain = Request.objects.filter(enterprise__chains=chain).values("pk")
    problems = (
        ProblemCluster.objects.visible_to(request.user)
        .filter(pk__in=ProblemCluster.objects.filter(members__request__in=in_chain).values("pk"))
        .select_related("category")
        .order_by("-size", "pk")[:10]
    )
    context = {
        "chain": chain,
        "window": window,
        "choices": CHOICES,
        "cards": _cards(figures),
        "categories": _categories(figures),
        "page_obj": page,
        "rows": rows,
        "problems": problems,
        "teams": chain.teams.filter(active=True).order_by("code"),
    }
    return render(request, "analytics/chain.html", context)
