"""Role-aware navigation collected from each app's ``nav.py``.

An app declares ``NAV = [NavItem(...)]`` and optionally ``HOME = {role: url_name}`` in its own
``nav.py``; this module discovers them through the app registry (as the admin autodiscovers
``admin.py``), so qiqing imports no app and each app owns its menu entries.

Items that name the same ``group`` are shown as one dropdown (统计分析 ▾) placed where its first
item would be, so a role with many pages keeps a navbar that fits; items without a group are
plain links, as before.
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
    # Label of the dropdown this item belongs to (lazy translation); "" = a top-level link.
    group: str = ""
    group_icon: str = "grid"


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
    """Menu entries: {"label", "url", "icon", "active"}; a group is {"label", "icon", "active",
    "children": [entries]} in the place of its first item."""
    access = access_for(user)
    leaves = []
    seen: set[str] = set()  # a page declared for two roles (in a dropdown and plain) shows once
    for item in _discover()[0]:
        if not access.has_role(*item.roles) or item.url_name in seen:
            continue
        seen.add(item.url_name)
        url = reverse(item.url_name)
        matches = current_path == url or (url != "/" and current_path.startswith(url))
        leaves.append((item, {"label": item.label, "url": url, "icon": item.icon, "active": matches}))
    # Only the most specific match is active (/requests/inbox/ is not also /requests/).
    longest = max((len(entry["url"]) for _, entry in leaves if entry["active"]), default=0)
    for _, entry in leaves:
        entry["active"] = entry["active"] and len(entry["url"]) == longest
    entries: list[dict] = []
    groups: dict[str, dict] = {}
    for item, entry in leaves:
        if not item.group:
            entries.append(entry)
            continue
        key = str(item.group)
        if key not in groups:
            groups[key] = {"label": item.group, "icon": item.group_icon, "active": False, "children": []}
            entries.append(groups[key])
        groups[key]["children"].append(entry)
        groups[key]["active"] = groups[key]["active"] or entry["active"]
    return entries


def home_url_name(user) -> str | None:
    """The landing page of the user's first role that has one."""
    homes = _discover()[1]
    for role in access_for(user).roles:
        if role in homes:
            return homes[role][1]
    return None
