from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cadres.models import Cadre, Unit
from enterprises.models import Enterprise, Town
from groups.models import IndustryChain, Meetup, ServiceTeam
from requests_tracker.forms import MultipleFileField
from requests_tracker.models import Category


def _cadres(user):
    return Cadre.objects.visible_to(user).active().select_related("unit").order_by("unit__code", "code")


class MeetupForm(forms.Form):
    """登记亲清会: one form for the meetup, its attendees and (in a formset) the problems raised."""

    kind = forms.ChoiceField(label=_("会议形式"), choices=Meetup.Kind.choices, initial=Meetup.Kind.QINQING)
    theme = forms.CharField(
        label=_("主题"), max_length=200, error_messages={"required": _("主题：请填写亲清会主题。")}
    )
    date = forms.DateField(
        label=_("日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("日期：请填写亲清会日期。"),
            "invalid": _("日期：格式应为 YYYY-MM-DD。"),
        },
    )
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    host_town = forms.ModelChoiceField(
        label=_("主办镇街"),
        queryset=Town.objects.none(),
        error_messages={"required": _("主办镇街：请选择主办镇街。")},
    )
    host_unit = forms.ModelChoiceField(label=_("主办单位"), queryset=Unit.objects.none(), required=False)
    enterprises = forms.ModelMultipleChoiceField(
        label=_("参会企业"),
        queryset=Enterprise.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8, "data-meetup-enterprises": ""}),
        help_text=_("可多选（手机上点选，电脑上按住 Ctrl 多选）。每家参会企业计为当日已走访。"),
        error_messages={
            "required": _("参会企业：请至少选择一家参会企业。"),
            "invalid_choice": _("参会企业：所选企业不在您的管理范围内。"),
        },
    )
    cadres = forms.ModelMultipleChoiceField(
        label=_("参会干部"),
        queryset=Cadre.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    units = forms.ModelMultipleChoiceField(
        label=_("参会部门"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    minutes = forms.CharField(label=_("会议纪要"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    minutes_shareable = forms.BooleanField(
        label=_("纪要向参会企业公开"), required=False, help_text=_("勾选后参会企业的联络人可以阅读会议纪要。")
    )
    photos = MultipleFileField(label=_("会议照片"), help_text=_("可选，图片。"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].widget.attrs["max"] = f"{timezone.localdate():%Y-%m-%d}"
        towns = Town.objects.visible_to(user).order_by("order", "code")
        self.fields["host_town"].queryset = towns
        if towns.count() == 1:
            self.fields["host_town"].initial = towns.first()
        self.fields["host_unit"].queryset = Unit.objects.filter(active=True).order_by("level", "code")
        self.fields["enterprises"].queryset = enterprise_choices(user)
        self.fields["cadres"].queryset = _cadres(user)
        self.fields["units"].queryset = Unit.objects.filter(active=True, kind=Unit.Kind.DEPARTMENT).order_by(
            "code"
        )

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise ValidationError(_("日期：亲清会日期不能晚于今天。"))
        return value


def enterprise_choices(user):
    return Enterprise.objects.visible_to(user).filter(active=True).order_by("town__order", "name")


class AttendeeSelect(forms.Select):
    """A problem row's enterprise: the options are the meetup's attendees, which static/js/groups.js
    copies from the 参会企业 box as they are chosen — the row renders only its current choice, so a
    county-wide list is sent once per page, not once per row."""

    def optgroups(self, name, value, attrs=None):
        chosen = {str(v) for v in value if v not in (None, "")}
        kept = []
        for group, options, index in super().optgroups(name, value, attrs):
            options = [o for o in options if str(o["value"]) in chosen or o["value"] == ""]
            if options:
                kept.append((group, options, index))
        return kept


class MeetupProblemForm(forms.Form):
    """One problem an attending enterprise raised → one request (source 座谈会/亲清会)."""

    enterprise = forms.ModelChoiceField(
        label=_("提出企业"),
        queryset=Enterprise.objects.none(),
        empty_label=_("请选择参会企业"),
        widget=AttendeeSelect(attrs={"data-attendee-select": ""}),
        error_messages={
            "required": _("提出企业：请选择提出问题的企业。"),
            "invalid_choice": _("提出企业：请选择参会企业。"),
        },
    )
    category = forms.ModelChoiceField(
        label=_("问题类别"),
        queryset=Category.objects.filter(active=True),
        empty_label=_("请选择问题类别"),
        error_messages={"required": _("请选择问题类别。"), "invalid_choice": _("请选择有效的问题类别。")},
    )
    description = forms.CharField(
        label=_("问题描述"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写问题描述。"), "max_length": _("问题描述最多 2000 字。")},
    )
    contact_name = forms.CharField(label=_("企业联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(
        label=_("联系电话"), max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprise_choices(user)
        self.fields["category"].queryset = Category.objects.filter(active=True)


class BaseMeetupProblemFormSet(forms.BaseFormSet):
    def problems(self):
        from groups.services import MeetupProblem

        return [
            MeetupProblem(
                enterprise=f.cleaned_data["enterprise"],
                category=f.cleaned_data["category"],
                description=f.cleaned_data["description"],
                contact_name=f.cleaned_data.get("contact_name") or "",
                contact_phone=f.cleaned_data.get("contact_phone") or "",
            )
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


MeetupProblemFormSet = forms.formset_factory(
    MeetupProblemForm,
    formset=BaseMeetupProblemFormSet,
    extra=2,
    max_num=30,
    validate_max=True,
    absolute_max=30,
)
PROBLEM_PREFIX = "problems"


class TeamForm(forms.Form):
    """An admin creates or changes a service team (the change log records every save)."""

    code = forms.CharField(label=_("小组编码"), max_length=20)
    name = forms.CharField(label=_("小组名称"), max_length=100)
    kind = forms.ChoiceField(label=_("小组类型"), choices=ServiceTeam.Kind.choices)
    town = forms.ModelChoiceField(label=_("所属镇街"), queryset=Town.objects.all(), required=False)
    leader = forms.ModelChoiceField(
        label=_("组长"), queryset=Cadre.objects.none(), required=False, empty_label=_("请选择组长")
    )
    members = forms.ModelMultipleChoiceField(
        label=_("成员干部"),
        queryset=Cadre.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    units = forms.ModelMultipleChoiceField(
        label=_("成员单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    enterprises = forms.ModelMultipleChoiceField(
        label=_("服务企业"),
        queryset=Enterprise.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    chain = forms.ModelChoiceField(
        label=_("服务产业链"), queryset=IndustryChain.objects.all(), required=False
    )
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        cadres = _cadres(user)
        self.fields["leader"].queryset = cadres
        self.fields["members"].queryset = cadres
        self.fields["units"].queryset = Unit.objects.filter(active=True).order_by("level", "code")
        self.fields["enterprises"].queryset = enterprise_choices(user)

    @classmethod
    def initial_for(cls, team: ServiceTeam) -> dict:
        return {
            "code": team.code,
            "name": team.name,
            "kind": team.kind,
            "town": team.town_id,
            "leader": team.leader_id,
            "members": list(team.members.values_list("pk", flat=True)),
            "units": list(team.units.values_list("pk", flat=True)),
            "enterprises": list(team.enterprises.values_list("pk", flat=True)),
            "chain": team.chain_id,
            "note": team.note,
            "active": team.active,
        }
