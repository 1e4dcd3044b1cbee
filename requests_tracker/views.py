"""Request pages: thin views — scoped fetch → form → service → message → redirect."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enterprises.models import EnterpriseContact, Town
from qiqing import jobs, links, programme, scope
from qiqing.access import ADMIN, CADRE, CONTACT, HANDLER, SUPERVISOR, access_for
from qiqing.navigation import home_url_name
from qiqing.permissions import get_visible_or_404, role_required
from requests_tracker import forms as f
from requests_tracker import lifecycle, reference, selectors, services
from requests_tracker.dispatch.selectors import Catalogue
from requests_tracker.filters import InboxFilter, NoticeFilter, PortalFilter, RequestFilter, TriageFilter
from requests_tracker.models import (
    ExtensionRequest,
    Request,
    RequestAttachment,
    SupervisionNotice,
    WorkdayOverride,
)
from requests_tracker.services import calendar as calendar_services
from requests_tracker.tasks import DISPATCH_BATCH
from requests_tracker.trust import selectors as trust_selectors
from requests_tracker.workdays import WorkCalendar

ANY_ROLE = (ADMIN, SUPERVISOR, HANDLER, CADRE, CONTACT)
RATING_SALT = "qiqing.requests.rating-link"


def _page(request, queryset, per_page=50, *, queue=False, references=False):
    """One page of a list, in two steps: the page's ids in the list's order (a narrow sort), then
    those rows with their joins and annotations. Sorting the full rows made PostgreSQL join and
    carry every matching request's enterprise, town, category and unit through the sort — the
    handler inbox's 818 open requests at scale 50 took 17 ms for a page, its ids 4 ms.

    A work queue (``queue=True``: the inbox, the triage desk) is bounded by what one unit or one
    desk has open, so its ids are read whole in one query and counted in Python: the count and
    the page's ids each filtered the same rows (4 ms each for the inbox at scale 50).

    Request lists (``references=True``) join only the enterprise; the town, category and lead
    unit come from the per-process reference tables (``requests_tracker.reference``)."""
    ids_query = queryset.values_list("pk", flat=True)
    page = Paginator(list(ids_query) if queue else ids_query, per_page).get_page(request.GET.get("page"))
    ids = list(page.object_list)
    rows = {obj.pk: obj for obj in queryset.filter(pk__in=ids).order_by()} if ids else {}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    if references:
        reference.attach(page.object_list)
    return page


# --- lists -------------------------------------------------------------------------------
@role_required(*ANY_ROLE)
def request_list(request):
    base = Request.objects.visible_to(request.user).select_related(*selectors.LIST_JOINED)
    request_filter = RequestFilter(request.GET, queryset=base)
    page = _page(request, request_filter.qs, references=True)
    return render(request, "requests_tracker/request_list.html", {"filter": request_filter, "page_obj": page})


@role_required(CONTACT)
def portal(request):
    """The enterprise contact's landing page: every request of their enterprise."""
    portal_filter = PortalFilter(request.GET, queryset=selectors.portal_requests(request.user))
    page = _page(request, portal_filter.qs, 20)
    contact = EnterpriseContact.objects.select_related("enterprise").filter(user=request.user).first()
    return render(
        request,
        "requests_tracker/portal.html",
        {
            "filter": portal_filter,
            "page_obj": page,
            "enterprise": contact.enterprise if contact else None,
            # The public board (analytics) opens to contacts when the programme says so.
            "board_open": programme.value("board_for_contacts"),
        },
    )


