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
