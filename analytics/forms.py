"""Forms of the analytics pages that write: turning a common problem into one parent case."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cadres.models import Unit
from groups.models import ServiceTeam


class ProblemCaseForm(forms.Form):
    """A common problem goes to one unit, or to a chain task force (产业链专班): then its first
    member unit leads, the others assist, and the case carries the team."""

    lead_unit = forms.ModelChoiceField(
        label=_("牵头单位（主办）"), queryset=Unit.objects.none(), empty_label=_("请选择"), required=False
    )
    team = forms.ModelChoiceField(
        label=_("或交产业链专班"),
        queryset=ServiceTeam.objects.none(),
        empty_label=_("不交专班"),
        required=False,
    )
    note = forms.CharField(label=_("交办说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = Unit.objects.filter(active=True)
        teams = ServiceTeam.objects.filter(kind=ServiceTeam.Kind.CHAIN_FORCE, active=True)
        self.fields["team"].queryset = (teams.visible_to(user) if user is not None else teams).order_by(
            "name"
        )

    def clean(self):
        data = super().clean()
        unit, team = data.get("lead_unit"), data.get("team")
        if unit and team:
            raise forms.ValidationError(_("牵头单位：请在牵头单位和产业链专班中只选一个。"))
        if not unit and not team and "lead_unit" not in self.errors and "team" not in self.errors:
            raise forms.ValidationError(_("牵头单位：请选择并案交办的牵头单位或产业链专班。"))
        if team and not team.units.filter(active=True).exists():
            self.add_error("team", _("产业链专班：该专班没有在用的成员单位，无法交办。"))
        return data
