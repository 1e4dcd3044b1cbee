"""Forms shared by the whole project."""

from __future__ import annotations

from django import forms

from qiqing import programme


class ProgrammeSettingsForm(forms.Form):
    """One field per declared programme option (``qiqing.programme``), grouped on the page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = programme.current()
        for key, option in programme.options().items():
            common = {"label": option.label, "help_text": option.help, "initial": current[key]}
            if option.kind == programme.BOOL:
                field = forms.BooleanField(required=False, **common)
            elif option.kind == programme.CHOICE:
                field = forms.ChoiceField(choices=option.choices, **common)
            elif option.kind == programme.INT:
                field = forms.IntegerField(min_value=option.min_value, max_value=option.max_value, **common)
            else:
                field = forms.DecimalField(min_value=option.min_value, max_value=option.max_value, **common)
            field.group = option.group
            self.fields[key] = field

    def groups(self):
        """[(group label, [bound fields])] in declaration order."""
        grouped: dict[str, list] = {}
        labels: dict[str, str] = {}
        for name, field in self.fields.items():
            key = str(field.group)
            labels.setdefault(key, field.group)
            grouped.setdefault(key, []).append(self[name])
        return [(labels[key], fields) for key, fields in grouped.items()]
