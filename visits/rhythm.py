"""The county's visit rhythm (走访频次): how often each enterprise should be visited.

Calendar periods, not rolling windows: with the default "quarter", an enterprise last visited
on 30 June is due again from 1 July. Set by ``QIQING_VISIT_RHYTHM`` (month/quarter/half/year).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext_lazy as _

MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
LABELS = {"month": _("每月"), "quarter": _("每季度"), "half": _("每半年"), "year": _("每年")}


def current_rhythm() -> str:
    return settings.QIQING_VISIT_RHYTHM


def period_start(day: dt.date, rhythm: str | None = None) -> dt.date:
    """First day of the calendar period containing ``day``."""
    months = MONTHS[rhythm or current_rhythm()]
    first_month = (day.month - 1) // months * months + 1
    return dt.date(day.year, first_month, 1)


def due_for_visit(last_visit: dt.date | None, today: dt.date, rhythm: str | None = None) -> bool:
    """Not yet visited in the current period of the rhythm."""
    return last_visit is None or last_visit < period_start(today, rhythm)
