"""Helpers shared by the dashboard views: the period window, the xlsx export of a page's tables,
and the towns a user may open."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from analytics import windows
from analytics.tables import to_sheets
from qiqing.xlsx import xlsx_response

STAFF_PARAMS_DROPPED = ("page", "cpage", "format")


def wants_xlsx(request) -> bool:
    return request.GET.get("format") == "xlsx"


def xlsx(filename: str, tables) -> object:
    return xlsx_response(filename, to_sheets(tables))


def with_period(query, default: str | None = None):
    data = query.copy()
    if not data.get("period"):
        data["period"] = default or windows.default_period()
    return data


def window_from(dashboard_filter, today: dt.date) -> windows.Window:
    """The window the filter asks for; a custom range that failed validation (its errors show
    on the form) falls back to the default period."""
    choice = dashboard_filter.choice("period") or windows.default_period()
    if choice == "custom":
        start, end = dashboard_filter.choice("start"), dashboard_filter.choice("end")
        if not (start and end) or dashboard_filter.form.errors:
            choice = windows.default_period()
        else:
            return windows.resolve(choice, today, start, end)
    return windows.resolve(choice, today)


def export_query(request) -> str:
    """The page's query string without paging, for the export link."""
    query = request.GET.copy()
    for name in STAFF_PARAMS_DROPPED:
        query.pop(name, None)
    query["format"] = "xlsx"
    return query.urlencode()


def stamp() -> str:
    return f"{timezone.localdate():%Y%m%d}"
