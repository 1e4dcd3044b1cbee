import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from analytics import metrics, windows
from analytics.models import ProblemCluster, ProblemClusterMember, Snapshot
from analytics.periods import QUARTER, to_date
from analytics.selectors import RECORD_PERIODS
from cadres.models import Cadre, Level, Unit
from enterprises.models import Enterprise, Tag, Town
from qiqing.filters import ALL
from requests_tracker.models import Category, Request, SupervisionNotice


class CadreRecordFilter(django_filters.FilterSet):
    """Filters of the cadre records list (干部履职); ``period`` picks the figures' period only."""

    period = django_filters.ChoiceFilter(
        label=_("统计周期"), choices=[(k, v) for k, v in RECORD_PERIODS], empty_label=None, method="keep"
    )
    q = django_filters.CharFilter(label=_("姓名/编号"), method="search")
    unit = django_filters.ModelChoiceFilter(label=_("单位"), queryset=Unit.objects.all())
    town = django_filters.ModelChoiceFilter(
        label=_("镇街"), field_name="unit__town", queryset=Town.objects.all()
    )
    level = django_filters.ChoiceFilter(label=_("层级"), choices=Level.choices)
    no_visit = django_filters.BooleanFilter(
        label=_("本季度未走访"), method="filter_no_visit", widget=forms.CheckboxInput
    )

    class Meta:
        model = Cadre
        fields = ["period", "q", "unit", "town", "level", "no_visit"]

    def keep(self, queryset, name, value):
        return queryset

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value)) if value else queryset

    def filter_no_visit(self, queryset, name, value):
        if not value:
            return queryset
        # Cadres who have left (离岗) are not expected to visit: only those in post are listed.
        quarter = to_date(timezone.localdate(), QUARTER)
        return queryset.filter(active=True).exclude(metrics.cadre_visits_q(quarter))


# --- dashboards -----------------------------------------------------------------------------------


class DashboardForm(forms.Form):
    """Checks the period choice: a custom range needs both dates, in order, not in the future."""

    def clean(self):
        data = super().clean()
        if data.get("period") != "custom":
            return data
        start, end = data.get("start"), data.get("end")
        today = timezone.localdate()
        if not start:
            self.add_error("start", _("选择“自定义”时请填写开始日期。"))
        if not end:
            self.add_error("end", _("选择“自定义”时请填写截止日期。"))
        if start and end:
            if start > end:
                self.add_error(
                    "end",
                    _("截止日期 %(end)s 早于开始日期 %(start)s。")
                    % {"end": f"{end:%Y-%m-%d}", "start": f"{start:%Y-%m-%d}"},
                )
            elif end > today:
                self.add_error(
                    "end", _("截止日期不能晚于今天（%(today)s）。") % {"today": f"{today:%Y-%m-%d}"}
                )
            elif (end - start).days + 1 > windows.MAX_CUSTOM_DAYS:
                self.add_error(
                    "start", _("自定义区间最长 %(days)s 天，请缩短。") % {"days": windows.MAX_CUSTOM_DAYS}
                )
        return data


class StyledFilterSet(django_filters.FilterSet):
    """Bootstrap classes on the widgets, so the filter bar renders without crispy-forms (eight
    crispy fields cost a dashboard more time than reading its figures)."""

    def styled(self):
        for field in self.form.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            else:
                widget.attrs.setdefault("class", "form-control")
        return self


def _date_filter(label):
    return django_filters.DateFilter(
        label=label, method="keep", widget=forms.DateInput(attrs={"type": "date"})
    )


def industry_choices():
    """The industries of the last two years' snapshots (a few rows through the scope index), or
    of the enterprises themselves before any snapshot exists — a DISTINCT over every enterprise
    on each dashboard view would grow with the county."""
    this_year = timezone.localdate().year
    names = set(
        Snapshot.objects.filter(scope="industry", period="year", period_start__year__gte=this_year - 1)
        .exclude(scope_key="")
        .values_list("scope_key", flat=True)
    )
    if not names:
        names = set(Enterprise.objects.exclude(industry="").values_list("industry", flat=True).distinct())
    return [(name, name) for name in sorted(names)]


