import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import DateRangeWidget

from cadres.models import Unit
from enterprises.models import Town
from qiqing.filters import ALL
from visits.models import Visit
from visits.rhythm import period_start

PHOTOS = [("yes", _("有照片")), ("no", _("无照片"))]
CHECKIN = [("yes", _("已签到")), ("mismatch", _("位置不符")), ("no", _("未签到"))]
ORIGIN = [("offline", _("离线同步")), ("online", _("在线登记"))]

PERIODS = [("month", _("本月")), ("quarter", _("本季度")), ("half", _("本半年")), ("year", _("本年"))]


class VisitFilter(django_filters.FilterSet):
    """走访记录 filters; the list page and its Excel export share it, so both show the same rows."""

    period = django_filters.ChoiceFilter(
        label=_("期间"), choices=PERIODS, method="filter_period", empty_label=_("全部")
    )
    date = django_filters.DateFromToRangeFilter(
        label=_("走访日期（起—止）"), widget=DateRangeWidget(attrs={"type": "date"})
    )
    town = django_filters.ModelChoiceFilter(
        empty_label=ALL, label=_("属地"), field_name="enterprise__town", queryset=Town.objects.all()
    )
    unit = django_filters.ModelChoiceFilter(
        empty_label=ALL, label=_("干部单位"), field_name="cadre__unit", queryset=Unit.objects.all()
    )
    cadre = django_filters.CharFilter(label=_("走访干部"), method="filter_cadre")
    mode = django_filters.ChoiceFilter(empty_label=ALL, label=_("走访方式"), choices=Visit.Mode.choices)
    enterprise = django_filters.CharFilter(label=_("企业"), method="filter_enterprise")
    photos = django_filters.ChoiceFilter(
        label=_("照片"), choices=PHOTOS, method="filter_photos", empty_label=ALL
    )
    checkin = django_filters.ChoiceFilter(
        label=_("签到"), choices=CHECKIN, method="filter_checkin", empty_label=ALL
    )
    origin = django_filters.ChoiceFilter(
        label=_("登记方式"), choices=ORIGIN, method="filter_origin", empty_label=ALL
    )

    class Meta:
        model = Visit
        fields = [
            "period",
            "date",
            "town",
            "unit",
            "cadre",
            "mode",
            "enterprise",
            "photos",
            "checkin",
            "origin",
        ]

    def filter_photos(self, queryset, name, value):
        # photo_count is annotated by visits.selectors.visit_list_queryset.
        return queryset.filter(photo_count__gt=0) if value == "yes" else queryset.filter(photo_count=0)

    def filter_checkin(self, queryset, name, value):
        if value == "mismatch":
            return queryset.filter(location_mismatch=True)
        return queryset.filter(checkin_latitude__isnull=value == "no")

    def filter_origin(self, queryset, name, value):
        return queryset.filter(offline=value == "offline")

    def filter_period(self, queryset, name, value):
        """The calendar month/quarter/half/year containing today (Asia/Shanghai), up to today."""
        today = timezone.localdate()
        return queryset.filter(date__gte=period_start(today, value), date__lte=today)

    def filter_cadre(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # The visiting cadre only (not participants), as visit counts per cadre are reckoned.
        return queryset.filter(Q(cadre__name__icontains=value) | Q(cadre__code__iexact=value))

    def filter_enterprise(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(enterprise__name__icontains=value) | Q(enterprise__uscc__iexact=value))
