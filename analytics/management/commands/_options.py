"""Argument checks shared by the analytics commands: every message names the option at fault."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError


def parse_date(option: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}={value!r}：日期格式应为 YYYY-MM-DD（例如 2026-10-31）。") from None


def check_order(first: dt.date | None, last: dt.date | None, first_option="--from", last_option="--to"):
    if first and last and first > last:
        raise CommandError(
            f"{first_option}={first.isoformat()} 晚于 {last_option}={last.isoformat()}：开始日期不能晚于截止日期。"
        )
