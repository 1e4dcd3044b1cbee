from functools import partial

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import DateRangeWidget

from cadres.models import Unit
from cadres.reference import UNITS
from enterprises.models import Town
from enterprises.reference import town_rows
from qiqing import refdata
from qiqing.filters import ALL, yes_no_filter
from requests_tracker.models import Category, Request, SupervisionNotice
from requests_tracker.reference import CATEGORIES


class ReferenceChoices:
    """A filter form whose category, town and unit options come from the per-process reference
    tables instead of a query (a server-side cursor each on PostgreSQL) per page."""

    def reference_rows(self) -> dict:
        """{filter name: a callable giving the rows its queryset would give, in its order}."""
        return {}

    @property
    def form(self):
        drawn = hasattr(self, "_form")
        form = super().form
        if not drawn:
            for name, rows in self.reference_rows().items():
                refdata.draw_choices(form.fields[name], rows)
        return form


class RequestFilter(ReferenceChoices, django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("编号/企业/内容"), method="search")
    status = django_filters.ChoiceFilter(empty_label=ALL, label=_("状态"), choices=Request.Status.choices)
    category = django_filters.ModelChoiceFilter(
        empty_label=ALL, label=_("类别"), queryset=Category.objects.all()
    )
    source = django_filters.ChoiceFilter(empty_label=ALL, label=_("来源"), choices=Request.Source.choices)
    town = django_filters.ModelChoiceFilter(
        empty_label=ALL, label=_("属地"), field_name="enterprise__town", queryset=Town.objects.all()
    )
    lead_unit = django_filters.ModelChoiceFilter(
        empty_label=ALL, label=_("牵头单位"), queryset=Unit.objects.all()
    )
    overdue = yes_no_filter(_("已超期"), field_name="is_overdue")
    open = yes_no_filter(_("在办"), method="filter_open")
    submitted = django_filters.DateFromToRangeFilter(
        label=_("提出日期（起—止）"),
        field_name="submitted_at",
        widget=DateRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = Request
        fields = ["q", "status", "category", "source", "town", "lead_unit", "overdue", "open", "submitted"]

    def reference_rows(self):
        return {
            "category": CATEGORIES.get,
            "town": partial(town_rows, self.filters["town"].queryset),
            "lead_unit": UNITS.get,
        }

    def filter_open(self, queryset, name, value):
        """在办: not yet closed (the overview's 在办诉求 links here)."""
        open_ = Q(status__in=Request.OPEN_STATUSES)
        return queryset.filter(open_ if value else ~open_)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(ref__icontains=value) | Q(enterprise__name__icontains=value) | Q(description__icontains=value)
        )


class PortalFilter(django_filters.FilterSet):
    """The enterprise contact's own list: by status only."""

    status = django_filters.ChoiceFilter(empty_label=ALL, label=_("状态"), choices=Request.Status.choices)

    class Meta:
        model = Request
        fields = ["status"]


class InboxFilter(django_filters.FilterSet):
    ROLE_CHOICES = [("lead", _("主办")), ("assist", _("协办"))]

    q = django_filters.CharFilter(label=_("编号/企业/内容"), method="search")
    status = django_filters.ChoiceFilter(empty_label=ALL, label=_("状态"), choices=Request.Status.choices)
    role = django_filters.ChoiceFilter(
        empty_label=ALL, label=_("承办角色"), choices=ROLE_CHOICES, method="by_role"
    )
    overdue = yes_no_filter(_("已超期"), field_name="is_overdue")

    class Meta:
        model = Request
        fields = ["q", "status", "role", "overdue"]

    search = RequestFilter.search

    def by_role(self, queryset, name, value):
        if value == "lead":
            return queryset.filter(is_lead=True)
        if value == "assist":
            return queryset.filter(is_lead=False)
        return queryset


class NoticeFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(
        empty_label=ALL, label=_("等级"), choices=SupervisionNotice.Level.choices
    )
    unit = django_filters.ModelChoiceFilter(
        empty_label=ALL, label=_("被督办单位"), queryset=Unit.objects.all()
    )
    town = django_filters.ModelChoiceFilter(empty_label=ALL, label=_("属地"), queryset=Town.objects.all())
    year = django_filters.NumberFilter(label=_("年份"))

    class Meta:
        model = SupervisionNotice
        fields = ["level", "unit", "town", "year"]


_DATE = forms.DateInput(attrs={"type": "date"})


class TriageFilter(ReferenceChoices, django_filters.FilterSet):
    """The triage queue (受理分办): narrow the new requests before ticking them for a batch."""

    q = django_filters.CharFilter(label=_("编号/企业/内容"), method="search")
    category = django_filters.ModelChoiceFilter(
        empty_label=ALL, label=_("类别"), queryset=Category.objects.all()
    )
    town = django_filters.ModelChoiceFilter(
        empty_label=ALL, label=_("属地"), field_name="enterprise__town", queryset=Town.objects.none()
    )
    source = django_filters.ChoiceFilter(empty_label=ALL, label=_("来源"), choices=Request.Source.choices)
    submitted_from = django_filters.DateFilter(
        label=_("提出日期起"), field_name="submitted_at", lookup_expr="date__gte", widget=_DATE
    )
    submitted_to = django_filters.DateFilter(
        label=_("提出日期止"), field_name="submitted_at", lookup_expr="date__lte", widget=_DATE
    )

    class Meta:
        model = Request
        fields = ["q", "category", "town", "source", "submitted_from", "submitted_to"]

    def __init__(self, *args, towns=None, **kwargs):
        super().__init__(*args, **kwargs)
        if towns is not None:
            self.filters["town"].queryset = towns

    def reference_rows(self):
        return {"category": CATEGORIES.get, "town": partial(town_rows, self.filters["town"].queryset)}

    search = RequestFilter.search
