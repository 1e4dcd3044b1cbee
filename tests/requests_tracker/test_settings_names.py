"""Every ``settings.QIQING_*`` name the lifecycle code reads exists (a typo would only fail at run time)."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*(ROOT / "requests_tracker").rglob("*.py"), ROOT / "qiqing" / "notifications.py"]


def test_every_setting_read_is_defined():
    names = {
        name
        for path in SOURCES
        for name in re.findall(r"settings\.(QIQING_[A-Z_]+)", path.read_text(encoding="utf-8"))
    }
    assert "QIQING_NOTICE_THRESHOLDS" in names
    assert sorted(name for name in names if not hasattr(settings, name)) == []


def test_notice_thresholds_climb_the_ladder():
    thresholds = settings.QIQING_NOTICE_THRESHOLDS
    assert thresholds["reminder"] < thresholds["yellow"] < thresholds["red"]


def test_the_state_rules_speak_the_models_status_values():
    from requests_tracker import state as rules
    from requests_tracker.models import Request

    assert (rules.SUBMITTED, rules.ASSIGNED, rules.RESPONDED, rules.CLOSED) == (
        Request.Status.SUBMITTED,
        Request.Status.ASSIGNED,
        Request.Status.RESPONDED,
        Request.Status.CLOSED,
    )


def test_the_model_refuses_what_the_ledger_refuses():
    """One rule, two callers: a request answered before it was raised fails full_clean with the
    ledger's message, on the model's field."""
    import datetime as dt

    import pytest
    from django.core.exceptions import ValidationError

    from requests_tracker import state as rules
    from requests_tracker.models import Request

    submitted = dt.datetime(2026, 5, 10, 9, tzinfo=dt.UTC)
    request = Request(submitted_at=submitted, responded_at=submitted - dt.timedelta(days=1), outcome="solved")
    with pytest.raises(ValidationError) as info:
        request.clean()
    expected = rules.date_errors(
        submitted=submitted.date(), responded=(submitted - dt.timedelta(days=1)).date()
    )
    assert info.value.message_dict["responded_at"] == [expected["responded"]]


def test_the_calendar_and_the_override_rows_agree_on_sources():
    from requests_tracker import workdays
    from requests_tracker.models import WorkdayOverride

    assert WorkdayOverride.Source.STATE_COUNCIL == workdays.STATE_COUNCIL
    assert WorkdayOverride.Source.LOCAL == workdays.LOCAL
