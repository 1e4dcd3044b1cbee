"""Rows of the cadre's home (我的企业) drawn in Python: each enterprise appears twice (the phone
card and the desktop table row), and per-row includes, ``{% url %}`` and ``{% translate %}``
nodes were most of the page's rendering time. The HTML is the one the template drew."""

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from requests_tracker.templatetags.requests_tags import status_badge

register = template.Library()


def _urls(row) -> tuple[str, str]:
    """(enterprise file, log a visit for it), reversed once per row for both layouts."""
    urls = getattr(row, "_urls", None)
    if urls is None:
        pk = row.enterprise.pk
        urls = (reverse("visits:enterprise_file", args=[pk]), f"{reverse('visits:log')}?enterprise={pk}")
        row._urls = urls
    return urls


def _last_visit(row) -> str:
    if not row.last_visit:
        return format_html('<span class="text-danger">{}</span>', _("从未走访"))
    if row.days_since == 0:
        ago = _("今天")
    else:
        ago = ngettext("%(days)s 天前", "%(days)s 天前", row.days_since) % {"days": row.days_since}
    return format_html(
        '{} <span class="text-body-secondary">{}{}{}</span>',
        row.last_visit.isoformat(),
        _("（"),
        ago,
        _("）"),
    )


def _due_badge(row, spaced: bool) -> str:
    if not row.due:
        return ""
    if spaced:
        return format_html(' <span class="badge text-bg-warning">{}</span>', _("待走访"))
    return format_html('<span class="badge text-bg-warning flex-shrink-0">{}</span>', _("待走访"))


@register.simple_tag
def my_enterprise_card(row):
    """The phone card of one enterprise."""
    file_url, log_url = _urls(row)
    enterprise = row.enterprise
    border = " border-danger" if row.overdue_requests else (" border-warning" if row.due else "")
    overdue = ""
    if row.overdue_requests:
        n = row.overdue_requests
        overdue = format_html(
            ' · <span class="qq-overdue">{}</span>', ngettext("超期 %(n)s 件", "超期 %(n)s 件", n) % {"n": n}
        )
    return format_html(
        '<div class="card{}" data-enterprise="{}"><div class="card-body p-3">'
        '<div class="d-flex justify-content-between align-items-start gap-2">'
        '<a class="fw-semibold text-decoration-none" href="{}">{}</a>{}</div>'
        '<div class="small text-body-secondary">{} · {}</div>'
        '<div class="small mt-1">{}{}{}</div>'
        '<div class="small">{}{}{}{}</div>'
        '<a class="btn btn-primary w-100 mt-2" href="{}"><i class="bi bi-pencil-square"></i> {}</a>'
        "</div></div>",
        border,
        enterprise.pk,
        file_url,
        enterprise.name,
        _due_badge(row, spaced=False),
        enterprise.town.name,
        enterprise.industry or "—",
        _("上次走访"),
        _("："),
        _last_visit(row),
        _("在办诉求"),
        _("："),
        row.open_requests,
        overdue,
        log_url,
        _("登记走访"),
    )


@register.simple_tag
def my_enterprise_tr(row):
    """The desktop table row of one enterprise."""
    file_url, log_url = _urls(row)
    enterprise = row.enterprise
    return format_html(
        '<tr><td><a href="{}">{}</a>{}</td><td>{}</td><td>{}</td>'
        '<td class="qq-nowrap">{}</td><td class="text-end">{}</td><td class="text-end{}">{}</td>'
        '<td class="text-end"><a class="btn btn-sm btn-primary qq-nowrap" href="{}">'
        '<i class="bi bi-pencil-square"></i> {}</a></td></tr>',
        file_url,
        enterprise.name,
        _due_badge(row, spaced=True),
        enterprise.town.name,
        enterprise.industry or "—",
        _last_visit(row),
        row.open_requests,
        mark_safe(" qq-overdue") if row.overdue_requests else "",
        row.overdue_requests,
        log_url,
        _("登记走访"),
    )


# --- the enterprise file's timeline ---------------------------------------------------------------


def _local_day(value) -> str:
    return timezone.localtime(value).date().isoformat() if value else ""


@register.simple_tag
def visit_marks(visit) -> str:
    """The badges of a visit: photos, check-in (or 位置不符) and offline sync (_visit_marks.html)."""
    parts = []
    photos = getattr(visit, "photo_count", None)
    if photos:
        parts.append(
            format_html(
                '<span class="badge text-bg-light border" data-mark="photos"><i class="bi bi-camera"></i> {}</span>',
                ngettext("%(n)s 张照片", "%(n)s 张照片", photos) % {"n": localize(photos)},
            )
        )
    if visit.checkin_latitude is not None:
        if visit.location_mismatch:
            parts.append(
                format_html(
                    '<span class="badge text-bg-warning" data-mark="mismatch" title="{}">'
                    '<i class="bi bi-geo-alt"></i> {}</span>',
                    _("签到位置距企业 %(d)s 米") % {"d": localize(visit.checkin_distance)},
                    _("位置不符"),
                )
            )
        else:
            parts.append(
                format_html(
                    '<span class="badge text-bg-success" data-mark="checkin"><i class="bi bi-geo-alt"></i> {}</span>',
                    _("已签到"),
                )
            )
    if visit.offline:
        parts.append(
            format_html(
                '<span class="badge text-bg-secondary" data-mark="offline">'
                '<i class="bi bi-cloud-arrow-up"></i> {}</span>',
                _("离线同步"),
            )
        )
    return mark_safe("\n".join(parts))  # each part built by format_html


