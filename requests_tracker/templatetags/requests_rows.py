"""Rows of the handler inbox and the supervisor's triage desk drawn in Python.

A page holds 50–500 rows; the template loop's variable lookups, ``{% url %}``, ``{% translate %}``
nodes and the per-row team-suggestion include were most of the page's time at province scale
(README "Issue 18, sixth pass"). The HTML is the one the templates drew.
"""

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qiqing.markup import detail_link, escaped, html
from requests_tracker.models import Request
from requests_tracker.templatetags.requests_tags import due_date, status_badge

register = template.Library()


def _t(message: str) -> str:
    """A message as ``{% translate %}`` prints it: translations are trusted, never escaped."""
    return mark_safe(_(message))


def _pt(message: str) -> str:
    return mark_safe(pgettext("deadline", message))


def _detail_url(pk) -> str:
    return detail_link("requests_tracker:detail", pk)


def _inbox_deadlines(obj) -> str:
    parts = []
    estimated = obj.deadline_estimated
    if obj.assist_open:
        parts.append(html("<div>{} {}</div>", _pt("协办反馈"), due_date(obj.assist_due, False, estimated)))
    if obj.is_lead and obj.awaiting_sign:
        parts.append(
            html("<div>{} {}</div>", _pt("签收"), due_date(obj.sign_due, obj.sign_overdue, estimated))
        )
    elif obj.is_lead and obj.awaiting_contact:
        parts.append(
            html(
                "<div>{} {}</div>",
                _pt("联系"),
                due_date(obj.contact_due, obj.contact_overdue, estimated),
            )
        )
    if obj.status == Request.Status.RESPONDED:
        parts.append(html('<span class="text-body-secondary">{}</span>', _t("待企业评价")))
    else:
        parts.append(
            html("<div>{} {}</div>", _pt("答复"), due_date(obj.response_due, obj.is_overdue, estimated))
        )
    return mark_safe("".join(parts))


@register.simple_tag
def inbox_row(obj) -> str:
    """One row of the handler inbox (本单位待办诉求)."""
    badge = status_badge(obj)
    flags = mark_safe("")
    if obj.extension_pending:
        flags += html(
            ' <span class="badge bg-warning-subtle text-warning-emphasis border border-warning-subtle">{}</span>',
            _t("延期审批中"),
        )
    if obj.assist_open:
        flags += html(' <span class="badge text-bg-warning">{}</span>', _t("待协办反馈"))
    assisting = "" if obj.is_lead else html(" · {}", _t("协办"))
    return html(
        "<tr{}>"
        '<td class="qq-nowrap"><a href="{}">{}</a><div class="d-md-none">{}</div></td>'
        '<td>{}<div class="small text-body-secondary">{}{}</div></td>'
        '<td class="d-none d-md-table-cell">{}{}</td>'
        '<td class="d-none d-md-table-cell">{}</td>'
        '<td class="small">{}</td>'
        "</tr>",
        mark_safe(' class="table-danger"') if obj.is_overdue else "",
        _detail_url(obj.pk),
        obj.ref,
        badge,
        obj.enterprise.name,
        obj.category.name,
        assisting,
        badge,
        flags,
        _t("主办") if obj.is_lead else _t("协办"),
        _inbox_deadlines(obj),
    )


def _returned_badge(obj) -> str:
    if not obj.return_count:
        return ""
    label = _("退回 %(n)s 次") % {"n": obj.return_count}
    if obj.flagged:
        return html(' <span class="badge text-bg-danger" title="{}">{}</span>', _t("多次退回，请决定"), label)
    return html(' <span class="badge text-bg-light">{}</span>', label)


def _team_suggestion(obj) -> str:
    """The service team a cadre routed the request to (a suggestion, never an assignment), read
    through the triage queue's joined ``team__leader`` and the ``team_units`` the view attached
    (``reference.attach_team_units``)."""
    team = obj.team
    if team is None:
        return ""
    leader = html("（{} {}）", _t("组长"), team.leader.name) if team.leader else ""
    units = obj.team_units
    if units:
        units = SafeString(" · " + "、".join(escaped(u.name) for u in units))
    return html(
        '<div class="small" data-team-suggestion><span class="badge text-bg-info">'
        '<i class="bi bi-people"></i> {}</span> {}{}{}</div>',
        _t("建议转服务小组"),
        team.name,
        leader,
        units or "",
    )


