import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cadres.models import Cadre, Level, Unit
from enterprises.models import Enterprise, Town
from qiqing.filters import ALL, yes_no_filter


class CadreFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("姓名/编号"), method="search")
    unit = django_filters.ModelChoiceFilter(empty_label=ALL, label=_("单位"), queryset=Unit.objects.all())
    town = django_filters.ModelChoiceFilter(
        empty_label=ALL, label=_("镇街"), field_name="unit__town", queryset=Town.objects.all()
    )
    level = django_filters.ChoiceFilter(empty_label=ALL, label=_("层级"), choices=Level.choices)
    active = yes_no_filter(_("在岗"))

    class Meta:
        model = Cadre
        fields = ["q", "unit", "town", "level", "active"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value)) if value else queryset


class AttentionFilter(django_filters.FilterSet):
    """Filters for the needs-attention lists (cadres under 2, enterprises with no liaison)."""

    town = django_filters.ModelChoiceFilter(
        empty_label=ALL, label=_("镇街"), queryset=Town.objects.all(), method="filter_town"
    )
    unit = django_filters.ModelChoiceFilter(
        empty_label=ALL, label=_("单位"), queryset=Unit.objects.all(), method="filter_unit"
    )

    class Meta:
        model = Cadre
        fields = ["town", "unit"]

    def filter_town(self, queryset, name, value):
        return queryset.filter(unit__town=value)

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit=value)


class UnassignedEnterpriseFilter(django_filters.FilterSet):
    """The same town/unit filter applied to enterprises: a unit narrows to its town, if it has one.

    A county department has no territory, so choosing one leaves the enterprise list whole.
    """

    town = django_filters.ModelChoiceFilter(
        empty_label=_("全部"), label=_("镇街"), queryset=Town.objects.all(), field_name="town"
    )
    unit = django_filters.ModelChoiceFilter(
        empty_label=_("全部"), label=_("单位"), queryset=Unit.objects.all(), method="filter_unit"
    )

    class Meta:
        model = Enterprise
        fields = ["town", "unit"]

    def filter_unit(self, queryset, name, value):
        return queryset.filter(town_id=value.town_id) if value.town_id else queryset


class EnterprisePickFilter(django_filters.FilterSet):
    """Narrowing the enterprises offered to a cadre."""

    q = django_filters.CharFilter(label=_("名称/信用代码"), method="search")
    town = django_filters.ModelChoiceFilter(
        empty_label=_("全部"), label=_("属地"), queryset=Town.objects.all()
    )
    liaison = django_filters.ChoiceFilter(
        label=_("联企干部"),
        choices=[("none", _("尚无联企干部")), ("some", _("已有联企干部"))],
        empty_label=_("全部"),
        method="filter_liaison",
    )

    class Meta:
        model = Enterprise
        fields = ["q", "town", "liaison"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(uscc__icontains=value.upper()))

    def filter_liaison(self, queryset, name, value):
        return queryset.filter(liaison_count=0) if value == "none" else queryset.filter(liaison_count__gt=0)


class CadrePickFilter(django_filters.FilterSet):
    """Finding a cadre to pair with an enterprise or to receive a transfer."""

    q = django_filters.CharFilter(label=_("姓名/编号"), method="search")
    town = django_filters.ModelChoiceFilter(
        empty_label=_("全部"), label=_("镇街"), field_name="unit__town", queryset=Town.objects.all()
    )
    unit = django_filters.ModelChoiceFilter(
        empty_label=_("全部"), label=_("单位"), queryset=Unit.objects.all()
    )

    class Meta:
        model = Cadre
        fields = ["q", "town", "unit"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value)) if value else queryset
