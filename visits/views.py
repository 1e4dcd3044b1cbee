import json

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from cadres.models import Assignment, Cadre
from enterprises.models import Enterprise
from groups import selectors as group_selectors
from qiqing import programme, scope
from qiqing.access import ADMIN, CADRE, CONTACT, HANDLER, SUPERVISOR, access_for
from qiqing.charts import chart_payload
from qiqing.permissions import get_visible_or_404, role_required
from qiqing.xlsx import Sheet, xlsx_response
from requests_tracker.models import Request
from visits import selectors
from visits.charts import survey_figures
from visits.filters import VisitFilter
from visits.forms import (
    PROBLEM_PREFIX,
    ProblemFormSet,
    VisitCorrectForm,
    VisitLogForm,
    cadre_label,
    enterprise_label,
)
from visits.models import Visit, VisitPhoto
from visits.photos import LONG_SIDE, MAX_PHOTOS
from visits.rhythm import LABELS as RHYTHM_LABELS
from visits.rhythm import current_rhythm
from visits.services import (
    CHOICE_FIELDS,
    CORRECTION_WINDOW,
    DuplicateVisit,
    can_correct,
    enterprise_locate,
    visit_correct,
    visit_log,
    window_closed_message,
)
from visits.sync import visit_sync

STAFF_OR_CADRE = (ADMIN, SUPERVISOR, CADRE)


def _apply_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal next to the field it names (or on top of the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@role_required(CADRE)
def my_enterprises(request):
    rows = selectors.my_enterprises(request.user)
    return render(
        request,
        "visits/my_enterprises.html",
        {"rows": rows, "rhythm": RHYTHM_LABELS[current_rhythm()], **_offline_context()},
    )


def _log_initial(request) -> dict:
    """?enterprise=<pk> (the 登记走访 button on a card or a file) preselects that enterprise."""
    initial = {"date": timezone.localdate()}
    pk = request.GET.get("enterprise")
    if not pk:
        return initial
    enterprise = get_visible_or_404(Enterprise, request.user, pk=pk if pk.isdigit() else 0)
    if not enterprise.active:
        return initial
    if not access_for(request.user).is_staff_reader:
        initial["enterprise"] = enterprise.pk
        return initial
    initial["enterprise"] = enterprise_label(enterprise)
    lead = (
        Assignment.objects.active()
        .filter(enterprise=enterprise)
        .select_related("cadre__unit")
        .order_by("-is_lead", "start")
        .first()
    )
    if lead:
        initial["cadre"] = cadre_label(lead.cadre)
    return initial


@role_required(*STAFF_OR_CADRE)
def visit_log_view(request):
    data = request.POST if request.method == "POST" else None
    form = VisitLogForm(data, actor=request.user, initial=_log_initial(request))
    problems = ProblemFormSet(data, prefix=PROBLEM_PREFIX)
    if data is not None and form.is_valid() and problems.is_valid():
        try:
            visit = visit_log(
                actor=request.user,
                problems=problems.problems(),
                photos=request.FILES.getlist("photos"),
                **form.service_kwargs(),
            )
        except DuplicateVisit as exc:
            form.ask_duplicate_confirmation(exc.existing)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _logged_message(len(problems.problems())))
            return redirect("visits:enterprise_file", pk=visit.enterprise_id)
    return render(request, "visits/visit_form.html", _form_context(request, form, problems))


def _form_context(request, form, problems) -> dict:
    access = access_for(request.user)
    return {
        "form": form,
        "problems": problems,
        # The "route to my team" box: for a cadre in a team, and for staff logging for a cadre.
        "has_team": access.is_staff_reader or group_selectors.cadre_teams(access.cadre_id).exists(),
        "checkin_enabled": programme.value("checkin_enabled"),
        **_offline_context(),
    }


def _offline_context() -> dict:
    """What static/js/visits-offline.js shows (in the reader's language) and its limits."""
    strings = {
        "pending": _("待同步"),
        "sending": _("正在同步"),
        "refused": _("被退回"),
        "conflict": _("内容冲突"),
        "login": _("需重新登录"),
        "unnamed": _("（未选企业）"),
        "photos": _("照片 %(n)s 张"),
        "checked_in": _("已定位"),
        "confirm": _("确认仍要登记"),
        "fix": _("修改"),
        "send_now": _("立即发送"),
        "discard": _("放弃"),
        "discard_confirm": _("放弃后这条走访将从手机上删除，不能恢复。确定放弃吗？"),
        "need_login": _("登录已过期：请重新登录，待同步的走访仍保存在手机上。"),
        "synced": _("已同步 %(n)s 条走访。"),
        "sending_now": _("正在发送……"),
        "kept_offline": _("没有网络：走访已保存在本机，显示为“待同步”，联网后自动发送。"),
        "refused_note": _("走访被退回，请查看原因，修改后重新提交或放弃。"),
        "storage_failed": _("无法在本机保存走访（浏览器存储不可用），请联网后再提交。"),
        "photo_alt": _("照片 %(n)s"),
        "remove_photo": _("删除这张照片"),
        "photo_count": _("%(n)s / %(max)s 张"),
        "too_many": _("每次走访最多 %(max)s 张照片，多出的未加入。"),
        "not_image": _("“%(name)s”不是照片，未加入。"),
        "need_enterprise": _("企业：请选择企业。"),
        "need_summary": _("走访情况：请填写走访情况。"),
        "need_date": _("走访日期：请填写走访日期。"),
        "future_date": _("走访日期：不能晚于今天。"),
    }
    return {"offline_strings": strings, "max_photos": MAX_PHOTOS, "photo_side": LONG_SIDE}


