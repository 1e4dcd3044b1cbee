"""Forms for the request pages. Every action form carries the version it was built from."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cadres.models import Unit
from cadres.reference import active_units
from enterprises.models import Enterprise, Town
from qiqing import refdata
from qiqing.widgets import SearchableCheckboxes
from requests_tracker import rules
from requests_tracker.dispatch.selectors import route_for
from requests_tracker.models import Category, Escalation, Request
from requests_tracker.services import ContactMethod, ReturnReason


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by content and size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.gif,.webp,application/pdf,image/*"}),
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [super(MultipleFileField, self).clean(item, initial) for item in files]
        files = [item for item in files if item]
        rules.check_attachments(files)
        return files


def _attachment_help():
    return _("可选。PDF 或图片（PNG、JPEG、GIF、WebP），每个不超过 %(mb)s MB，最多 %(n)s 个。") % {
        "mb": settings.QIQING_UPLOAD_MAX_BYTES // (1024 * 1024),
        "n": settings.QIQING_MAX_ATTACHMENTS,
    }


def _categories():
    return Category.objects.filter(active=True)


class PortalSubmitForm(forms.Form):
    """An enterprise contact raises a request for their own enterprise."""

    category = forms.ModelChoiceField(
        label=_("问题类别"),
        queryset=_categories(),
        empty_label=_("请选择"),
        error_messages={"required": _("请选择问题类别。"), "invalid_choice": _("请选择有效的问题类别。")},
    )
    # Lengths are checked here with a message (rules.description_problem), not by the browser,
    # which would cut a pasted text short without a word.
    description = forms.CharField(
        label=_("问题描述"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )
    contact_name = forms.CharField(
        label=_("联系人"),
        max_length=50,
        required=False,
        error_messages={"max_length": _("联系人最多 50 字。")},
    )
    contact_phone = forms.CharField(
        label=_("联系电话"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("11 位手机号码或带区号的固定电话，如 13905731234、0573-84123456。"),
    )
    attachments = MultipleFileField(label=_("附件"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories()
        self.fields["attachments"].help_text = _attachment_help()
        self.fields["description"].help_text = _(
            "请写清遇到的问题、涉及的人数或金额、希望得到的帮助（%(min)s–%(max)s 字）。"
        ) % {"min": rules.DESCRIPTION_MIN, "max": rules.DESCRIPTION_MAX}

    def clean_description(self):
        value = (self.cleaned_data.get("description") or "").strip()
        if problem := rules.description_problem(value):
            raise ValidationError(problem)
        return value

    def clean_contact_phone(self):
        value = self.cleaned_data.get("contact_phone") or ""
        if problem := rules.phone_problem(value):
            raise ValidationError(problem)
        return rules.normalize_phone(value)


class StaffEntryForm(PortalSubmitForm):
    """Staff record a request heard on the hotline or at a meeting (热线登记 / 座谈会)."""

    SOURCES = [
        (Request.Source.HOTLINE, Request.Source.HOTLINE.label),
        (Request.Source.MEETING, Request.Source.MEETING.label),
    ]

    source = forms.ChoiceField(label=_("来源"), choices=SOURCES)
    enterprise = forms.CharField(
        label=_("企业"),
        max_length=200,
        help_text=_("输入企业全称或统一社会信用代码。"),
        widget=forms.TextInput(attrs={"list": "qq-enterprise-names", "autocomplete": "off"}),
    )
    field_order = [
        "source",
        "enterprise",
        "category",
        "description",
        "contact_name",
        "contact_phone",
        "attachments",
    ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprises = Enterprise.objects.visible_to(user).active()
        self.fields["contact_name"].required = True
        self.fields["contact_name"].error_messages["required"] = _("请填写联系人。")

    def clean_enterprise(self):
        value = self.cleaned_data["enterprise"].strip()
        matches = list(self.enterprises.filter(uscc=value.upper())[:1]) or list(
            self.enterprises.filter(name=value)[:2]
        )
        if not matches:
            raise ValidationError(
                _("在您的管理范围内找不到企业“%(v)s”，请核对全称或信用代码。") % {"v": value}
            )
        if len(matches) > 1:
            raise ValidationError(_("有多家企业名为“%(v)s”，请改用统一社会信用代码。") % {"v": value})
        return matches[0]


class ActionForm(forms.Form):
    """Base for the forms on a request page: the version makes a stale page's post harmless."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, request_obj=None, user=None, **kwargs):
        self.request_obj = request_obj
        self.user = user
        super().__init__(*args, **kwargs)
        if request_obj is not None and not self.is_bound:
            self.initial.setdefault("version", request_obj.version)


