"""Form widgets shared by the apps (templates in qiqing/templates/qiqing/widgets/, JS in app.js)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SearchableCheckboxes(forms.SelectMultiple):
    """A multiple choice as a list of checkboxes with a search box above it: no Ctrl-click, works
    the same with a finger on a phone, and a long list (every unit of the county) stays findable.

    It stays a ``SelectMultiple`` (same posted data, same field) so crispy-forms renders it
    through this template; the filtering is ``[data-qq-checklist]`` in static/js/app.js, and
    without JavaScript the list simply shows every choice.
    """

    template_name = "qiqing/widgets/checklist.html"
    option_template_name = "qiqing/widgets/checklist_option.html"
    checked_attribute = {"checked": True}
    option_inherits_attrs = True  # each checkbox gets its own id (id_0, id_1 …)

    def __init__(self, attrs=None, choices=(), *, search_label=None):
        super().__init__(attrs, choices)
        self.search_label = search_label or _("输入名称筛选")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["search_label"] = self.search_label
        # crispy adds "form-select" for a select; a checkbox list is not one.
        classes = context["widget"]["attrs"].get("class", "").split()
        context["widget"]["attrs"]["class"] = " ".join(c for c in classes if c != "form-select")
        return context

    def id_for_label(self, id_, index=None):
        """The field's label points at the search box; each checkbox has its own id."""
        if not id_:
            return id_
        return f"{id_}_search" if index is None else f"{id_}_{index}"
