import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import DateRangeWidget

from enterprises.models import Town
from groups.models import Meetup, ServiceTeam
from qiqing.filters import ALL


class MeetupFilter(django_filters.FilterSet):
    """亲清会 list filters; the list and its Excel export share them, so both show the same rows."""

    date = django_filters.DateFromToRangeFilter(
        label=_("日期（起—止）"), widget=DateRangeWidget(attrs={"type": "date"})
    )
    host_town = django_filters.ModelChoiceFilter(
        empty_label=ALL, label=_("主办镇街"), queryset=Town.objects.none()
    )
    kind = django_filters.ChoiceFilter(empty_label=ALL, label=_("会议形式"), choices=Meetup.Kind.choices)
    theme = django_filters.CharFilter(label=_("主题"), lookup_expr="icontains")

    class Meta:
        model = Meetup
        fields = ["date", "host_town", "kind", "theme"]

    def __init__(self, *args, towns=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["host_town"].queryset = towns if towns is not None else Town.objects.all()


class TeamFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(empty_label=ALL, label=_("小组类型"), choices=ServiceTeam.Kind.choices)
    name = django_filters.CharFilter(label=_("名称"), lookup_expr="icontains")

    class Meta:
        model = ServiceTeam
        fields = ["kind", "name"]