class AssignForm(ActionForm):
    category = forms.ModelChoiceField(label=_("问题类别"), queryset=_categories(), empty_label=None)
    lead_unit = forms.ModelChoiceField(
        label=_("牵头单位（主办）"), queryset=Unit.objects.none(), empty_label=_("请选择")
    )
    assist_units = forms.ModelMultipleChoiceField(
        label=_("协办单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=SearchableCheckboxes(search_label=_("输入单位名称筛选")),
    )
    note = forms.CharField(label=_("交办说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(active=True).select_related("town")
        self.fields["lead_unit"].queryset = units
        self.fields["assist_units"].queryset = units
        # Formatted here, not in the class body: a lazy text formatted at import would freeze in Chinese.
        self.fields["assist_units"].help_text = _(
            "可勾选多个，输入名称可筛选；协办单位在 %(n)s 个工作日内向牵头单位反馈。"
        ) % {"n": settings.QIQING_ASSIST_DAYS}
        self.fields["category"].queryset = _categories()
        if self.request_obj is not None and not self.is_bound:
            self.initial.setdefault("category", self.request_obj.category_id)
        self.route = route_for(self.request_obj) if self.request_obj is not None else None
        if self.route is not None:
            # Pre-filled from the dispatch catalogue, and the page says so (按派单目录).
            if not self.is_bound:
                self.initial.setdefault("lead_unit", self.route.lead_unit.pk)
                self.initial.setdefault("assist_units", [unit.pk for unit in self.route.assist_units])
            self.fields["lead_unit"].help_text = self.route.why
            self.fields["note"].help_text = _("与派单目录不一致时必须写明理由。")
        if self.request_obj is not None and self.request_obj.return_flagged:
            self.fields["note"].required = True
            self.fields["note"].help_text = _("该诉求已多次退回，请写明本次交办的决定理由。")

    def clean(self):
        data = super().clean()
        lead = data.get("lead_unit")
        if lead and lead in (data.get("assist_units") or []):
            self.add_error("assist_units", _("牵头单位不能同时作为协办单位。"))
        return data


class RejectForm(ActionForm):
    kind = forms.ChoiceField(label=_("类型"), choices=Request.RejectKind.choices, widget=forms.RadioSelect)
    duplicate_of = forms.CharField(
        label=_("重复于（原诉求编号）"),
        max_length=32,
        required=False,
        help_text=_("类型为重复诉求时必填，如 QQ2026000123。"),
    )
    reason = forms.CharField(label=_("理由（企业可见）"), widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        ref = (data.get("duplicate_of") or "").strip().upper()
        data["duplicate_of"] = None
        if data.get("kind") == Request.RejectKind.DUPLICATE:
            if not ref:
                self.add_error("duplicate_of", _("重复诉求请填写原诉求编号。"))
            else:
                original = Request.objects.visible_to(self.user).filter(ref=ref).first()
                if original is None:
                    self.add_error("duplicate_of", _("找不到编号为 %(ref)s 的诉求。") % {"ref": ref})
                data["duplicate_of"] = original
        return data


class SignForm(ActionForm):
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class ContactForm(ActionForm):
    method = forms.ChoiceField(label=_("联系方式"), choices=ContactMethod.CHOICES)
    note = forms.CharField(label=_("联系情况"), widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(ActionForm):
    text = forms.CharField(label=_("办理进展"), widget=forms.Textarea(attrs={"rows": 3}))
    public = forms.BooleanField(label=_("企业可见"), required=False, help_text=_("不勾选则仅内部可见。"))


class AssistForm(ActionForm):
    answer = forms.CharField(label=_("协办意见（反馈牵头单位）"), widget=forms.Textarea(attrs={"rows": 3}))


class ReturnForm(ActionForm):
    reason = forms.ChoiceField(label=_("退回原因"), choices=ReturnReason.CHOICES)
    note = forms.CharField(label=_("具体说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ExtendAskForm(ActionForm):
    proposed_due = forms.DateField(label=_("申请延至"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtendDecideForm(ActionForm):
    decision = forms.ChoiceField(
        label=_("审批意见"),
        choices=[
            ("approve", pgettext_lazy("decision", "同意延期")),
            ("refuse", pgettext_lazy("decision", "不同意")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class EscalateForm(ActionForm):
    level = forms.ChoiceField(label=_("上报至"), choices=Escalation.Level.choices)
    reason = forms.CharField(label=_("上报理由"), widget=forms.Textarea(attrs={"rows": 3}))


class EscalateReplyForm(ActionForm):
    answer = forms.CharField(label=_("上级答复意见"), widget=forms.Textarea(attrs={"rows": 3}))


class RespondForm(ActionForm):
    outcome = forms.ChoiceField(
        label=_("办理结果"), choices=Request.Outcome.choices, widget=forms.RadioSelect
    )
    response = forms.CharField(
        label=_("答复企业"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("写明办理情况；如承诺后续办理，请写明完成日期（如“2026年12月15日前”）。"),
    )

    def clean_response(self):
        text = self.cleaned_data["response"]
        problem = rules.reply_problem(text)
        if problem:
            raise ValidationError(problem)
        return text


class RateForm(ActionForm):
    satisfaction = forms.ChoiceField(
        label=_("您对答复是否满意"), choices=Request.Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("意见"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("选择不满意时请说明原因。"),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("satisfaction") == Request.Satisfaction.UNSATISFIED
            and not (data.get("comment") or "").strip()
        ):
            self.add_error("comment", _("选择不满意时请说明原因，便于重新办理。"))
        return data


class CloseForm(ActionForm):
    note = forms.CharField(label=_("销号说明"), max_length=200, required=False)


class ReopenForm(ActionForm):
    reason = forms.CharField(label=_("重新办理原因"), widget=forms.Textarea(attrs={"rows": 2}))


class SchedulePasteForm(forms.Form):
    """One year's State Council schedule, pasted from the notice (国务院办公厅关于节假日安排的通知)."""

    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    days_off = forms.CharField(
        label=_("放假日期"),
        widget=forms.Textarea(attrs={"rows": 9}),
        help_text=_("每行一个节日，可写日期区间，格式见示例。"),
    )
    workdays_text = forms.CharField(
        label=_("调休上班日期"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("通知中写明“上班”的周六、周日，每行一个节日。"),
    )


# --- dispatch (派单) ------------------------------------------------------------------------------
class BatchAssignForm(forms.Form):
    """One note for the whole batch; the catalogue routes each ticked request."""

    note = forms.CharField(
        label=_("交办说明"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("交办说明：请写明本批交办的说明（如“第N周新收诉求”）。")},
    )
    fallback_lead_unit = forms.ModelChoiceField(
        label=_("目录外诉求的牵头单位"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("（不设，目录外诉求须单独交办）"),
        help_text=_("类别没有派单目录的诉求交由该单位牵头，本批交办说明即为理由。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["fallback_lead_unit"]
        field.queryset = Unit.objects.filter(active=True)
        refdata.draw_choices(field, active_units)  # the options without a query


class DispatchRuleForm(forms.Form):
    """An admin's catalogue entry (派单目录): category [+ town] → units and time limit."""

    category = forms.ModelChoiceField(label=_("问题类别"), queryset=Category.objects.none(), empty_label=None)
    town = forms.ModelChoiceField(
        label=_("属地"),
        queryset=Town.objects.all(),
        required=False,
        empty_label=_("全县通用"),
        help_text=_("为空表示全县通用；填写镇街时，该镇街企业的诉求优先按此条派单。"),
    )
    lead_unit = forms.ModelChoiceField(label=_("默认牵头单位"), queryset=Unit.objects.none())
    assist_units = forms.ModelMultipleChoiceField(
        label=_("默认协办单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=SearchableCheckboxes(search_label=_("输入单位名称筛选")),
    )
    time_limit_days = forms.IntegerField(label=_("办理时限(工作日)"), min_value=1, max_value=120)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every unit is listed, stopped ones too, so choosing one is refused with a clear message.
        units = Unit.objects.select_related("town").order_by("-active", "name")
        self.fields["lead_unit"].queryset = units
        self.fields["assist_units"].queryset = units
        self.fields["category"].queryset = Category.objects.all()