@require_POST
@role_required(*STAFF_OR_CADRE)
def visit_sync_view(request):
    """A visit from the phone's queue (JSON answer; see visits/sync.py for what each status means)."""
    answer = visit_sync(actor=request.user, data=request.POST, files=request.FILES)
    if answer.status == 201 and request.POST.get("foreground"):
        # The cadre is waiting on the form: the enterprise file they land on says it is in.
        messages.success(request, _logged_message(answer.body["problems"]))
    return JsonResponse(answer.body, status=answer.status)


def _logged_message(raised: int) -> str:
    if raised:
        return _("已登记走访，并提交 %(n)s 件诉求。") % {"n": raised}
    return _("已登记走访。")


@require_GET
@role_required(*STAFF_OR_CADRE)
def sync_token(request):
    """A fresh CSRF token for the queue: the form the phone keeps offline may hold an old one."""
    response = JsonResponse({"token": get_token(request), "user": request.user.username})
    response["Cache-Control"] = "no-store"
    return response


OFFLINE_PAGES = ("visits:my_enterprises", "visits:log")
OFFLINE_ASSETS = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "css/app.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "js/app.js",
    "js/visits.js",
    "js/visits-offline.js",
    "pwa/manifest.webmanifest",
    "pwa/icon-192.png",
    "pwa/icon-512.png",
)
SERVICE_WORKER = "js/visits-sw.js"


@require_safe
def service_worker(request):
    """The service worker from static/, at /visits/ so that it may control the visit pages.

    Public like a static file (it holds only asset URLs): the browser fetches it for update
    checks whether or not the session is still alive."""
    path = finders.find(SERVICE_WORKER)
    if path:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    else:
        with staticfiles_storage.open(SERVICE_WORKER) as handle:
            source = handle.read().decode()
    precache = {
        "pages": [reverse(name) for name in OFFLINE_PAGES],
        "assets": [static(asset) for asset in OFFLINE_ASSETS],
        "offline": _("没有网络：这个页面没有离线副本。离线时可以打开“我的企业”和“走访登记”。"),
    }
    response = HttpResponse(
        f"const QQ_PRECACHE = {json.dumps(precache, ensure_ascii=False)};\n{source}",
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = reverse("visits:index")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
@role_required(*STAFF_OR_CADRE)
def lookup(request):
    """Suggestions for the enterprise and cadre inputs of the visit form (datalist, JSON)."""
    term = request.GET.get("q", "").strip()
    kind = request.GET.get("kind")
    results = []
    if len(term) >= 1 and kind == "enterprise":
        enterprises = (
            Enterprise.objects.visible_to(request.user)
            .active()
            .filter(Q(name__icontains=term) | Q(uscc__istartswith=term))
            .order_by("name")[:20]
        )
        leads = {}
        for a in (
            Assignment.objects.active()
            .filter(enterprise__in=[e.pk for e in enterprises])
            .select_related("cadre__unit")
            .order_by("-is_lead", "start")
        ):
            leads.setdefault(a.enterprise_id, cadre_label(a.cadre))
        results = [{"value": enterprise_label(e), "cadre": leads.get(e.pk, "")} for e in enterprises]
    elif len(term) >= 1 and kind == "cadre":
        # Names and units only: who may be picked as a participant is any cadre on duty.
        cadres = (
            Cadre.objects.active()
            .filter(Q(name__icontains=term) | Q(code__iexact=term))
            .select_related("unit")
            .order_by("name", "code")[:20]
        )
        results = [{"value": cadre_label(c), "id": c.pk, "name": c.name} for c in cadres]
    return JsonResponse({"results": results})


@role_required(*STAFF_OR_CADRE)
def visit_detail(request, pk):
    visit = get_visible_or_404(_visit_queryset(), request.user, pk=pk)
    form = VisitCorrectForm(visit=visit) if can_correct(request.user, visit) else None
    return _render_detail(request, visit, form)


@require_POST
@role_required(*STAFF_OR_CADRE)
def visit_correct_view(request, pk):
    visit = get_visible_or_404(_visit_queryset(), request.user, pk=pk)
    if not can_correct(request.user, visit):
        raise PermissionDenied(window_closed_message())
    form = VisitCorrectForm(request.POST, visit=visit)
    if form.is_valid():
        try:
            revision = visit_correct(actor=request.user, visit=visit, **form.service_kwargs())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已更正走访记录。") if revision else _("内容没有变化，未作更正。"))
            return redirect("visits:detail", pk=visit.pk)
    return _render_detail(request, visit, form, status=200)


@role_required(*STAFF_OR_CADRE)
def visit_photo(request, pk, photo_pk, size="full"):
    """A visit photo (or its thumbnail), only to those who may read the visit: others get 404."""
    photo = get_visible_or_404(VisitPhoto, request.user, pk=photo_pk, visit_id=pk)
    stored = photo.thumbnail if size == "thumb" else photo.file
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_POST
@role_required(ADMIN)
def enterprise_locate_view(request, pk):
    """An admin takes a visit's check-in as the enterprise's position (it had none yet)."""
    visit = get_visible_or_404(_visit_queryset(), request.user, pk=pk)
    try:
        enterprise_locate(actor=request.user, visit=visit)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("已将本次签到位置设为“%(name)s”的企业位置。") % {"name": visit.enterprise.name}
        )
    return redirect("visits:detail", pk=visit.pk)


