import django_filters

from cadres.models import Unit
from enterprises.models import Town
from qiqing.filters import ALL
from visits.models import Visit


class VisitFilter(django_filters.FilterSet):
    date = django_filters.DateFromToRangeFilter(label="走访日期")
    town = django_filters.ModelChoiceFilter(
        empty_label=ALL, label="属地", field_name="enterprise__town", queryset=Town.objects.all()
    )
    unit = django_filters.ModelChoiceFilter(
        empty_label=ALL, label="干部单位", field_name="cadre__unit", queryset=Unit.objects.all()
    )
    mode = django_filters.ChoiceFilter(empty_label=ALL, label="走访方式", choices=Visit.Mode.choices)
    enterprise = django_filters.CharFilter(
        label="企业", field_name="enterprise__name", lookup_expr="icontains"
    )

    class Meta:
        model = Visit
        fields = ["date", "town", "unit", "mode", "enterprise"]