def _survey(visit) -> str:
    badge = '<span class="badge text-bg-light border">{}</span>'
    parts = []
    if visit.orders:
        parts.append(format_html(badge, visit.get_orders_display()))
    if visit.headcount is not None:
        parts.append(format_html(badge, _("在岗 %(n)s 人") % {"n": localize(visit.headcount)}))
    if visit.vacancies is not None:
        parts.append(format_html(badge, _("缺口 %(n)s 人") % {"n": localize(visit.vacancies)}))
    if visit.output_yoy is not None:
        parts.append(
            format_html(
                '<span class="badge text-bg-light border">{} {}%</span>',
                _("同比"),
                floatformat(visit.output_yoy, 2),
            )
        )
    if visit.profit_trend:
        parts.append(format_html(badge, _("利润%(trend)s") % {"trend": visit.get_profit_trend_display()}))
    return format_html('<div class="d-flex flex-wrap gap-1 mt-1 small">{}</div>', mark_safe(" ".join(parts)))


def _visit_item(visit, full) -> str:
    head = format_html(
        '<div class="small text-body-secondary">{} · <span class="badge text-bg-primary">{}</span> {}</div>',
        visit.date.isoformat(),
        pgettext("one visit", "走访"),
        visit.get_mode_display(),
    )
    if full:
        head += format_html(
            '<a class="small qq-nowrap" href="{}">{} <i class="bi bi-chevron-right"></i></a>',
            reverse("visits:detail", args=[visit.pk]),
            _("详情"),
        )
    participants = list(visit.participants.all())
    joined = ""
    if participants:
        joined = format_html(
            ' <span class="text-body-secondary small">{}{}{}</span>',
            _("同行"),
            _("："),
            _("、").join(p.name for p in participants),
        )
    body = [
        format_html('<div class="d-flex justify-content-between gap-2">{}</div>', head),
        format_html("<div>{}{}</div>", visit.cadre.name, joined),
    ]
    if full:
        body.append(format_html('<div class="d-flex flex-wrap gap-1 small">{}</div>', visit_marks(visit)))
        body.append(
            format_html('<div class="qq-prewrap small">{}</div>', Truncator(visit.summary).chars(200))
        )
        if visit.has_survey:
            body.append(_survey(visit))
        if visit.photo_list:
            body.append(
                format_html(
                    '<div class="d-flex flex-wrap gap-1 mt-1" data-thumbnails>{}</div>',
                    format_html_join(
                        "",
                        '<a href="{}" target="_blank" rel="noopener"><img class="qq-thumb rounded border" src="{}"'
                        ' alt="{}" loading="lazy" width="64" height="64"></a>',
                        (
                            (
                                reverse("visits:photo", args=[visit.pk, photo.pk]),
                                reverse("visits:photo_thumb", args=[visit.pk, photo.pk]),
                                _("走访照片 %(n)s") % {"n": i},
                            )
                            for i, photo in enumerate(visit.photo_list, 1)
                        ),
                    ),
                )
            )
    if visit.raised:
        links = [
            format_html(
                '<a href="{}">{}</a>{}{}{}',
                reverse("requests_tracker:detail", args=[r.pk]),
                r.ref,
                _("（"),
                r.category.name,
                _("）"),
            )
            for r in visit.raised
        ]
        body.append(
            format_html(
                '<div class="small mt-1">{}{}{}</div>', _("提出诉求"), _("："), mark_safe(_("、").join(links))
            )
        )
    return format_html('<li data-item="visit">{}</li>', mark_safe("".join(body)))


def _request_item(obj) -> str:
    due = ""
    if obj.is_open and obj.response_due:
        due = format_html(
            '<div class="small{}">{}{}{}</div>',
            " qq-overdue" if getattr(obj, "late", False) else "",
            _("答复期限"),
            _("："),
            obj.response_due.isoformat(),
        )
    return format_html(
        '<li data-item="request"><div class="small text-body-secondary">{} · '
        '<span class="badge text-bg-warning">{}</span> {}</div>'
        '<div><a href="{}">{}</a> · {} {}</div><div class="small qq-prewrap">{}</div>{}</li>',
        _local_day(obj.submitted_at),
        pgettext("one request", "诉求"),
        obj.get_source_display(),
        reverse("requests_tracker:detail", args=[obj.pk]),
        obj.ref,
        obj.category.name,
        status_badge(obj),
        Truncator(obj.description).chars(160),
        due,
    )


@register.simple_tag
def file_timeline(items, full) -> str:
    """The enterprise file's timeline page: one ``<li>`` per visit or request (or 暂无记录。)."""
    if not items:
        return format_html('<li class="text-body-secondary">{}</li>', _("暂无记录。"))
    return mark_safe(
        "".join(_visit_item(i.obj, full) if i.kind == "visit" else _request_item(i.obj) for i in items)
    )
