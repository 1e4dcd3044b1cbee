"""Shared pieces for django-filter FilterSets: Chinese "all" choices instead of ---------/未知."""

import django_filters
from django import forms

ALL = "全部"
YES_NO = [("", ALL), ("true", "是"), ("false", "否")]


def yes_no_filter(label: str, **kwargs) -> django_filters.BooleanFilter:
    return django_filters.BooleanFilter(label=label, widget=forms.Select(choices=YES_NO), **kwargs)
