"""Trust pages: the callback list (回访), spot-check draws (抽查), appeals (申诉). Thin views."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qiqing.access import ADMIN, HANDLER, SUPERVISOR
from qiqing.permissions import get_visible_or_404, role_required
from qiqing.xlsx import Sheet, xlsx_response
from requests_tracker import lifecycle, services
from requests_tracker.models import Request
from requests_tracker.trust import forms as f
from requests_tracker.trust import selectors
from requests_tracker.trust.filters import AppealFilter, CallbackFilter
from requests_tracker.trust.models import Callback, RatingAppeal
from requests_tracker.views import _errors_to_form


def _page(request, queryset, per_page=50):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


# --- callbacks ---------------------------------------------------------------------------
def _callback_sheet(queryset) -> Sheet:
    rows = (
        (
            c.request.ref,
            c.request.enterprise.name,
            c.town.name,
            c.unit.name if c.unit else "",
            c.get_reason_display(),
            c.created_at,
            c.due,
            c.get_status_display(),
            c.attempts,
            c.get_result_display() if c.result else "",
            c.get_verdict_display() if c.verdict else "",
            _("是") if c.false_closure else "",
            c.note,
            c.done_at,
        )
        for c in queryset.iterator(chunk_size=500)
    )
    headers = [
        _("诉求编号"),
        _("企业"),
        _("属地"),
        _("承办单位"),
        _("回访原因"),
        _("生成时间"),
        _("回访期限"),
        _("状态"),
        _("未接通次数"),
        _("回访情况"),
        _("企业意见"),
        _("不实办结"),
        _("回访记录"),
        _("回访时间"),
    ]
    return Sheet(_("回访任务"), headers, rows)


@role_required(ADMIN, SUPERVISOR)
def callback_list(request):
    callback_filter = CallbackFilter(request.GET, queryset=selectors.callbacks_for(request.user))
    if request.GET.get("export") == "xlsx":
        name = _("回访任务_%(day)s.xlsx") % {"day": f"{timezone.localdate():%Y%m%d}"}
        return xlsx_response(name, [_callback_sheet(callback_filter.qs)])
    page = _page(request, callback_filter.qs)
    query = request.GET.copy()
    query.pop("page", None)
    query["export"] = "xlsx"
    return render(
        request,
        "requests_tracker/trust/callback_list.html",
        {"filter": callback_filter, "page_obj": page, "export_query": query.urlencode()},
    )


def _callback_context(request, callback, form=None) -> dict:
    may_record = callback.status == Callback.Status.PENDING and lifecycle.SUPERVISOR in lifecycle.parties_of(
        request.user, callback.request
    )
    if may_record and form is None:
        form = f.CallbackRecordForm(initial={"version": callback.version})
    return {"callback": callback, "form": form if may_record else None}


@role_required(ADMIN, SUPERVISOR)
def callback_detail(request, pk):
    callback = get_visible_or_404(
        Callback.objects.select_related(*selectors.CALLBACK_RELATED), request.user, pk=pk
    )
    return render(
        request, "requests_tracker/trust/callback_detail.html", _callback_context(request, callback)
    )


@role_required(SUPERVISOR)
@require_POST
def callback_record(request, pk):
    callback = get_visible_or_404(Callback, request.user, pk=pk)
    form = f.CallbackRecordForm(request.POST)
    if form.is_valid():
        try:
            done = services.callback_record(actor=request.user, callback=callback, **form.cleaned_data)
        except services.StaleRequest as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("requests_tracker:callback", callback.pk)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            if done.false_closure:
                messages.warning(request, _("已登记：企业确认未解决，诉求已重新交办原单位，并记为不实办结。"))
            elif done.status == Callback.Status.PENDING:
                messages.info(request, _("已登记第 %(n)s 次未接通，请稍后再次回访。") % {"n": done.attempts})
            else:
                messages.success(request, _("回访结果已登记。"))
            return redirect("requests_tracker:callbacks")
    context = _callback_context(request, callback, form)
    return render(request, "requests_tracker/trust/callback_detail.html", context, status=400)


# --- spot checks -------------------------------------------------------------------------
@role_required(ADMIN, SUPERVISOR)
def spotcheck_list(request):
    return render(
        request, "requests_tracker/trust/spotcheck_list.html", {"draws": selectors.draws_with_audit()}
    )


# --- appeals -----------------------------------------------------------------------------
def _form_problems(request, form) -> None:
    """A one-line form on a list page: its errors become one message naming each field."""
    problems = [f"{form.fields[name].label}：{' '.join(errors)}" for name, errors in form.errors.items()]
    messages.error(request, "；".join(problems))


def _attempt(request, call, success) -> None:
    """Run a service; its refusal or ``success(result)`` becomes the page's message."""
    try:
        result = call()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success(result))


@role_required(ADMIN, SUPERVISOR, HANDLER)
def appeal_list(request):
    appeal_filter = AppealFilter(request.GET, queryset=selectors.appeals_for(request.user))
    page = _page(request, appeal_filter.qs)
    for appeal in page:
        appeal.may_decide = appeal.status == RatingAppeal.Status.PENDING and (
            lifecycle.SUPERVISOR in lifecycle.parties_of(request.user, appeal.request)
        )
    return render(
        request,
        "requests_tracker/trust/appeal_list.html",
        {"filter": appeal_filter, "page_obj": page, "decide_form": f.AppealDecideForm()},
    )


@role_required(HANDLER)
@require_POST
def appeal_submit(request, pk):
    obj = get_visible_or_404(Request, request.user, pk=pk)
    form = f.AppealForm(request.POST)
    if form.is_valid():
        _attempt(
            request,
            lambda: services.appeal_submit(
                actor=request.user, request=obj, reason=form.cleaned_data["reason"]
            ),
            lambda _appeal: _("申诉已提交，等待服务企业办复核。"),
        )
    else:
        _form_problems(request, form)
    return redirect("requests_tracker:detail", obj.pk)


@role_required(SUPERVISOR)
@require_POST
def appeal_decide(request, pk):
    appeal = get_visible_or_404(RatingAppeal, request.user, pk=pk)
    form = f.AppealDecideForm(request.POST)
    if form.is_valid():
        _attempt(
            request,
            lambda: services.appeal_decide(actor=request.user, appeal=appeal, **form.cleaned_data),
            lambda decided: _("复核完成：%(label)s。") % {"label": decided.get_status_display()},
        )
    else:
        _form_problems(request, form)
    return redirect("requests_tracker:appeals")