def _team_once(context, obj) -> str:
    """The team suggestion, drawn once per team in one page (rows of a team share it)."""
    if obj.team_id is None:
        return ""
    drawn = context.render_context.setdefault("qq_team_suggestions", {})
    html_ = drawn.get(obj.team_id)
    if html_ is None:
        html_ = drawn[obj.team_id] = _team_suggestion(obj)
    return html_


@register.simple_tag(takes_context=True)
def triage_row(context, obj, route) -> str:
    """One row of the triage desk (受理分办): tick box, returns, merge, team and catalogue route."""
    tick = ""
    merged = ""
    if obj.parent_id:
        merged = html(
            '<div><span class="badge text-bg-info">{}</span></div>',
            _("已并入 %(ref)s") % {"ref": obj.parent.ref},
        )
    else:
        tick = html(
            '<input class="form-check-input qq-tick" type="checkbox" name="requests" value="{}" aria-label="{}">',
            obj.pk,
            obj.ref,
        )
    if route:
        suggestion = html(
            '<span class="text-success"><i class="bi bi-signpost-split"></i> {}</span>', route.why
        )
    else:
        suggestion = html('<span class="text-body-secondary">{}</span>', _t("派单目录无此类别，请单独交办"))
    enterprise = obj.enterprise
    return html(
        "<tr>"
        "<td>{}</td>"
        '<td class="qq-nowrap"><a href="{}">{}</a>{}{}</td>'
        '<td>{}<div class="small text-body-secondary">{} · {} · {}</div>{}</td>'
        '<td class="d-none d-md-table-cell small text-break">{}</td>'
        '<td class="d-none d-lg-table-cell small">{}</td>'
        '<td class="d-none d-sm-table-cell qq-nowrap small">{}</td>'
        "</tr>",
        tick,
        _detail_url(obj.pk),
        obj.ref,
        _returned_badge(obj),
        merged,
        enterprise.name,
        enterprise.town.name,
        obj.category.name,
        obj.get_source_display(),
        _team_once(context, obj),
        Truncator(obj.description).chars(60),
        suggestion,
        f"{timezone.localtime(obj.submitted_at):%Y-%m-%d %H:%M}",  # the date filter's "Y-m-d H:i"
    )


# The triage desk's side panels (up to 50 items each), drawn as the template loops drew them.
@register.simple_tag
def extension_item(e) -> str:
    """One pending extension request (延期申请待审批)."""
    dates = _("%(a)s 延至 %(b)s") % {"a": f"{e.previous_due:%Y-%m-%d}", "b": f"{e.proposed_due:%Y-%m-%d}"}
    return html(
        '<li class="list-group-item"><a href="{}">{}</a> {}\n'
        '        <div class="text-body-secondary">{} · {}</div></li>',
        _detail_url(e.request_id),
        e.request.ref,
        e.unit.name if e.unit_id else "",
        mark_safe(dates),
        Truncator(e.reason).chars(40),
    )


@register.simple_tag
def escalation_item(e) -> str:
    """One escalation waiting for its answer (上报跟踪)."""
    day = f"{timezone.localtime(e.escalated_at):%Y-%m-%d}"
    return html(
        '<li class="list-group-item"><a href="{}">{}</a> {}\n'
        '        <div class="text-body-secondary">{} · {}</div></li>',
        _detail_url(e.request_id),
        e.request.ref,
        e.request.enterprise.name,
        e.get_level_display(),
        mark_safe(_("%(d)s 上报，等待答复") % {"d": day}),
    )


@register.simple_tag
def closeout_item(obj, closeout_waits) -> str:
    """One answered, well-rated request waiting for its close-out (待销号)."""
    waits = ""
    if closeout_waits:
        waits = html(
            ' · <span class="text-warning-emphasis">{}</span>',
            mark_safe(pgettext("close-out", "待县服务企业办销号")),
        )
    return html(
        '<li class="list-group-item"><a href="{}">{}</a> {}\n'
        '        <div class="text-body-secondary">{} · {}{}{}</div></li>',
        _detail_url(obj.pk),
        obj.ref,
        obj.enterprise.name,
        obj.lead_unit.name if obj.lead_unit_id else "",
        _t("企业评价"),
        obj.get_satisfaction_display(),
        waits,
    )
