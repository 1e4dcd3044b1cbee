"""Group pages: teams and chains (lists; their dashboards live in analytics, which reads visits),
the commissioner directory, and meetups (list, export, logging form, page, photos)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.models import Town
from groups import forms as f
from groups import selectors, services
from groups.filters import MeetupFilter, TeamFilter
from groups.models import MeetupPhoto, ServiceTeam, ServiceType
from qiqing.access import ADMIN, CADRE, CONTACT, HANDLER, SUPERVISOR, access_for
from qiqing.permissions import get_visible_or_404, role_required
from qiqing.xlsx import Sheet, xlsx_response

STAFF = (ADMIN, SUPERVISOR, HANDLER, CADRE)
EVERYONE = (*STAFF, CONTACT)


def _page(request, queryset, per_page=50):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- teams and chains -----------------------------------------------------------------------
@role_required(*STAFF)
def team_list(request):
    team_filter = TeamFilter(request.GET, queryset=selectors.teams(request.user))
    context = {
        "filter": team_filter,
        "page_obj": _page(request, team_filter.qs),
        "can_edit": access_for(request.user).is_admin,
    }
    return render(request, "groups/team_list.html", context)


def _team_form_view(request, team: ServiceTeam | None):
    initial = f.TeamForm.initial_for(team) if team else {"active": True}
    form = f.TeamForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_save(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("服务小组“%(name)s”已保存。") % {"name": team.name})
            return redirect("analytics:team", team.pk)
    changes = team.changes.select_related("actor")[:20] if team else []
    return render(request, "groups/team_form.html", {"form": form, "team": team, "changes": changes})


@role_required(ADMIN)
def team_new(request):
    return _team_form_view(request, None)


@role_required(ADMIN)
def team_edit(request, pk):
    return _team_form_view(request, get_visible_or_404(ServiceTeam, request.user, pk=pk))


@role_required(ADMIN, SUPERVISOR, CADRE)
def chain_list(request):
    return render(request, "groups/chain_list.html", {"chains": selectors.chains(request.user)})


# --- commissioners --------------------------------------------------------------------------
@role_required(*EVERYONE)
def commissioners(request):
    """服务专员 directory: every contact (types relevant to them; ?all=1 for every type) and staff."""
    show_all = request.GET.get("all") == "1"
    rows, types, filtered = selectors.directory(request.user, show_all=show_all)
    labels = dict(ServiceType.choices)
    by_type = {t: [] for t in types}
    for row in rows:
        by_type.setdefault(row.service_type, []).append(row)
    sections = [(t, labels[t], by_type[t]) for t in types if by_type.get(t)]
    return render(
        request,
        "groups/commissioners.html",
        {"sections": sections, "filtered": filtered, "show_all": show_all},
    )


# --- meetups --------------------------------------------------------------------------------
def _meetup_filter(request):
    towns = Town.objects.visible_to(request.user).order_by("order", "code")
    return MeetupFilter(request.GET, queryset=selectors.meetups(request.user), towns=towns)


@role_required(*EVERYONE)
def meetup_list(request):
    meetup_filter = _meetup_filter(request)
    access = access_for(request.user)
    context = {
        "filter": meetup_filter,
        "page_obj": _page(request, meetup_filter.qs),
        "can_log": access.is_admin or access.is_supervisor,
        "can_export": access.has_role(ADMIN, SUPERVISOR, HANDLER, CADRE),
    }
    return render(request, "groups/meetup_list.html", context)


EXPORT_HEADERS = [
    gettext_lazy("日期"),
    gettext_lazy("会议形式"),
    gettext_lazy("主题"),
    gettext_lazy("主办镇街"),
    gettext_lazy("主办单位"),
    gettext_lazy("地点"),
    gettext_lazy("参会企业数"),
    gettext_lazy("参会企业"),
    gettext_lazy("参会部门"),
    gettext_lazy("现场诉求数"),
    gettext_lazy("会议纪要"),
]


@role_required(ADMIN, SUPERVISOR, HANDLER, CADRE)
def meetup_export(request):
    queryset = _meetup_filter(request).qs.prefetch_related("enterprises", "units")

    def rows():
        for m in queryset.iterator(chunk_size=500):
            yield [
                m.date,
                m.get_kind_display(),
                m.theme,
                m.host_town.name,
                m.host_unit.name if m.host_unit else "",
                m.place,
                m.enterprise_count,
                "、".join(e.name for e in m.enterprises.all()),
                "、".join(u.name for u in m.units.all()),
                m.request_count,
                m.minutes,
            ]

    headers = [str(h) for h in EXPORT_HEADERS]
    sheet = Sheet(
        title=_("亲清会"), headers=headers, rows=rows(), widths=[12, 10, 30, 12, 16, 16, 8, 60, 30, 8, 60]
    )
    return xlsx_response(_("亲清会_%(day)s.xlsx") % {"day": f"{timezone.localdate():%Y%m%d}"}, [sheet])


@role_required(ADMIN, SUPERVISOR)
def meetup_new(request):
    """登记亲清会: attendees and every problem raised in one form (phone first)."""
    data = request.POST if request.method == "POST" else None
    form = f.MeetupForm(
        data, request.FILES or None, user=request.user, initial={"date": timezone.localdate()}
    )
    problems = f.MeetupProblemFormSet(data, prefix=f.PROBLEM_PREFIX, form_kwargs={"user": request.user})
    if data is not None and form.is_valid() and problems.is_valid():
        values = dict(form.cleaned_data)
        try:
            meetup = services.meetup_log(actor=request.user, problems=problems.problems(), **values)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            raised = len(problems.problems())
            messages.success(
                request,
                _("已登记亲清会，参会企业 %(e)s 家，现场提出诉求 %(n)s 件。")
                % {"e": meetup.enterprises.count(), "n": raised},
            )
            return redirect("groups:meetup", meetup.pk)
    return render(request, "groups/meetup_form.html", {"form": form, "problems": problems})


@role_required(*EVERYONE)
def meetup_detail(request, pk):
    meetup = selectors.meetup_detail(request.user, pk)
    context = {"meetup": meetup, "show_minutes": selectors.minutes_visible(request.user, meetup)}
    return render(request, "groups/meetup_detail.html", context)


@role_required(*EVERYONE)
def meetup_photo(request, pk, photo_pk):
    photo = get_object_or_404(MeetupPhoto.objects.visible_to(request.user), meetup_id=pk, pk=photo_pk)
    return FileResponse(photo.file.open("rb"), content_type=photo.content_type)
