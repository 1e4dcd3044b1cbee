"""Crispy-rendered fields kept per process (qiqing.fieldmemo): the HTML is always what crispy
draws for that field now — a change of data, errors, choices, label or language draws anew."""

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.urls import reverse
from django.utils import translation

from enterprises.models import Town
from qiqing import fieldmemo


class _Form(forms.Form):
    name = forms.CharField(label="名称", max_length=5)
    town = forms.ModelChoiceField(label="属地", queryset=Town.objects.order_by("pk"), required=False)
    day = forms.DateField(label="日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))


@pytest.fixture
def crispy_calls(monkeypatch):
    calls = []

    def counting(bound):
        calls.append(bound.html_name)
        return as_crispy_field(bound)

    monkeypatch.setattr(fieldmemo, "as_crispy_field", counting)
    return calls


def _both(form, name):
    return str(fieldmemo.render(form[name])), str(as_crispy_field(form[name]))


@pytest.mark.django_db
def test_the_same_field_is_drawn_once_and_is_crispys_html(world, crispy_calls):
    first, direct = _both(_Form({"name": "甲"}), "name")
    again, _ = _both(_Form({"name": "甲"}), "name")
    assert first == direct == again and 'value="甲"' in first
    assert crispy_calls == ["name"]


@pytest.mark.django_db
def test_data_errors_choices_and_language_each_draw_anew(world, crispy_calls):
    cases = [
        (_Form({"name": "甲"}), "name"),
        (_Form({"name": "乙"}), "name"),  # another value
        (_Form({"name": "太长的名称七个字"}), "name"),  # an error
        (_Form(), "town"),
    ]
    for form, name in cases:
        form.is_valid() if form.is_bound else None
        memo, direct = _both(form, name)
        assert memo == direct
    assert "is-invalid" in _both(cases[2][0], "name")[0]
    Town.objects.create(code="Z99", name="新设镇")
    memo, direct = _both(_Form(), "town")
    assert memo == direct and "新设镇" in memo  # a new choice is never missing
    with translation.override("en"):
        memo, direct = _both(_Form(), "town")
        assert memo == direct
    labelled = _Form()
    labelled.fields["town"].label = "所属镇街"
    memo, direct = _both(labelled, "town")
    assert memo == direct and "所属镇街" in memo
    assert len(crispy_calls) == 8


def test_the_memo_is_bounded(monkeypatch):
    monkeypatch.setattr(fieldmemo, "LIMIT", 3)
    for n in range(5):
        fieldmemo.render(
            forms.Form.__class__("F", (forms.Form,), {"x": forms.CharField(label=f"x{n}")})()["x"]
        )
    assert len(fieldmemo._MEMO) == 3


def test_a_town_supervisor_never_gets_the_countys_town_list(world, login):
    county = login(world.users["supervisor"]).get(reverse("requests_tracker:triage")).content.decode()
    town = login(world.users["town_supervisor"]).get(reverse("requests_tracker:triage")).content.decode()
    county_options = county.split('name="town"')[1].split("</select>")[0]
    assert world.town_a.name in county_options and world.town_b.name in county_options
    options = town.split('name="town"')[1].split("</select>")[0]  # p_town_sup serves town B only
    assert world.town_b.name in options and world.town_a.name not in options
