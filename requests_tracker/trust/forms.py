"""Forms of the trust pages; the services check everything again (a form only helps the user)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from requests_tracker.trust.models import Callback, RatingAppeal


class CallbackRecordForm(forms.Form):
    """One call to the enterprise: reached (with its verdict) or not reached."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    result = forms.ChoiceField(
        label=_("回访情况"),
        choices=[(Callback.Result.REACHED, _("已联系上企业")), (Callback.Result.UNREACHED, _("未联系上"))],
        widget=forms.RadioSelect,
    )
    verdict = forms.ChoiceField(
        label=_("企业意见"),
        choices=[("", _("（未联系上时不填）")), *Callback.Verdict.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("回访记录"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=_("企业确认未解决时必填：写明企业反映的情况。"),
    )


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("申诉理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("每次“不满意”评价只能申诉一次，须在评价后规定的工作日内提出。"),
    )


class AppealDecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("复核结果"),
        choices=[
            (RatingAppeal.Status.UPHELD, _("维持评价")),
            (RatingAppeal.Status.OVERTURNED, _("撤销评价")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("复核意见"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
