import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cadres.models import Unit
from enterprises.models import Town
from qiqing.filters import ALL, yes_no_filter
from requests_tracker.trust.models import Callback, RatingAppeal


class CallbackFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(empty_label=ALL, label=_("状态"), choices=Callback.Status.choices)
    reason = django_filters.ChoiceFilter(
        empty_label=ALL, label=_("回访原因"), choices=Callback.Reason.choices
    )
    verdict = django_filters.ChoiceFilter(
        empty_label=ALL, label=_("企业意见"), choices=Callback.Verdict.choices
    )
    town = django_filters.ModelChoiceFilter(empty_label=ALL, label=_("属地"), queryset=Town.objects.all())
    unit = django_filters.ModelChoiceFilter(empty_label=ALL, label=_("承办单位"), queryset=Unit.objects.all())
    false_closure = yes_no_filter(_("不实办结"), field_name="false_closure")
    late = yes_no_filter(_("回访超期"), method="by_late")
    week = django_filters.DateFilter(
        label=_("抽查周(周一)"), field_name="draw__week_start", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Callback
        fields = ["status", "reason", "verdict", "town", "unit", "false_closure", "late", "week"]

    def by_late(self, queryset, name, value):
        late = {"status": Callback.Status.PENDING, "due__lt": timezone.localdate()}
        return queryset.filter(**late) if value else queryset.exclude(**late)


class AppealFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        empty_label=ALL, label=_("复核结果"), choices=RatingAppeal.Status.choices
    )
    unit = django_filters.ModelChoiceFilter(empty_label=ALL, label=_("申诉单位"), queryset=Unit.objects.all())

    class Meta:
        model = RatingAppeal
        fields = ["status", "unit"]
