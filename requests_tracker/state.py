"""Request state rules, implemented once: what a request's dates imply and which orders of dates
are possible. ``Request.clean`` (so every service's ``full_clean``) and the requests ledger (its
row check and the status it writes) both use these functions. This module imports no model, so
the model can use it; the status values are the ``Request.Status`` values (a test checks it).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

SUBMITTED, ASSIGNED, RESPONDED, CLOSED = "submitted", "assigned", "responded", "closed"


def implied_status(*, closed, responded, lead_unit) -> str:
    """The status a request's dates imply: closed with a close-out date, responded when only
    answered, assigned when it has a lead unit, else submitted (a record of what happened)."""
    if closed:
        return CLOSED
    if responded:
        return RESPONDED
    return ASSIGNED if lead_unit else SUBMITTED


def date_errors(
    *, submitted, responded=None, closed=None, deadline=None, outcome="", satisfaction="", today=None
) -> dict[str, str]:
    """Field → why its value cannot be, for dates (or datetimes, all of one kind) of a request."""
    errors: dict[str, str] = {}

    def shown(value):
        if isinstance(value, dt.datetime):
            value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        return value.isoformat()

    if today is not None:
        for key, value in (("submitted", submitted), ("responded", responded), ("closed", closed)):
            if value and value > today:
                errors[key] = _("日期不能晚于今天。")
    if submitted and deadline and deadline < submitted:
        errors["deadline"] = _("办理时限不能早于提出日期 %(date)s。") % {"date": shown(submitted)}
    if submitted and responded and responded < submitted:
        errors["responded"] = _("答复日期不能早于提出日期 %(date)s。") % {"date": shown(submitted)}
    if closed and responded and closed < responded:
        errors["closed"] = _("办结日期不能早于答复日期 %(date)s。") % {"date": shown(responded)}
    elif closed and submitted and closed < submitted:
        errors["closed"] = _("办结日期不能早于提出日期 %(date)s。") % {"date": shown(submitted)}
    if outcome and not responded:
        errors["outcome"] = _("填写了办理结果，但没有答复日期。")
    if satisfaction and not (responded or closed):
        errors["satisfaction"] = _("满意度是企业对答复的评价：请先填写答复日期或办结日期。")
    return errors