def _visit_queryset():
    return Visit.objects.select_related("enterprise__town", "cadre__unit", "created_by")


def _render_detail(request, visit, form, status=200):
    context = {
        "visit": visit,
        "form": form,
        "deadline": visit.created_at + CORRECTION_WINDOW,
        "participants": visit.participants.select_related("unit"),
        "raised": Request.objects.visible_to(request.user).filter(visit=visit).select_related("category"),
        "revisions": visit.revisions.select_related("actor"),
        "photos": list(visit.photos.order_by("pk")),
        "can_locate": access_for(request.user).is_admin
        and visit.checked_in
        and visit.enterprise.latitude is None,
        "choice_fields": CHOICE_FIELDS,
        "manages": access_for(request.user).is_staff_reader,
        "window_days": CORRECTION_WINDOW.days,
    }
    return render(request, "visits/visit_detail.html", context, status=status)


@role_required(ADMIN, SUPERVISOR, CADRE, HANDLER, CONTACT)
def enterprise_file(request, pk):
    enterprise = get_visible_or_404(selectors.file_enterprises(), request.user, pk=pk)
    context = selectors.enterprise_file(request.user, enterprise, page=request.GET.get("page"))
    if "series" in context:
        figures = survey_figures(context["series"])
        context["charts"] = {key: chart_payload(fig, height=220) for key, fig in figures.items()}
    return render(request, "visits/enterprise_file.html", context)


@role_required(CONTACT)
def my_file(request):
    """The enterprise contact's own file (their menu entry 企业档案)."""
    return redirect("visits:enterprise_file", pk=scope.own_enterprise_id(request.user))


@role_required(*STAFF_OR_CADRE)
def visit_list(request):
    visit_filter = VisitFilter(request.GET, queryset=selectors.visit_list_queryset(request.user))
    page = Paginator(visit_filter.qs, 50).get_page(request.GET.get("page"))
    export_query = request.GET.copy()
    export_query.pop("page", None)
    return render(
        request,
        "visits/visit_list.html",
        {
            "filter": visit_filter,
            "page_obj": page,
            "export_query": export_query.urlencode(),
            "can_export": access_for(request.user).is_staff_reader,
        },
    )


@role_required(ADMIN, SUPERVISOR)
def visit_export(request):
    visit_filter = VisitFilter(request.GET, queryset=selectors.visit_list_queryset(request.user))
    total = visit_filter.qs.count()
    if total > selectors.EXPORT_MAX_ROWS:
        messages.warning(
            request,
            _(
                "筛选结果共 %(total)s 条，超过单次导出上限 %(limit)s 条，请缩小走访日期范围或增加筛选条件后再导出。"
            )
            % {"total": total, "limit": selectors.EXPORT_MAX_ROWS},
        )
        return redirect(f"{reverse('visits:list')}?{request.GET.urlencode()}")
    sheet = Sheet(
        title=_("走访记录"),
        headers=selectors.EXPORT_HEADERS,
        rows=selectors.export_rows(visit_filter.qs),
        widths=selectors.EXPORT_WIDTHS,
    )
    return xlsx_response(_("走访记录_%(day)s.xlsx") % {"day": f"{timezone.localdate():%Y%m%d}"}, [sheet])
