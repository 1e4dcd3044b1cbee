import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, Tag, Town
from qiqing.filters import ALL, yes_no_filter


class EnterpriseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称/信用代码"), method="search")
    town = django_filters.ModelChoiceFilter(empty_label=ALL, label=_("属地"), queryset=Town.objects.all())
    industry = django_filters.ChoiceFilter(
        empty_label=ALL, label=_("行业"), choices=[], method="filter_industry"
    )
    scale = django_filters.ChoiceFilter(empty_label=ALL, label=_("规模"), choices=Enterprise.Scale.choices)
    tag = django_filters.ModelChoiceFilter(
        empty_label=ALL, label=_("标签"), field_name="tags", queryset=Tag.objects.all()
    )
    active = yes_no_filter(_("在册"))

    class Meta:
        model = Enterprise
        fields = ["q", "town", "industry", "scale", "tag", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        industries = (
            Enterprise.objects.exclude(industry="")
            .values_list("industry", flat=True)
            .distinct()
            .order_by("industry")
        )
        self.filters["industry"].extra["choices"] = [(name, name) for name in industries]

    def search(self, queryset, name, value):
        value = value.strip()
        return (
            queryset.filter(Q(name__icontains=value) | Q(uscc__icontains=value.upper()))
            if value
            else queryset
        )

    def filter_industry(self, queryset, name, value):
        return queryset.filter(industry=value)
