import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from analytics import metrics
from analytics.periods import QUARTER, to_date
from analytics.selectors import RECORD_PERIODS
from cadres.models import Cadre, Level, Unit
from enterprises.models import Town


class CadreRecordFilter(django_filters.FilterSet):
    """Filters of the cadre records list (干部履职); ``period`` picks the figures' period only."""

    period = django_filters.ChoiceFilter(
        label="统计周期", choices=[(k, v) for k, v in RECORD_PERIODS], empty_label=None, method="keep"
    )
    q = django_filters.CharFilter(label="姓名/编号", method="search")
    unit = django_filters.ModelChoiceFilter(label="单位", queryset=Unit.objects.all())
    town = django_filters.ModelChoiceFilter(
        label="镇街", field_name="unit__town", queryset=Town.objects.all()
    )
    level = django_filters.ChoiceFilter(label="层级", choices=Level.choices)
    no_visit = django_filters.BooleanFilter(
        label="本季度未走访", method="filter_no_visit", widget=forms.CheckboxInput
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
