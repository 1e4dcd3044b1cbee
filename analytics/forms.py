"""Forms of the analytics pages that write: turning a common problem into one parent case."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cadres.models import Unit


class ProblemCaseForm(forms.Form):
    lead_unit = forms.ModelChoiceField(
        label=_("牵头单位（主办）"),
        queryset=Unit.objects.none(),
        empty_label=_("请选择"),
        error_messages={"required": _("牵头单位：请选择并案交办的牵头单位。")},
    )
    note = forms.CharField(label=_("交办说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = Unit.objects.filter(active=True)