class ScopeFilterSet(StyledFilterSet):
    """Town / industry / scale / tag on an Enterprise queryset; the towns offered are the user's."""

    town = django_filters.ModelChoiceFilter(label=_("镇街"), queryset=Town.objects.all(), empty_label=ALL)
    industry = django_filters.ChoiceFilter(label=_("行业"), choices=industry_choices, empty_label=ALL)
    scale = django_filters.ChoiceFilter(label=_("规模"), choices=Enterprise.Scale.choices, empty_label=ALL)
    tag = django_filters.ModelChoiceFilter(
        label=_("企业标签"), queryset=Tag.objects.all(), empty_label=ALL, method="by_tag"
    )

    def __init__(self, data=None, queryset=None, *, request=None, towns, **kwargs):
        """``towns``: the user's towns, already scoped by the view (a FilterSet never works out
        scope itself)."""
        super().__init__(data, queryset, request=request, **kwargs)
        self.towns = towns
        self.filters["town"].queryset = towns
        if len(towns) <= 1:
            del self.filters["town"]  # one town: nothing to choose

    def keep(self, queryset, name, value):
        return queryset

    def by_tag(self, queryset, name, value):
        return queryset.filter(tags=value) if value else queryset

    def choice(self, name):
        """A cleaned value, None when absent or invalid (an invalid field drops only itself)."""
        if name not in self.filters:
            return None
        self.is_valid()
        return getattr(self.form, "cleaned_data", {}).get(name) or None


class CoverageFilter(ScopeFilterSet):
    """走访覆盖 filters: the period, then who and which enterprises."""

    period = django_filters.ChoiceFilter(
        label=_("统计周期"), choices=windows.PERIOD_CHOICES, empty_label=None, method="keep"
    )
    start = _date_filter(_("开始日期"))
    end = _date_filter(_("截止日期"))
    unit = django_filters.ModelChoiceFilter(
        label=_("单位"), queryset=Unit.objects.filter(active=True), empty_label=ALL, method="keep"
    )

    class Meta:
        model = Enterprise
        fields = ["period", "start", "end", "town", "unit", "industry", "scale", "tag"]
        form = DashboardForm

    def __init__(self, data=None, queryset=None, *, request=None, towns, **kwargs):
        super().__init__(data, queryset, request=request, towns=towns, **kwargs)
        # County departments and the user's own towns' units; other towns' are not theirs.
        self.filters["unit"].queryset = Unit.objects.filter(active=True).filter(
            Q(town__isnull=True) | Q(town__in=towns)
        )


class IssueFilter(ScopeFilterSet):
    """问题分布 filters: where, and which category the Spring Festival chart follows."""

    category = django_filters.ModelChoiceFilter(
        label=_("春节对齐类别"), queryset=Category.objects.all(), empty_label=None, method="keep"
    )
    years = django_filters.ChoiceFilter(
        label=_("年数"),
        choices=[(str(n), format_lazy(_("近{n}年"), n=n)) for n in (2, 3, 5)],
        empty_label=_("全部"),
        method="keep",
    )

    class Meta:
        model = Enterprise
        fields = ["town", "industry", "scale", "tag", "category", "years"]


NOTICE_LEVELS = [
    ("none", _("未督办")),
    (SupervisionNotice.Level.REMINDER, _("催办")),
    (SupervisionNotice.Level.YELLOW, _("黄牌")),
    (SupervisionNotice.Level.RED, _("红牌")),
]


