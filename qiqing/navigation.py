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
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

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


# (roles, script prefix, urlconf) → (the declared items it was built from, the visible items)
_VISIBLE: dict[tuple, tuple[tuple[NavItem, ...], tuple[tuple[NavItem, str], ...]]] = {}


def _items_for(roles: tuple[str, ...]) -> tuple[tuple[NavItem, str], ...]:
    """The items a set of roles sees, with their URLs: the same for every user with those roles
    (and every request under that script prefix), so reversed once per process. Rebuilt when the
    declared items are not the ones it was built from (a test replacing ``_discover``)."""
    declared = _discover()[0]
    key = (roles, get_script_prefix(), get_urlconf())
    known = _VISIBLE.get(key)
    if known is not None and known[0] is declared:
        return known[1]
    held = set(roles)
    items = []
    seen: set[str] = set()  # a page declared for two roles (in a dropdown and plain) shows once
    for item in declared:
        if held.isdisjoint(item.roles) or item.url_name in seen:
            continue
        seen.add(item.url_name)
        items.append((item, reverse(item.url_name)))
    _VISIBLE[key] = (declared, tuple(items))
    return _VISIBLE[key][1]


class MenuEntries(list):
    """``nav_for``'s entries, with what decides their markup (``menu_key``): the same roles, script
    prefix, urlconf, declared items and active link always give the same ``<li>`` items."""

    menu_key: tuple = ()


def nav_for(user, current_path: str = "") -> MenuEntries:
    """Menu entries: {"label", "url", "icon", "active"}; a group is {"label", "icon", "active",
    "children": [entries]} in the place of its first item."""
    access = access_for(user)
    leaves = []
    items = _items_for(access.roles)
    for item, url in items:
        matches = current_path == url or (url != "/" and current_path.startswith(url))
        leaves.append((item, {"label": item.label, "url": url, "icon": item.icon, "active": matches}))
    # Only the most specific match is active (/requests/inbox/ is not also /requests/).
    longest = max((len(entry["url"]) for _, entry in leaves if entry["active"]), default=0)
    for _, entry in leaves:
        entry["active"] = entry["active"] and len(entry["url"]) == longest
    entries = MenuEntries()
    active = next((entry["url"] for _, entry in leaves if entry["active"]), None)
    entries.menu_key = (items, active)
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


_CURRENT = mark_safe(' aria-current="page"')


def _link(css: str, entry: dict) -> SafeString:
    active = entry["active"]
    return format_html(
        '<a class="{}{}" href="{}"{}><i class="bi bi-{}"></i> {}</a>',
        css,
        " active" if active else "",
        entry["url"],
        _CURRENT if active else "",
        entry["icon"],
        entry["label"],
    )


# (the visible items' identity, active link, language) → (those items, markup): bounded by role
# sets × links × languages; the items are kept so that an identity is never reused.
_MENUS: dict[tuple, tuple[tuple, SafeString]] = {}


def menu_html(entries: list[dict]) -> SafeString:
    """The navbar's ``<li>`` items for ``nav_for``'s entries (every signed-in page draws them, so
    in Python rather than as template nodes; ``tests/test_navigation_markup.py`` pins it). The
    markup of ``nav_for``'s entries is kept per process by their ``menu_key`` and the language:
    a supervisor's two dozen links cost 0.4 ms of ``format_html`` on every page."""
    made_from = getattr(entries, "menu_key", None)
    if not made_from:
        return _menu_html(entries)
    items, active = made_from
    key = (id(items), active, get_language())
    known = _MENUS.get(key)
    if known is not None and known[0] is items:
        return known[1]
    html = _menu_html(entries)
    _MENUS[key] = (items, html)
    return html


def _menu_html(entries: list[dict]) -> SafeString:
    parts = []
    for entry in entries:
        if "children" not in entry:
            parts.append(format_html('<li class="nav-item">{}</li>', _link("nav-link", entry)))
            continue
        children = format_html_join(
            "", "<li>{}</li>", ((_link("dropdown-item", child),) for child in entry["children"])
        )
        parts.append(
            format_html(
                '<li class="nav-item dropdown">'
                '<a class="nav-link dropdown-toggle{}" href="#" role="button" data-bs-toggle="dropdown" '
                'aria-expanded="false"><i class="bi bi-{}"></i> {}</a>'
                '<ul class="dropdown-menu">{}</ul></li>',
                " active" if entry["active"] else "",
                entry["icon"],
                entry["label"],
                children,
            )
        )
    return mark_safe("\n".join(parts))


def home_url_name(user) -> str | None:
    """The landing page of the user's first role that has one."""
    homes = _discover()[1]
    for role in access_for(user).roles:
        if role in homes:
            return homes[role][1]
    return None
