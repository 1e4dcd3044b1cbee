"""Helpers for the dashboard tests: the metrics command as the reference, xlsx parsing, query counts."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook


def login_redirect(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("login"))


def metrics_json(period, **scope) -> dict:
    """``manage.py metrics --json`` for the period and scope (town=code, unit=code …)."""
    out = StringIO()
    options = [f"--{name}={value}" for name, value in scope.items()]
    call_command(
        "metrics",
        "--from",
        period.start.isoformat(),
        "--to",
        period.end.isoformat(),
        "--json",
        *options,
        stdout=out,
    )
    return json.loads(out.getvalue())


def rate_text(value) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


def workbook(response) -> dict[str, list[list]]:
    """{sheet title: rows (header first)} of an xlsx download."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def as_sheet_value(value):
    """A table value as openpyxl reads it back (Decimal → float, date → datetime at midnight)."""
    import datetime as dt

    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    return value


def assert_sheet_matches(sheet: list[list], table) -> None:
    """The sheet has the table's Chinese headers and exactly its rows."""
    assert sheet[0] == [c.sheet_header for c in table.columns]
    expected = [[as_sheet_value(v) for v in row] for row in table.sheet_rows()]
    assert sheet[1:] == expected


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
        assert response.status_code == 200, response.status_code
    return len(captured)
