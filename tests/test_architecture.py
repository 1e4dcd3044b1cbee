"""The import direction the README's architecture section states, checked on the source."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ORDER = ["qiqing", "enterprises", "cadres", "requests_tracker", "groups", "visits", "analytics", "api"]
IMPORT = re.compile(
    r"^\s*(?:from|import)\s+(qiqing|enterprises|cadres|requests_tracker|groups|visits|analytics|api)\b", re.M
)


def _imports(app: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
        if {"migrations", "management", "bench"} & set(path.parts):
            continue  # data migrations, commands (seed_demo) and the benchmarks may reach any app
        for imported in IMPORT.findall(path.read_text(encoding="utf-8")):
            if imported != app:
                found.setdefault(imported, set()).add(str(path.relative_to(settings.BASE_DIR)))
    return found


def test_every_app_imports_only_apps_below_it():
    wrong = {}
    for index, app in enumerate(ORDER):
        allowed = set(ORDER[:index])
        for imported, files in _imports(app).items():
            if imported not in allowed:
                wrong[f"{app} → {imported}"] = sorted(files)
    assert wrong == {}


def test_the_check_sees_imports():
    assert "qiqing" in _imports("enterprises")
    assert "requests_tracker" in _imports("visits")
