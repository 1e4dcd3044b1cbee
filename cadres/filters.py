import django_filters
from django.db.models import Q

from cadres.models import Cadre, Level, Unit
from enterprises.models import Town
from qiqing.filters import ALL, yes_no_filter


class CadreFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="姓名/编号", method="search")
    unit = django_filters.ModelChoiceFilter(empty_label=ALL, label="单位", queryset=Unit.objects.all())
    town = django_filters.ModelChoiceFilter(
        empty_label=ALL, label="镇街", field_name="unit__town", queryset=Town.objects.all()
    )
    level = django_filters.ChoiceFilter(empty_label=ALL, label="层级", choices=Level.choices)
    active = yes_no_filter("在岗")

    class Meta:
        model = Cadre
        fields = ["q", "unit", "town", "level", "active"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value)) if value else queryset


class AttentionFilter(django_filters.FilterSet):
    """Filters for the needs-attention lists (cadres under 2, enterprises with no liaison)."""

    town = django_filters.ModelChoiceFilter(
        empty_label=ALL, label="镇街", queryset=Town.objects.all(), method="filter_town"
    )
    unit = django_filters.ModelChoiceFilter(
        empty_label=ALL, label="单位", queryset=Unit.objects.all(), method="filter_unit"
    )

    class Meta:
        model = Cadre
        fields = ["town", "unit"]

    def filter_town(self, queryset, name, value):
        return queryset.filter(unit__town=value)

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit=value)
