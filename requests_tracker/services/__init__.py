"""Writes for requests (诉求): every transition is a service that checks the actor, the version
and the state against the one table in ``lifecycle.py``, changes the row, and writes its
RequestEvent and notifications in the same transaction (DESIGN.md §4).

``core`` holds the shared check-and-write steps, ``transitions`` the actions people take,
``jobs`` the scheduled work, ``trust`` callbacks, spot checks and appeals; everything public is importable from here.
"""

from requests_tracker.services.core import (
    ContactMethod,
    ReturnReason,
    StaleRequest,
    TransitionRefused,
    recount,
)
from requests_tracker.services.dispatch import (
    BATCH_INLINE_MAX,
    batch_assign,
    dispatch_rule_save,
    request_merge,
    request_unmerge,
)
from requests_tracker.services.jobs import (
    auto_close_requests,
    flag_overdue_requests,
    recount_open_requests,
    request_auto_close,
)
from requests_tracker.services.transitions import (
    request_assign,
    request_assist_answer,
    request_close,
    request_contact,
    request_escalate,
    request_escalate_reply,
    request_extend_ask,
    request_extend_decide,
    request_note,
    request_rate,
    request_reject,
    request_reopen,
    request_respond,
    request_return,
    request_sign,
    request_submit,
)
from requests_tracker.services.trust import (
    appeal_decide,
    appeal_submit,
    callback_record,
    spotcheck_draw,
    spotcheck_last_week,
)

__all__ = [
    "BATCH_INLINE_MAX",
    "batch_assign",
    "dispatch_rule_save",
    "request_merge",
    "request_unmerge",
    "ContactMethod",
    "ReturnReason",
    "StaleRequest",
    "TransitionRefused",
    "appeal_decide",
    "appeal_submit",
    "auto_close_requests",
    "callback_record",
    "flag_overdue_requests",
    "recount",
    "recount_open_requests",
    "request_assign",
    "request_assist_answer",
    "request_auto_close",
    "request_close",
    "request_contact",
    "request_escalate",
    "request_escalate_reply",
    "request_extend_ask",
    "request_extend_decide",
    "request_note",
    "request_rate",
    "request_reject",
    "request_reopen",
    "request_respond",
    "request_return",
    "request_sign",
    "request_submit",
    "spotcheck_draw",
    "spotcheck_last_week",
]