class OverdueFilter(StyledFilterSet):
    """超期督办 filters: the lead unit, the highest notice issued for the current deadline, town."""

    unit = django_filters.ModelChoiceFilter(
        label=_("牵头单位"), field_name="lead_unit", queryset=Unit.objects.all(), empty_label=ALL
    )
    level = django_filters.ChoiceFilter(
        label=_("督办等级"), choices=NOTICE_LEVELS, empty_label=ALL, method="by_level"
    )
    town = django_filters.ModelChoiceFilter(
        label=_("属地"), field_name="enterprise__town", queryset=Town.objects.all(), empty_label=ALL
    )
    category = django_filters.ModelChoiceFilter(
        label=_("类别"), queryset=Category.objects.all(), empty_label=ALL
    )

    class Meta:
        model = Request
        fields = ["unit", "level", "town", "category"]

    def __init__(self, data=None, queryset=None, *, request=None, towns, **kwargs):
        """``towns``: the user's towns, already scoped by the view."""
        super().__init__(data, queryset, request=request, **kwargs)
        self.filters["town"].queryset = towns

    def by_level(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(top_notice=value)


class ProblemFilter(StyledFilterSet):
    """共性问题 filters: category, a town the problem reaches, a keyword."""

    category = django_filters.ModelChoiceFilter(
        label=_("类别"), queryset=Category.objects.all(), empty_label=ALL
    )
    town = django_filters.ModelChoiceFilter(
        label=_("涉及镇街"), queryset=Town.objects.all(), empty_label=ALL, method="by_town"
    )
    q = django_filters.CharFilter(label=_("关键词"), method="search")

    class Meta:
        model = ProblemCluster
        fields = ["category", "town", "q"]

    def __init__(self, data=None, queryset=None, *, request=None, towns, **kwargs):
        """``towns``: the user's towns, already scoped by the view."""
        super().__init__(data, queryset, request=request, **kwargs)
        self.filters["town"].queryset = towns

    def by_town(self, queryset, name, value):
        if not value:
            return queryset
        # A subquery, not a join: the annotated counts of the list stay per cluster.
        reaching = ProblemClusterMember.objects.filter(request__enterprise__town=value).values("cluster_id")
        return queryset.filter(pk__in=reaching)

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(label__icontains=value) if value else queryset


class ReportForm(forms.Form):
    """月报: which month and, for county-wide staff, the county or one town."""

    month = forms.ChoiceField(label=_("月份"))
    town = forms.ModelChoiceField(
        label=_("范围"), queryset=Town.objects.none(), required=False, empty_label=_("全县")
    )

    def __init__(self, *args, towns, county: bool, today, **kwargs):
        super().__init__(*args, **kwargs)
        months = []
        first = today.replace(day=1)
        for back in range(24):
            index = first.year * 12 + first.month - 1 - back
            year, month = index // 12, index % 12 + 1
            # 2026年3月 in Chinese, "March 2026" in English.
            months.append((f"{year}-{month:02d}", date_format(dt.date(year, month, 1), "YEAR_MONTH_FORMAT")))
        self.fields["month"].choices = months
        self.fields["month"].initial = months[1][0]  # last month: the usual report
        # The towns come scoped from the view; only county-wide staff may order the county's report.
        self.fields["town"].queryset = towns
        if not county:
            self.fields["town"].required = True
            self.fields["town"].empty_label = None

    def clean_month(self):
        value = self.cleaned_data["month"]
        return dt.date.fromisoformat(f"{value}-01")


class TrustFilter(StyledFilterSet):
    """评价可信度 filters: the period only (the user's towns bound the figures)."""

    period = django_filters.ChoiceFilter(
        label=_("统计周期"), choices=windows.PERIOD_CHOICES, empty_label=None, method="keep"
    )
    start = _date_filter(_("开始日期"))
    end = _date_filter(_("截止日期"))

    class Meta:
        model = Request
        fields = ["period", "start", "end"]
        form = DashboardForm

    def keep(self, queryset, name, value):
        return queryset

    choice = ScopeFilterSet.choice
