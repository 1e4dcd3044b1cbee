"""Shared pieces for django-filter FilterSets: Chinese "all" choices instead of ---------/未知."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

ALL = _("全部")
YES_NO = [("", ALL), ("true", _("是")), ("false", _("否"))]


def yes_no_filter(label: str, **kwargs) -> django_filters.BooleanFilter:
    return django_filters.BooleanFilter(label=label, widget=forms.Select(choices=YES_NO), **kwargs)
