"""Forms for logging and correcting visits; every message names its field in Chinese."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cadres.models import Cadre
from enterprises.models import Enterprise
from qiqing import programme
from qiqing.access import access_for
from requests_tracker.models import Category
from visits.checkin import clean_position
from visits.models import Visit
from visits.services import Problem, future_date_message

MAX_PEOPLE = 1_000_000


def enterprise_label(enterprise: Enterprise) -> str:
    return f"{enterprise.name}（{enterprise.uscc}）"


def cadre_label(cadre: Cadre) -> str:
    return f"{cadre.name}（{cadre.unit.name}·{cadre.code}）"


class LookupField(forms.CharField):
    """A text input (with a datalist filled by static/js/visits.js) naming one row of a big table.

    Accepts what the suggestions put in the box — a label ending in the row's code in brackets —
    or the bare code, or an exact, unambiguous name; so it also works when typed by hand.
    """

    def __init__(self, *, queryset, code_field: str, code_pattern: str, noun: str, upper=False, **kwargs):
        self.queryset = queryset
        self.upper = upper
        self.code_field = code_field
        self.code_pattern = re.compile(code_pattern)
        self.noun = noun
        kwargs.setdefault("max_length", 250)
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        match = self.code_pattern.search(text)
        code = (match.group(1) if match else text).strip()
        found = self.queryset.filter(**{self.code_field: code.upper() if self.upper else code}).first()
        if found is None:
            by_name = list(self.queryset.filter(name=text.strip())[:2])
            if len(by_name) == 1:
                found = by_name[0]
            elif len(by_name) > 1:
                raise forms.ValidationError(
                    _("有多个同名%(noun)s，请从下拉提示中选择。") % {"noun": self.noun}
                )
        if found is None:
            raise forms.ValidationError(
                _("找不到“%(text)s”，请从下拉提示中选择您范围内的%(noun)s。")
                % {"text": text, "noun": self.noun}
            )
        return found


class ParticipantsField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=Cadre.objects.active().select_related("unit"),
            required=False,
            label=_("同行干部"),
            error_messages={
                "invalid_choice": _("同行干部中有人已不在岗或不存在，请重新选择。"),
                "invalid_pk_value": _("同行干部选择有误，请重新选择。"),
            },
            **kwargs,
        )


def _survey_fields():
    return {
        "orders": forms.ChoiceField(
            label=_("订单情况"), required=False, choices=[("", _("未填"))] + list(Visit.Orders.choices)
        ),
        "headcount": forms.IntegerField(
            label=_("在岗职工数"),
            required=False,
            min_value=0,
            max_value=MAX_PEOPLE,
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            error_messages={
                "invalid": _("在岗职工数须为整数（人）。"),
                "min_value": _("在岗职工数不能为负数。"),
                "max_value": _("在岗职工数不能超过 %(limit_value)s。"),
            },
        ),
        "vacancies": forms.IntegerField(
            label=_("用工缺口(人)"),
            required=False,
            min_value=0,
            max_value=MAX_PEOPLE,
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            error_messages={
                "invalid": _("用工缺口须为整数（人）。"),
                "min_value": _("用工缺口不能为负数。"),
                "max_value": _("用工缺口不能超过 %(limit_value)s。"),
            },
        ),
        "output_yoy": forms.DecimalField(
            label=_("产值/销售同比(%)"),
            required=False,
            min_value=Decimal(-100),
            max_value=Decimal(1000),
            max_digits=7,
            decimal_places=2,
            widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
            help_text=_("与去年同期相比，增长填正数，下降填负数，如 -5.5。"),
            error_messages={
                "invalid": _("产值/销售同比须为数字（百分比），如 12.5 或 -5。"),
                # "%%": Django %-formats these two messages with the limit.
                "min_value": _("产值/销售同比不能低于 -100%%。"),
                "max_value": _("产值/销售同比不能超过 1000%%。"),
                "max_decimal_places": _("产值/销售同比最多保留两位小数。"),
                "max_digits": _("产值/销售同比数值过大。"),
                "max_whole_digits": _("产值/销售同比数值过大。"),
            },
        ),
        "profit_trend": forms.ChoiceField(
            label=_("利润趋势"), required=False, choices=[("", _("未填"))] + list(Visit.Trend.choices)
        ),
    }


def _date_field():
    # The widget's max (today) is set per form in __init__, not here at import time.
    return forms.DateField(
        label=_("走访日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("请填写走访日期。"),
            "invalid": _("走访日期格式应为 年-月-日，如 2026-03-18。"),
        },
    )


def _clean_date(value):
    today = timezone.localdate()
    if value and value > today:
        raise forms.ValidationError(future_date_message(today))
    return value


class VisitLogForm(forms.Form):
    """走访登记: a cadre picks from their own enterprises; a supervisor searches any in scope."""

    date = _date_field()
    mode = forms.ChoiceField(
        label=_("走访方式"),
        choices=Visit.Mode.choices,
        initial=Visit.Mode.ONSITE,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择走访方式。"), "invalid_choice": _("请选择有效的走访方式。")},
    )
    participants = ParticipantsField()
    summary = forms.CharField(
        label=_("走访情况"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("企业生产经营情况、反映的意见建议……")}),
        error_messages={"required": _("请填写走访情况。"), "max_length": _("走访情况最多 5000 字。")},
    )
    confirm_duplicate = forms.BooleanField(label=_("确认仍要登记"), required=False)
    # Filled by static/js/visits-offline.js: the check-in position and whether it waited offline.
    checkin_latitude = forms.CharField(required=False, widget=forms.HiddenInput, max_length=30)
    checkin_longitude = forms.CharField(required=False, widget=forms.HiddenInput, max_length=30)
    checkin_accuracy = forms.CharField(required=False, widget=forms.HiddenInput, max_length=30)
    offline = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        access = access_for(actor)
        self.staff_mode = access.is_staff_reader
        self.fields.update(_survey_fields())
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.asking_duplicate = False
        if self.staff_mode:
            self.fields["enterprise"] = LookupField(
                label=_("企业"),
                queryset=Enterprise.objects.visible_to(actor).active(),
                code_field="uscc",
                code_pattern=r"([0-9A-Za-z]{18})\s*）?\s*$",
                noun=pgettext_lazy("noun in a sentence", "企业"),
                upper=True,
                widget=forms.TextInput(
                    attrs={"list": "enterprise-options", "data-lookup": "enterprise", "autocomplete": "off"}
                ),
                help_text=_("输入企业名称或信用代码的一部分，从提示中选择。"),
                error_messages={"required": _("请选择企业。")},
            )
            self.fields["cadre"] = LookupField(
                label=_("走访干部"),
                queryset=Cadre.objects.active().select_related("unit"),
                code_field="code",
                code_pattern=r"·([^·（）]+)）\s*$",
                noun=pgettext_lazy("noun in a sentence", "干部"),
                required=False,
                widget=forms.TextInput(
                    attrs={"list": "cadre-options", "data-lookup": "cadre", "autocomplete": "off"}
                ),
                help_text=_("须为该企业在走访日期的联企干部；选择企业后自动填入主联系干部。"),
            )
        else:
            self.fields["enterprise"] = forms.ModelChoiceField(
                label=_("企业"),
                queryset=Enterprise.objects.filter(
                    active=True, assignments__cadre_id=access.cadre_id, assignments__end__isnull=True
                ).order_by("name"),
                empty_label=_("请选择您联系的企业"),
                error_messages={
                    "required": _("请选择企业。"),
                    "invalid_choice": _("只能选择您当前联系的企业。"),
                },
            )
        self.order_fields(["enterprise", "cadre", "date", "mode", "participants", "summary"])

    def clean_date(self):
        return _clean_date(self.cleaned_data.get("date"))

    def clean(self):
        data = super().clean()
        data["position"] = None
        if not programme.value("checkin_enabled"):
            return data  # check-in off: a position the phone sent anyway is not kept
        try:
            data["position"] = clean_position(
                data.get("checkin_latitude"), data.get("checkin_longitude"), data.get("checkin_accuracy")
            )
        except forms.ValidationError as exc:
            self.add_error(None, exc.message_dict["checkin"])
        return data

    def ask_duplicate_confirmation(self, existing: Visit) -> None:
        """Re-show the form with the warning and the 确认仍要登记 box (service found a same-day visit)."""
        self.asking_duplicate = True
        self.duplicate_of = existing

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            key: data.get(key)
            for key in (
                "enterprise",
                "date",
                "mode",
                "summary",
                "headcount",
                "vacancies",
                "output_yoy",
            )
        }
        kwargs.update(
            participants=list(data.get("participants") or []),
            orders=data.get("orders") or "",
            profit_trend=data.get("profit_trend") or "",
            confirm_duplicate=bool(data.get("confirm_duplicate")),
            cadre=data.get("cadre"),
            position=data.get("position"),
            offline=bool(data.get("offline")),
        )
        return kwargs

    def selected_participants(self):
        return selected_participants(self)

    @property
    def survey_open(self):
        return survey_open(self)


class ProblemForm(forms.Form):
    """One problem the enterprise reported (category + description) → one request."""

    category = forms.ModelChoiceField(
        label=_("问题类别"),
        queryset=Category.objects.filter(active=True),
        empty_label=_("请选择问题类别"),
        error_messages={"required": _("请选择问题类别。"), "invalid_choice": _("请选择有效的问题类别。")},
    )
    description = forms.CharField(
        label=_("问题描述"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("企业反映的具体困难或诉求")}),
        error_messages={"required": _("请填写问题描述。"), "max_length": _("问题描述最多 2000 字。")},
    )
    to_team = forms.BooleanField(
        label=_("转交我的服务小组协同办理"),
        required=False,
        help_text=_("受理分办时会看到这条建议。"),
    )


class BaseProblemFormSet(forms.BaseFormSet):
    def problems(self) -> list[Problem]:
        return [
            Problem(
                category=f.cleaned_data["category"],
                description=f.cleaned_data["description"],
                to_team=bool(f.cleaned_data.get("to_team")),
            )
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


ProblemFormSet = forms.formset_factory(
    ProblemForm,
    formset=BaseProblemFormSet,
    extra=0,
    max_num=20,
    validate_max=True,
    absolute_max=20,
)
PROBLEM_PREFIX = "problems"


class VisitCorrectForm(forms.Form):
    """更正走访: the fields of the visit that may change; enterprise and cadre stay as logged."""

    date = _date_field()
    mode = forms.ChoiceField(
        label=_("走访方式"),
        choices=Visit.Mode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择走访方式。"), "invalid_choice": _("请选择有效的走访方式。")},
    )
    participants = ParticipantsField()
    summary = forms.CharField(
        label=_("走访情况"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写走访情况。"), "max_length": _("走访情况最多 5000 字。")},
    )
    reason = forms.CharField(
        label=_("更正说明"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：日期填错、补充调查数据")}),
        error_messages={"max_length": _("更正说明最多 200 字。")},
    )

    def __init__(self, *args, visit: Visit, **kwargs):
        initial = {
            "date": visit.date,
            "mode": visit.mode,
            "participants": list(visit.participants.all()),
            "summary": visit.summary,
            "orders": visit.orders,
            "headcount": visit.headcount,
            "vacancies": visit.vacancies,
            "output_yoy": visit.output_yoy,
            "profit_trend": visit.profit_trend,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.visit = visit
        self.fields.update(_survey_fields())
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.order_fields(["date", "mode", "participants", "summary"])

    def clean_date(self):
        return _clean_date(self.cleaned_data.get("date"))

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["participants"] = list(data.get("participants") or [])
        data["orders"] = data.get("orders") or ""
        data["profit_trend"] = data.get("profit_trend") or ""
        return data

    def selected_participants(self):
        return selected_participants(self)

    @property
    def survey_open(self):
        return survey_open(self)


SURVEY_NAMES = ("orders", "headcount", "vacancies", "output_yoy", "profit_trend")


def survey_open(form) -> bool:
    """Unfold the optional survey when it holds something: values or errors."""
    if any(form[name].errors for name in SURVEY_NAMES):
        return True
    return any(form[name].value() not in (None, "") for name in SURVEY_NAMES)


def selected_participants(form) -> list[Cadre]:
    """The cadres to show as chips: what was posted, else what the form started with."""
    if form.is_bound:
        ids = [value for value in form.data.getlist(form.add_prefix("participants")) if value.isdigit()]
        return list(Cadre.objects.filter(pk__in=ids).select_related("unit"))
    return list(form.initial.get("participants") or [])
