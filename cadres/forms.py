"""Forms for pair management and ledger uploads; every label and message in Chinese."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cadres.models import Cadre
from enterprises.models import Enterprise
from qiqing.ledger import kinds


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _today():
    return timezone.localdate()


class EndAssignmentForm(forms.Form):
    end = forms.DateField(
        label=_("结束日期"), initial=_today, widget=DateInput(), help_text=_("联系关系的最后一天")
    )


class AddEnterprisesForm(forms.Form):
    enterprises = forms.ModelMultipleChoiceField(
        label=_("企业"),
        queryset=Enterprise.objects.none(),
        error_messages={"required": _("请至少勾选一家企业。")},
    )
    start = forms.DateField(label=_("开始日期"), initial=_today, widget=DateInput())

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["enterprises"].queryset = candidates


class AddCadreForm(forms.Form):
    cadre = forms.ModelChoiceField(label=_("干部"), queryset=Cadre.objects.none())
    start = forms.DateField(label=_("开始日期"), initial=_today, widget=DateInput())

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["cadre"].queryset = candidates


class TransferForm(forms.Form):
    enterprises = forms.ModelMultipleChoiceField(
        label=_("移交的企业"),
        queryset=Enterprise.objects.none(),
        error_messages={"required": _("请至少勾选一家要移交的企业。")},
    )
    to_cadre = forms.ModelChoiceField(label=_("接收干部"), queryset=Cadre.objects.none())
    on = forms.DateField(
        label=_("移交日期"),
        initial=_today,
        widget=DateInput(),
        help_text=_("接收干部从这一天起联系；原干部的联系到前一天为止。"),
    )

    def __init__(self, *args, held=None, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        if held is not None:
            self.fields["enterprises"].queryset = held
        if targets is not None:
            self.fields["to_cadre"].queryset = targets


class AcceptSuggestionsForm(forms.Form):
    pairs = forms.MultipleChoiceField(label=_("建议"), error_messages={"required": _("请至少勾选一条建议。")})
    start = forms.DateField(label=_("开始日期"), initial=_today, widget=DateInput())

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pairs"].choices = choices

    def cleaned_pairs(self) -> list[tuple[int, int]]:
        """(cadre id, enterprise id) from the ticked ``"<enterprise>:<cadre>"`` values."""
        pairs = []
        for value in self.cleaned_data["pairs"]:
            enterprise_id, cadre_id = value.split(":")
            pairs.append((int(cadre_id), int(enterprise_id)))
        return pairs


class LedgerUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("台账类型"))
    file = forms.FileField(label=_("文件"), help_text=_(".xlsx（第一个工作表）或 .csv（UTF-8）"))
    dry_run = forms.BooleanField(label=_("只校验，不写入（试运行）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (kind.name, _("%(title)s（%(name)s）") % {"title": kind.title, "name": kind.name})
            for kind in kinds()
        ]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in (".csv", ".xlsx"):
            raise forms.ValidationError(
                _("只能上传 .xlsx 或 .csv 文件（旧的 .xls 请先在 Excel 中另存为 .xlsx）。")
            )
        limit = settings.QIQING_LEDGER_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("文件过大：%(size).1f MB，上限为 %(limit)d MB。")
                % {"size": upload.size / 1048576, "limit": limit // 1048576}
            )
        return upload