@role_required(CONTACT)
def portal_submit(request):
    contact = get_object_or_404(
        EnterpriseContact.objects.select_related("enterprise"),
        user=request.user,
        enterprise_id=scope.own_enterprise_id(request.user),
    )
    initial = {"contact_name": contact.name, "contact_phone": contact.phone}
    form = f.PortalSubmitForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            obj = services.request_submit(
                actor=request.user,
                enterprise=contact.enterprise,
                category=data["category"],
                description=data["description"],
                source=Request.Source.ONLINE,
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                attachments=data["attachments"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(
                request, _("诉求已提交，编号 %(ref)s。服务企业办将尽快分办。") % {"ref": obj.ref}
            )
            return redirect("requests_tracker:detail", obj.pk)
    return render(request, "requests_tracker/submit.html", {"form": form, "enterprise": contact.enterprise})


@role_required(SUPERVISOR)
def staff_entry(request):
    """Hotline or meeting entry (热线登记 / 座谈会) by the enterprise-service office."""
    form = f.StaffEntryForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            obj = services.request_submit(
                actor=request.user,
                enterprise=data["enterprise"],
                category=data["category"],
                description=data["description"],
                source=data["source"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                attachments=data["attachments"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("已登记诉求 %(ref)s，进入待受理队列。") % {"ref": obj.ref})
            return redirect("requests_tracker:detail", obj.pk)
    names = form.enterprises.values_list("name", flat=True).order_by("name")
    return render(request, "requests_tracker/staff_entry.html", {"form": form, "enterprise_names": names})


TRIAGE_PAGE_SIZES = (50, 200, 500)


@role_required(SUPERVISOR)
def triage(request):
    """The supervisor's desk: new and returned requests (filter, tick, assign as one batch or
    merge duplicates), extension requests, escalations, close-outs."""
    user = request.user
    triage_filter = TriageFilter(
        request.GET, queryset=selectors.triage_queue(user), towns=Town.objects.visible_to(user)
    )
    per_page = _per_page(request.GET.get("per_page"))
    page = _page(request, triage_filter.qs, per_page, queue=True, references=True)
    catalogue = Catalogue()
    reference.attach_team_units(page.object_list)
    rows = [(obj, catalogue.route(obj)) for obj in page]
    to_close = list(selectors.awaiting_close(user)[:50])
    reference.attach_lead_units(to_close)
    context = {
        "filter": triage_filter,
        "page_obj": page,
        "rows": rows,
        "per_page": per_page,
        "page_sizes": TRIAGE_PAGE_SIZES,
        "catalogue_size": len(catalogue),
        "batch_form": f.BatchAssignForm(),
        "extensions": selectors.pending_extensions(user)[:50],
        "escalations": selectors.open_escalations(user)[:50],
        "to_close": to_close,
        "closeout_waits": lifecycle.closeout_waits_for_county(user),
    }
    return render(request, "requests_tracker/triage.html", context)


def _per_page(raw) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return TRIAGE_PAGE_SIZES[0]
    return value if value in TRIAGE_PAGE_SIZES else TRIAGE_PAGE_SIZES[0]


def _ticked(request) -> list[int]:
    ids = []
    for raw in request.POST.getlist("requests"):
        try:
            ids.append(int(raw))
        except ValueError:
            raise Http404 from None
    return ids


@role_required(SUPERVISOR)
@require_POST
def batch_assign(request):
    """Assign the ticked requests as one numbered batch (交办批次); a large one in the background."""
    form = f.BatchAssignForm(request.POST)
    ids = _ticked(request)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("requests_tracker:triage")
    data = form.cleaned_data
    if len(ids) > services.BATCH_INLINE_MAX:
        job = jobs.start(
            DISPATCH_BATCH,
            actor=request.user,
            title=_("批量交办 %(n)s 件诉求") % {"n": len(ids)},
            params={
                "request_ids": ids,
                "note": data["note"],
                "fallback_lead_unit": data["fallback_lead_unit"].pk if data["fallback_lead_unit"] else None,
            },
            total=len(ids),
        )
        return redirect("job", job.pk)
    try:
        batch = services.batch_assign(
            actor=request.user,
            request_ids=ids,
            note=data["note"],
            fallback_lead_unit=data["fallback_lead_unit"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("requests_tracker:triage")
    messages.success(
        request,
        _("已作为%(batch)s交办 %(n)s 件诉求，每件按各自期限办理。") % {"batch": batch.label, "n": len(ids)},
    )
    return redirect("analytics:batch", batch.pk)


@role_required(SUPERVISOR)
@require_POST
def merge(request):
    """Merge the ticked duplicates (并单) into the earliest of them, the parent case."""
    ids = _ticked(request)
    ticked = list(Request.objects.visible_to(request.user).filter(pk__in=ids).order_by("submitted_at", "pk"))
    if len(ticked) != len(set(ids)):
        raise Http404
    if len(ticked) < 2:
        messages.error(request, _("请至少勾选两件重复的诉求再并单。"))
        return redirect("requests_tracker:triage")
    parent, *children = ticked
    try:
        services.request_merge(
            actor=request.user, parent=parent, children=children, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("requests_tracker:triage")
    messages.success(
        request,
        _("已将 %(refs)s 并入 %(parent)s，随主诉求办理。")
        % {"refs": "、".join(c.ref for c in children), "parent": parent.ref},
    )
    return redirect("requests_tracker:detail", parent.pk)


@role_required(SUPERVISOR)
@require_POST
def unmerge(request, pk):
    obj = _fetch(request.user, pk)
    parent_pk = obj.parent_id
    try:
        services.request_unmerge(actor=request.user, child=obj)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已撤销并单，%(ref)s 单独办理。") % {"ref": obj.ref})
    # Un-merged from the parent's list of children: back to the parent.
    back = parent_pk if request.POST.get("back") == "parent" and parent_pk else obj.pk
    return redirect("requests_tracker:detail", back)


@role_required(HANDLER)
def inbox(request):
    inbox_filter = InboxFilter(request.GET, queryset=selectors.inbox(request.user))
    page = _page(request, inbox_filter.qs, queue=True, references=True)
    return render(request, "requests_tracker/inbox.html", {"filter": inbox_filter, "page_obj": page})


@role_required(ADMIN, SUPERVISOR, HANDLER)
def notice_list(request):
    notice_filter = NoticeFilter(request.GET, queryset=selectors.notices_for(request.user))
    page = _page(request, notice_filter.qs)
    return render(request, "requests_tracker/notice_list.html", {"filter": notice_filter, "page_obj": page})


@role_required(ADMIN, SUPERVISOR, HANDLER, CADRE)
def notice_board(request):
    """The red-card board (红牌公示): every red card of the year, for all staff to see."""
    year = timezone.localdate().year
    cards = (
        SupervisionNotice.objects.filter(level=SupervisionNotice.Level.RED, year=year)
        .select_related("request__enterprise", "unit", "town")
        .order_by("-issued_at", "-pk")
    )
    context = {
        "page_obj": _page(request, cards),
        "year": year,
        "false_closures": trust_selectors.false_closures(request.user, year)[:100],
    }
    return render(request, "requests_tracker/notice_board.html", context)


# --- one request -------------------------------------------------------------------------
@dataclass(frozen=True)
class ActionSpec:
    form: type[f.ActionForm]
    perform: Callable  # (user, obj, cleaned_data) → success message
    style: str = "primary"


def _assign(user, obj, d):
    obj = services.request_assign(
        actor=user,
        request=obj,
        lead_unit=d["lead_unit"],
        category=d["category"],
        assist_units=list(d["assist_units"]),
        note=d["note"],
        version=d["version"],
    )
    return _("已交办%(unit)s，答复期限 %(due)s。") % {
        "unit": obj.lead_unit.name,
        "due": f"{obj.response_due:%Y-%m-%d}",
    }


def _reject(user, obj, d):
    services.request_reject(
        actor=user,
        request=obj,
        kind=d["kind"],
        reason=d["reason"],
        duplicate_of=d["duplicate_of"],
        version=d["version"],
    )
    return _("已作不予受理处理，企业可以看到理由。")


def _sign(user, obj, d):
    services.request_sign(actor=user, request=obj, note=d["note"], version=d["version"])
    return _("已签收。请在联系期限内联系企业。")


def _contact(user, obj, d):
    services.request_contact(
        actor=user, request=obj, method=d["method"], note=d["note"], version=d["version"]
    )
    return _("已记录联系情况。")


def _note(user, obj, d):
    services.request_note(actor=user, request=obj, text=d["text"], public=d["public"], version=d["version"])
    return _("已记录办理进展。")


def _assist(user, obj, d):
    services.request_assist_answer(actor=user, request=obj, answer=d["answer"], version=d["version"])
    return _("协办意见已反馈牵头单位。")


def _return(user, obj, d):
    services.request_return(actor=user, request=obj, reason=d["reason"], note=d["note"], version=d["version"])
    return _("已退回服务企业办重新分办。")


def _extend_ask(user, obj, d):
    services.request_extend_ask(
        actor=user, request=obj, proposed_due=d["proposed_due"], reason=d["reason"], version=d["version"]
    )
    return _("延期申请已提交，批准前答复期限不变。")


def _extend_decide(user, obj, d):
    approve = d["decision"] == "approve"
    services.request_extend_decide(
        actor=user, request=obj, approve=approve, note=d["note"], version=d["version"]
    )
    return _("已同意延期。") if approve else _("已不同意延期，答复期限不变。")


def _escalate(user, obj, d):
    services.request_escalate(
        actor=user, request=obj, level=d["level"], reason=d["reason"], version=d["version"]
    )
    return _("已上报，等待上级答复。")


def _escalate_reply(user, obj, d):
    services.request_escalate_reply(actor=user, request=obj, answer=d["answer"], version=d["version"])
    return _("已登记上级答复，牵头单位将据此答复企业。")


def _respond(user, obj, d):
    services.request_respond(
        actor=user, request=obj, outcome=d["outcome"], response=d["response"], version=d["version"]
    )
    return _("已答复企业，等待企业评价。")


def _rate(user, obj, d):
    obj = services.request_rate(
        actor=user, request=obj, satisfaction=d["satisfaction"], comment=d["comment"], version=d["version"]
    )
    if obj.status == Request.Status.REOPENED:
        return _("感谢您的评价。诉求已重新交办，将在 %(due)s 前再次答复。") % {
            "due": f"{obj.response_due:%Y-%m-%d}"
        }
    return _("感谢您的评价。")


def _close(user, obj, d):
    services.request_close(actor=user, request=obj, note=d["note"], version=d["version"])
    return _("已销号办结。")


def _reopen(user, obj, d):
    services.request_reopen(actor=user, request=obj, reason=d["reason"], version=d["version"])
    return _("已重新交办原单位办理。")


ACTIONS: dict[str, ActionSpec] = {
    "assign": ActionSpec(f.AssignForm, _assign),
    "reject": ActionSpec(f.RejectForm, _reject, "outline-danger"),
    "sign": ActionSpec(f.SignForm, _sign),
    "contact": ActionSpec(f.ContactForm, _contact),
    "note": ActionSpec(f.NoteForm, _note, "outline-primary"),
    "assist": ActionSpec(f.AssistForm, _assist),
    "return": ActionSpec(f.ReturnForm, _return, "outline-danger"),
    "extend_ask": ActionSpec(f.ExtendAskForm, _extend_ask, "outline-primary"),
    "extend_decide": ActionSpec(f.ExtendDecideForm, _extend_decide),
    "escalate": ActionSpec(f.EscalateForm, _escalate, "outline-danger"),
    "escalate_reply": ActionSpec(f.EscalateReplyForm, _escalate_reply),
    "respond": ActionSpec(f.RespondForm, _respond, "success"),
    "rate": ActionSpec(f.RateForm, _rate, "success"),
    "close": ActionSpec(f.CloseForm, _close, "success"),
    "reopen": ActionSpec(f.ReopenForm, _reopen, "outline-danger"),
}
assert set(ACTIONS) == set(lifecycle.USER_ACTIONS)
# Consequential actions ask "are you sure?" in the browser before posting.
CONFIRM = {"return", "reject", "escalate", "reopen"}


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _fetch(user, pk, panels: bool = False):
    # Only the relations every request has: PostgreSQL spent 3.4 ms planning the ten-table join
    # that also took the parent, the batch and the original of a duplicate (0.3 ms to run it);
    # those few requests that have one read it when shown (``_linked``).
    queryset = Request.objects.select_related("enterprise__town", "category", "lead_unit", "cadre")
    return get_visible_or_404(_with_panels(queryset) if panels else queryset, user, pk=pk)


# The panels a request page shows only when the request has rows for them. Which ones it has are
# EXISTS columns of the query that reads the request (``request_detail``), so the many requests
# without assists, attachments, escalations, … do not spend a query on each empty panel.
PANELS = (
    "assists",
    "attachments",
    "extensions",
    "escalations",
    "notices",
    "children",
    "callbacks",
    "appeals",
)


def _with_panels(queryset):
    flags = {}
    for name in PANELS:
        relation = Request._meta.get_field(name)
        rows = relation.related_model._base_manager.filter(**{relation.field.name: OuterRef("pk")})
        flags[f"has_{name}"] = Exists(rows)
    return queryset.annotate(**flags)


def has_panel(obj: Request, name: str) -> bool:
    """False only when the page's query said the request has no such rows (else: ask)."""
    return getattr(obj, f"has_{name}", True)


def _none_loaded(obj: Request, name: str):
    """An empty list stored as the relation's prefetched rows (so ``lifecycle`` and the
    template read it without a query), as ``prefetch_related_objects`` stores a loaded one."""
    rows = getattr(obj, name).all()
    rows._result_cache, rows._prefetch_done = [], True
    obj._prefetched_objects_cache = {**getattr(obj, "_prefetched_objects_cache", {}), name: rows}
    return rows


def _panel(obj: Request, name: str, rows):
    return rows if has_panel(obj, name) else []


def _linked(obj: Request) -> None:
    """The merged parent, the batch and the original's reference, for a request that has them:
    one small query each, none for the many requests without."""
    obj.duplicate_ref = (
        Request.objects.filter(pk=obj.duplicate_of_id).values_list("ref", flat=True).first()
        if obj.duplicate_of_id
        else ""
    )
    if obj.parent_id:
        obj.parent = Request.objects.only("pk", "ref", "status").get(pk=obj.parent_id)


def _detail_context(request, obj, bound: tuple[str, f.ActionForm] | None = None) -> dict:
    access = access_for(request.user)
    internal = access.roles != (CONTACT,)
    _linked(obj)
    if internal and not has_panel(obj, "extensions"):
        _none_loaded(obj, "extensions")
    elif internal:  # the extensions panel and the actions' "pending extension?" read one list
        prefetch_related_objects(
            [obj],
            Prefetch(
                "extensions",
                queryset=ExtensionRequest.objects.select_related("unit", "asked_by", "decided_by"),
            ),
        )
    actions = lifecycle.available_actions(obj, request.user)
    panels = []
    for action in actions:
        if bound and bound[0] == action:
            form = bound[1]
        else:
            form = ACTIONS[action].form(request_obj=obj, user=request.user)
        transition = lifecycle.TRANSITIONS[action]
        panels.append(
            {
                "action": action,
                "label": transition.label,
                "form": form,
                "style": ACTIONS[action].style,
                "confirm": action in CONFIRM,
            }
        )
    if bound and bound[0] not in actions:
        panels.insert(
            0,
            {
                "action": bound[0],
                "label": lifecycle.TRANSITIONS[bound[0]].label,
                "form": bound[1],
                "style": ACTIONS[bound[0]].style,
                "confirm": False,
            },
        )
    for panel in panels:
        panel["open"] = (bound is not None and bound[0] == panel["action"]) or len(panels) == 1
    calendar = selectors.page_calendar()
    return {
        "obj": obj,
        "internal": internal,
        "events": selectors.timeline(obj, internal=internal),
        "assists": _panel(obj, "assists", obj.assists.select_related("unit")),
        "attachments": _panel(obj, "attachments", obj.attachments.all()),
        "deadlines": selectors.deadline_rows(obj, calendar, internal=internal),
        "extensions": obj.extensions.all() if internal else [],
        "escalations": _panel(obj, "escalations", obj.escalations.all()) if internal else [],
        "notices": _panel(obj, "notices", obj.notices.select_related("unit")) if internal else [],
        "panels": panels,
        "trust": trust_selectors.request_trust(obj, request.user) if internal else {},
        "children": _panel(obj, "children", obj.children.select_related("enterprise")) if internal else [],
        "may_unmerge": SUPERVISOR in access.roles and obj.parent_id is not None,
        "may_unmerge_children": SUPERVISOR in access.roles and obj.status == Request.Status.SUBMITTED,
        "closeout_waits": internal
        and obj.awaiting_close
        and SUPERVISOR in access.roles
        and lifecycle.closeout_waits_for_county(request.user),
        "may_show_rating_link": internal
        and obj.awaiting_rating
        and access.has_role(SUPERVISOR, HANDLER, CADRE),
    }


@role_required(*ANY_ROLE)
def request_detail(request, pk):
    obj = _fetch(request.user, pk, panels=True)
    return render(request, "requests_tracker/request_detail.html", _detail_context(request, obj))


@role_required(SUPERVISOR, HANDLER, CONTACT)
@require_POST
def request_action(request, pk, action):
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    obj = _fetch(request.user, pk)
    if not lifecycle.TRANSITIONS[action].parties & lifecycle.parties_of(request.user, obj):
        raise PermissionDenied(_("您不能对该诉求执行此操作。"))
    form = spec.form(request.POST, request_obj=obj, user=request.user)
    if form.is_valid():
        try:
            message = spec.perform(request.user, obj, form.cleaned_data)
        except (services.StaleRequest, services.TransitionRefused) as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("requests_tracker:detail", obj.pk)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, message)
            if Request.objects.visible_to(request.user).filter(pk=obj.pk).exists():
                return redirect("requests_tracker:detail", obj.pk)
            return redirect(home_url_name(request.user) or "home")
    context = _detail_context(request, obj, bound=(action, form))
    return render(request, "requests_tracker/request_detail.html", context, status=400)


@role_required(*ANY_ROLE)
def attachment(request, pk, attachment_pk):
    """An attachment, only to those who may see its request; stored names never appear in URLs."""
    obj = _fetch(request.user, pk)
    item = get_object_or_404(RequestAttachment, pk=attachment_pk, request=obj)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=item.content_type, filename=item.original_name)
    response["Cache-Control"] = "private, no-store"
    return response


# --- rating without a login --------------------------------------------------------------
def _response_stamp(obj: Request) -> list[int]:
    """Which response a link rates: a later response (after a reopening) makes old links void."""
    return [obj.reopen_count, int(obj.responded_at.timestamp() * 1_000_000)]


def rating_token(obj: Request) -> str:
    """A signed token naming the request and the response it rates; valid for one rating."""
    return signing.dumps({"r": obj.pk, "t": _response_stamp(obj)}, salt=RATING_SALT)


def _rating_target(token: str) -> tuple[Request | None, str]:
    try:
        data = signing.loads(token, salt=RATING_SALT, max_age=settings.QIQING_RATING_LINK_DAYS * 86400)
    except signing.SignatureExpired:
        return None, _("评价链接已过期，请联系服务企业办或联企干部。")
    except signing.BadSignature:
        return None, _("评价链接无效。")
    obj = (
        Request.objects.select_related("enterprise", "category", "lead_unit").filter(pk=data.get("r")).first()
    )
    if obj is None or not obj.responded_at or _response_stamp(obj) != data.get("t"):
        return None, _("该答复已更新，此评价链接已失效。")
    if not obj.awaiting_rating:
        return None, _("该答复已评价或已办结，此链接已失效。感谢您的反馈！")
    return obj, ""


@role_required(SUPERVISOR, HANDLER, CADRE)
def rating_link(request, pk):
    """A printable QR code of the no-login rating link for a contact who does not log in."""
    obj = _fetch(request.user, pk)
    if not obj.awaiting_rating:
        messages.info(request, _("该诉求当前不在待评价状态。"))
        return redirect("requests_tracker:detail", obj.pk)
    url = links.absolute(reverse("requests_tracker:rate_by_link", args=[rating_token(obj)]), request)
    svg = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2).to_string(
        encoding="unicode"
    )
    return render(
        request,
        "requests_tracker/rating_link.html",
        {"obj": obj, "url": url, "qr_svg": svg, "days": settings.QIQING_RATING_LINK_DAYS},
    )


def rate_by_link(request, token):
    obj, problem = _rating_target(token)
    if obj is None:
        return render(request, "requests_tracker/rate_public.html", {"problem": problem}, status=410)
    form = f.RateForm(request.POST or None, request_obj=obj)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            obj = services.request_rate(
                actor=None,
                request=obj,
                satisfaction=data["satisfaction"],
                comment=data["comment"],
                version=data["version"],
                via_link=True,
            )
        except (services.StaleRequest, services.TransitionRefused) as exc:
            return render(
                request, "requests_tracker/rate_public.html", {"problem": " ".join(exc.messages)}, status=410
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return render(request, "requests_tracker/rate_public.html", {"done": obj})
    return render(request, "requests_tracker/rate_public.html", {"obj": obj, "form": form})


# --- the working-day calendar ------------------------------------------------------------
@role_required(ADMIN)
def calendar_coverage(request):
    today = timezone.localdate()
    years = list(range(today.year - 1, today.year + 3))
    overrides = WorkdayOverride.objects.filter(date__year__gte=today.year - 1).order_by("date")
    calendar = WorkCalendar.load()
    estimates = [
        (year, sorted(calendar.estimated_days_off(year).values(), key=lambda item: item.day))
        for year in years
        if not calendar.covers(year)
    ]
    return render(
        request,
        "requests_tracker/calendar.html",
        {"coverage": selectors.calendar_coverage(years), "overrides": overrides, "estimates": estimates},
    )


@role_required(ADMIN)
def calendar_paste(request):
    """One form for a year's schedule: prefilled with the estimate, corrected from the notice."""
    calendar = WorkCalendar.load()
    if request.method == "POST":
        form = f.SchedulePasteForm(request.POST)
        if form.is_valid():
            try:
                counts = calendar_services.calendar_schedule_enter(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                message = _(
                    "已录入 %(year)s 年国务院放假安排：放假 %(off)s 天，调休上班 %(on)s 天；相关期限正在重算。"
                )
                messages.success(
                    request,
                    message
                    % {
                        "year": form.cleaned_data["year"],
                        "off": counts["days_off"],
                        "on": counts["workdays"],
                    },
                )
                return redirect("requests_tracker:calendar")
        status = 400
    else:
        year = _year_param(request.GET.get("year"))
        uncovered = next((y for y in range(year, year + 3) if not calendar.covers(y)), year)
        form = f.SchedulePasteForm(
            initial={"year": uncovered, "days_off": calendar_services.estimate_lines(uncovered)}
        )
        status = 200
    return render(request, "requests_tracker/calendar_paste.html", {"form": form}, status=status)


def _year_param(raw) -> int:
    try:
        year = int(raw)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year
