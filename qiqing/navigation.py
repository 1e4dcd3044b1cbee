"""Role-aware navigation collected from each app's ``nav.py``.

An app declares ``NAV = [NavItem(...)]`` and optionally ``HOME = {role: url_name}`` in its own
``nav.py``; this module discovers them through the app registry (as the admin autodiscovers
``admin.py``), so qiqing imports no app and each app owns its menu entries.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.urls import reverse

from qiqing.access import access_for


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[str, ...]
    icon: str = "circle"
    order: int = 100


@cache
def _discover() -> tuple[tuple[NavItem, ...], dict[str, tuple[int, str]]]:
    items: list[NavItem] = []
    homes: dict[str, tuple[int, str]] = {}
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.nav")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.nav":
                raise
            continue
        items.extend(getattr(module, "NAV", []))
        priority = getattr(module, "HOME_PRIORITY", 0)
        for role, url_name in getattr(module, "HOME", {}).items():
            if role not in homes or priority > homes[role][0]:
                homes[role] = (priority, url_name)
    return tuple(sorted(items, key=lambda item: item.order)), homes


def nav_for(user, current_path: str = "") -> list[dict]:
    access = access_for(user)
    entries = []
    for item in _discover()[0]:
        if not access.has_role(*item.roles):
            continue
        url = reverse(item.url_name)
        matches = current_path == url or (url != "/" and current_path.startswith(url))
        entries.append({"label": item.label, "url": url, "icon": item.icon, "active": matches})
    # Only the most specific match is active: /analytics/cadres/ is 干部履职, not also 总览 (/analytics/).
    best = max((len(e["url"]) for e in entries if e["active"]), default=0)
    for entry in entries:
        entry["active"] = entry["active"] and len(entry["url"]) == best
    return entries


def home_url_name(user) -> str | None:
    """The landing page of the user's first role that has one."""
    homes = _discover()[1]
    for role in access_for(user).roles:
        if role in homes:
            return homes[role][1]
    return None
