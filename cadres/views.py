"""Cadre pages and the admin tools for pairs (联系关系管理) and ledgers (台账导入导出)."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cadres import rules, services
from cadres.filters import (
    AttentionFilter,
    CadreFilter,
    CadrePickFilter,
    EnterprisePickFilter,
    UnassignedEnterpriseFilter,
)
from cadres.forms import (
    AcceptSuggestionsForm,
    AddCadreForm,
    AddEnterprisesForm,
    EndAssignmentForm,
    LedgerUploadForm,
    TransferForm,
)
from cadres.models import Assignment, Cadre
from cadres.selectors import (
    cadre_assignments,
    cadre_candidates,
    cadres_needing_attention,
    cadres_over_limit,
    changes_for_cadre,
    changes_for_enterprise,
    enterprise_assignments,
    enterprise_candidates,
    enterprises_without_liaison,
    suggest_pairs,
)
from cadres.tasks import JOB_KIND
from enterprises.models import Enterprise
from qiqing import jobs, ledger
from qiqing.access import ADMIN, CADRE, SUPERVISOR, access_for
from qiqing.models import BackgroundJob
from qiqing.permissions import get_visible_or_404, role_required

PICK_PAGE = 30
CHANGES_SHOWN = 50


def pick_data(query, cadre):
    """The enterprise picker's filter: what the admin chose, or — on arrival, and on the pages of
    that first list — the enterprises of the cadre's town that have no liaison cadre yet.

    Only the filter's own fields count as a choice: ``?page=2`` of the default list is still the
    default list (choosing 全部 sends ``town=`` and so widens it on purpose).
    """
    if any(name in query for name in EnterprisePickFilter.base_filters):
        return query
    data = query.copy()
    data.update({"town": cadre.unit.town_id or "", "liaison": "none"})
    return data


def _limits():
    return {"max_pairs": rules.limit(), "min_pairs": rules.minimum()}


def _under(cadre, count: int) -> str:
    return rules.short_message(cadre.name, count)


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _require_admin(request):
    if not access_for(request.user).is_admin:
        raise PermissionDenied(_("只有系统管理员可以调整联系关系。"))


def _back(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- cadres -----------------------------------------------------------------------------------
@role_required(ADMIN, SUPERVISOR)
def cadre_list(request):
    base = (
        Cadre.objects.visible_to(request.user)
        .with_active_count()
        .select_related("unit__town")
        .order_by("unit__code", "code")
    )
    cadre_filter = CadreFilter(request.GET, queryset=base)
    page = Paginator(cadre_filter.qs, 50).get_page(request.GET.get("page"))
    return render(request, "cadres/cadre_list.html", {"filter": cadre_filter, "page_obj": page})


@role_required(ADMIN, SUPERVISOR, CADRE)
def cadre_detail(request, pk):
    cadre = get_visible_or_404(Cadre.objects.select_related("unit__town"), request.user, pk=pk)
    changes = None
    if access_for(request.user).is_staff_reader:
        changes = changes_for_cadre(cadre)[:CHANGES_SHOWN]
    return render(
        request,
        "cadres/cadre_detail.html",
        {"cadre": cadre, "assignments": cadre_assignments(cadre), "changes": changes},
    )


@role_required(ADMIN, SUPERVISOR)
def attention(request):
    cadre_filter = AttentionFilter(request.GET, queryset=cadres_needing_attention(request.user))
    enterprise_filter = UnassignedEnterpriseFilter(
        request.GET, queryset=enterprises_without_liaison(request.user)
    )
    over_filter = AttentionFilter(request.GET, queryset=cadres_over_limit(request.user))
    return render(
        request,
        "cadres/attention.html",
        {
            "filter": cadre_filter,
            "cadres": cadre_filter.qs[:500],
            "cadre_total": cadre_filter.qs.count(),
            "over": over_filter.qs[:100],
            "enterprises": enterprise_filter.qs[:500],
            "enterprise_total": enterprise_filter.qs.count(),
            **_limits(),
        },
    )


# --- pairs of one cadre -------------------------------------------------------------------------
@role_required(ADMIN, SUPERVISOR)
def cadre_pairs(request, pk):
    cadre = get_visible_or_404(Cadre.objects.select_related("unit__town"), request.user, pk=pk)
    assignments = list(cadre_assignments(cadre))
    active = [a for a in assignments if a.end is None]
    context = {
        "cadre": cadre,
        "active": active,
        "history": [a for a in assignments if a.end is not None],
        "changes": changes_for_cadre(cadre)[:CHANGES_SHOWN],
        "end_form": EndAssignmentForm(),
        **_limits(),
    }
    if access_for(request.user).is_admin and cadre.active:
        room = max(rules.limit() - len(active), 0)
        context.update(room=room, full_message=rules.full_message() if not room else "")
        if room:
            pick = EnterprisePickFilter(
                pick_data(request.GET, cadre), queryset=enterprise_candidates(request.user, cadre)
            )
            context.update(
                pick=pick,
                filter=pick,
                candidates=Paginator(pick.qs, PICK_PAGE).get_page(request.GET.get("page")),
                add_form=AddEnterprisesForm(),
            )
    return render(request, "cadres/cadre_pairs.html", context)


@require_POST
@role_required(ADMIN, SUPERVISOR)
def cadre_pairs_add(request, pk):
    cadre = get_visible_or_404(Cadre, request.user, pk=pk)
    _require_admin(request)
    form = AddEnterprisesForm(request.POST, candidates=enterprise_candidates(request.user, cadre))
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("cadres:pairs", pk=cadre.pk)
    try:
        created = services.assignments_add(
            actor=request.user,
            cadre=cadre,
            enterprises=form.cleaned_data["enterprises"],
            start=form.cleaned_data["start"],
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(
            request, _("已为 %(cadre)s 新增 %(n)d 家联系企业。") % {"cadre": cadre.name, "n": len(created)}
        )
    return redirect("cadres:pairs", pk=cadre.pk)


# --- pairs of one enterprise --------------------------------------------------------------------
@role_required(ADMIN, SUPERVISOR)
def enterprise_pairs(request, pk):
    enterprise = get_visible_or_404(Enterprise.objects.select_related("town"), request.user, pk=pk)
    assignments = list(enterprise_assignments(enterprise))
    context = {
        "enterprise": enterprise,
        "active": [a for a in assignments if a.end is None],
        "history": [a for a in assignments if a.end is not None],
        "changes": changes_for_enterprise(enterprise)[:CHANGES_SHOWN],
        "end_form": EndAssignmentForm(),
        **_limits(),
    }
    if access_for(request.user).is_admin and enterprise.active:
        data = request.GET or {"town": enterprise.town_id}
        pick = CadrePickFilter(data, queryset=cadre_candidates(request.user, enterprise))
        context.update(
            filter=pick,
            candidates=Paginator(pick.qs, PICK_PAGE).get_page(request.GET.get("page")),
            add_form=AddCadreForm(),
        )
    return render(request, "cadres/enterprise_pairs.html", context)


@require_POST
@role_required(ADMIN, SUPERVISOR)
def enterprise_pairs_add(request, pk):
    enterprise = get_visible_or_404(Enterprise, request.user, pk=pk)
    _require_admin(request)
    form = AddCadreForm(request.POST, candidates=cadre_candidates(request.user, enterprise))
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("cadres:enterprise_pairs", pk=enterprise.pk)
    cadre = form.cleaned_data["cadre"]
    try:
        services.assignment_create(
            actor=request.user,
            cadre=cadre,
            enterprise=enterprise,
            start=form.cleaned_data["start"],
            is_lead=not enterprise.assignments.active().filter(is_lead=True).exists(),
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(
            request,
            _("已安排 %(cadre)s 联系 %(enterprise)s。")
            % {"cadre": cadre.name, "enterprise": enterprise.name},
        )
    return redirect("cadres:enterprise_pairs", pk=enterprise.pk)


@require_POST
@role_required(ADMIN, SUPERVISOR)
def assignment_end(request, pk):
    assignment = get_object_or_404(
        Assignment.objects.visible_to(request.user).select_related("cadre", "enterprise"), pk=pk
    )
    _require_admin(request)
    back = _back(request, reverse("cadres:pairs", args=[assignment.cadre_id]))
    form = EndAssignmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写有效的结束日期。"))
        return redirect(back)
    try:
        services.assignment_end(actor=request.user, assignment=assignment, end=form.cleaned_data["end"])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(
            request,
            _("已结束 %(cadre)s 与 %(enterprise)s 的联系关系。")
            % {"cadre": assignment.cadre.name, "enterprise": assignment.enterprise.name},
        )
        remaining = assignment.cadre.active_assignment_count()
        if assignment.cadre.active and rules.is_short(remaining):
            messages.warning(request, _under(assignment.cadre, remaining))
    return redirect(back)


# --- transfer -------------------------------------------------------------------------------------
@role_required(ADMIN)
def transfer(request):
    """Move a set of enterprises from one cadre to another: pick the cadres, tick, confirm."""
    visible = Cadre.objects.visible_to(request.user).select_related("unit__town")
    source = _cadre_param(visible, request.GET.get("from") or request.POST.get("from"))
    target = _cadre_param(visible.active(), request.GET.get("to"))
    context = {"source": source, "target": target, **_limits()}
    if source is None or target is None:
        pool = visible.active().with_active_count()
        if source is not None:
            pool = pool.exclude(pk=source.pk)
        pick = CadrePickFilter(request.GET, queryset=pool.order_by("active_count", "code"))
        context.update(
            filter=pick, candidates=Paginator(pick.qs, PICK_PAGE).get_page(request.GET.get("page"))
        )
    if source is None:
        return render(request, "cadres/transfer.html", context)
    held = Enterprise.objects.filter(assignments__cadre=source, assignments__end__isnull=True).select_related(
        "town"
    )
    form = TransferForm(request.POST or None, held=held, targets=visible.active())
    if request.method == "POST" and form.is_valid():
        to_cadre = form.cleaned_data["to_cadre"]
        try:
            moved = services.assignments_transfer(
                actor=request.user,
                from_cadre=source,
                to_cadre=to_cadre,
                enterprises=form.cleaned_data["enterprises"],
                on=form.cleaned_data["on"],
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(
                request,
                _("已将 %(n)d 家企业从 %(source)s 移交给 %(target)s。")
                % {"n": len(moved), "source": source.name, "target": to_cadre.name},
            )
            left = source.active_assignment_count()
            if source.active and left and rules.is_short(left):
                messages.warning(request, _under(source, left))
            return redirect("cadres:pairs", pk=to_cadre.pk)
    elif request.method == "POST":
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    context.update(
        form=form,
        held=list(held.order_by("town__order", "name")),
        source_count=source.active_assignment_count(),
        target_count=target.active_assignment_count() if target else None,
    )
    return render(request, "cadres/transfer.html", context)


def _cadre_param(queryset, value):
    if not value:
        return None
    try:
        return queryset.get(pk=int(value))
    except (ValueError, Cadre.DoesNotExist):
        raise Http404(_("没有这名干部。")) from None


# --- auto-suggest ----------------------------------------------------------------------------------
@role_required(ADMIN)
def suggestions(request):
    scope = AttentionFilter(request.GET, queryset=Cadre.objects.none())
    town = unit = None
    if scope.is_valid():
        town, unit = scope.form.cleaned_data.get("town"), scope.form.cleaned_data.get("unit")
    run = suggest_pairs(request.user, town=town, unit=unit)
    form = AcceptSuggestionsForm()
    return render(
        request,
        "cadres/suggestions.html",
        {"filter": scope, "run": run, "form": form, "query": request.GET.urlencode(), **_limits()},
    )


@require_POST
@role_required(ADMIN)
def suggestions_accept(request):
    values = request.POST.getlist("pairs")
    form = AcceptSuggestionsForm(request.POST, choices=[(v, v) for v in values if v.count(":") == 1])
    back = reverse("cadres:suggestions") + ("?" + request.POST["query"] if request.POST.get("query") else "")
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    try:
        ids = form.cleaned_pairs()
    except ValueError:
        raise Http404(_("建议格式有误。")) from None
    cadres = Cadre.objects.visible_to(request.user).in_bulk({c for c, _ in ids})
    enterprises = Enterprise.objects.visible_to(request.user).in_bulk({e for _, e in ids})
    if len(cadres) != len({c for c, _ in ids}) or len(enterprises) != len({e for _, e in ids}):
        raise Http404(_("建议中的干部或企业不存在。"))
    try:
        created = services.assignments_accept_suggestions(
            actor=request.user,
            pairs=[(cadres[c], enterprises[e]) for c, e in ids],
            start=form.cleaned_data["start"],
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("已采纳 %(n)d 条建议。") % {"n": len(created)})
    return redirect(back)


# --- ledgers ----------------------------------------------------------------------------------------
def _ledger_jobs(user):
    return BackgroundJob.objects.visible_to(user).filter(kind=JOB_KIND).select_related("created_by")


@role_required(ADMIN)
def ledger_home(request):
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = _start_import(request, form)
        return redirect("job", pk=job.pk)
    return render(
        request,
        "cadres/ledger.html",
        {"form": form, "kinds": ledger.kinds(), "jobs": _ledger_jobs(request.user)[:10]},
    )


def _start_import(request, form) -> BackgroundJob:
    upload = form.cleaned_data["file"]
    kind = ledger.get_kind(form.cleaned_data["kind"])
    suffix = Path(upload.name).suffix.lower()
    path = default_storage.save(f"ledger/uploads/{uuid.uuid4().hex}{suffix}", upload)
    dry_run = form.cleaned_data["dry_run"]
    title = _("校验%(kind)s台账：%(file)s") if dry_run else _("导入%(kind)s台账：%(file)s")
    with transaction.atomic():
        return jobs.start(
            JOB_KIND,
            actor=request.user,
            title=title % {"kind": kind.title, "file": upload.name},
            params={"kind": kind.name, "path": path, "file_name": upload.name, "dry_run": dry_run},
            message=_("排队中，等待后台处理…"),
        )


def _file_response(write, filename: str, fmt: str) -> FileResponse:
    # Spooled to disk past a few MB, so a 100,000-row export never sits in memory whole.
    buffer = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    write(buffer, fmt)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=filename)


@role_required(ADMIN)
def ledger_template(request, kind, fmt):
    found = _kind_or_404(kind)
    return _file_response(
        lambda target, f: ledger.write_template(found.name, target, f),
        _("%(title)s台账模板.%(fmt)s") % {"title": found.title, "fmt": fmt},
        fmt,
    )


@role_required(ADMIN)
def ledger_export(request, kind, fmt):
    found = _kind_or_404(kind)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return _file_response(
        lambda target, f: ledger.export_ledger(found.name, target, f),
        _("%(title)s台账-%(day)s.%(fmt)s") % {"title": found.title, "day": stamp, "fmt": fmt},
        fmt,
    )


def _kind_or_404(name):
    try:
        return ledger.get_kind(name)
    except ledger.LedgerFileError:
        raise Http404(_("没有这种台账。")) from None
