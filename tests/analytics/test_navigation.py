"""Grouped navigation (统计分析 ▾) and the dashboards' period windows."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from analytics import windows
from analytics.periods import Period
from qiqing import navigation
from qiqing.navigation import NavItem, nav_for

pytestmark = pytest.mark.django_db


def test_dashboards_are_one_dropdown_for_supervisors(world):
    entries = nav_for(world.users["supervisor"], reverse("analytics:issues"))
    groups = [e for e in entries if "children" in e]
    # The dashboards' dropdown, and the groups' one (服务组织, groups/nav.py).
    assert [str(g["label"]) for g in groups] == ["统计分析", "服务组织"]
    children = [c["url"] for c in groups[0]["children"]]
    assert children[:5] == [
        reverse("analytics:coverage"),
        reverse("analytics:issues"),
        reverse("analytics:problems"),
        reverse("analytics:ranking"),
        reverse("analytics:overdue"),
    ]
    assert groups[0]["active"] and [c["active"] for c in groups[0]["children"]].count(True) == 1


def test_items_without_a_group_stay_plain_links(world):
    entries = nav_for(world.users["cadre"], reverse("analytics:my_record"))
    assert [str(e["label"]) for e in entries if "children" in e] == ["服务组织"]  # groups/nav.py
    mine = next(e for e in entries if e["url"] == reverse("analytics:my_record"))
    assert set(mine) == {"label", "url", "icon", "active"} and mine["active"]


def _urls(entries):
    for entry in entries:
        yield from (_urls(entry["children"]) if "children" in entry else [entry["url"]])


def test_a_page_declared_for_two_of_a_users_roles_shows_once(world):
    """公示榜 sits in the dashboards' dropdown for supervisors and is a plain link for cadres and
    handlers: a supervisor who is also a cadre sees it once, in the dropdown."""
    from cadres.models import Cadre

    supervisor = world.users["supervisor"]
    Cadre.objects.create(name="兼任干部", user=supervisor, unit=world.unit_hr, level="county")
    urls = list(_urls(nav_for(supervisor)))
    assert urls.count(reverse("analytics:board")) == 1
    assert len(urls) == len(set(urls))
    cadre_urls = list(_urls(nav_for(world.users["cadre"])))
    assert reverse("analytics:board") in cadre_urls


def test_a_group_sits_where_its_first_item_would(world, monkeypatch):
    items = (
        NavItem("甲", "analytics:coverage", ("supervisor",), order=1, group="组"),
        NavItem("乙", "analytics:issues", ("supervisor",), order=2),
        NavItem("丙", "analytics:overdue", ("supervisor",), order=3, group="组"),
    )
    monkeypatch.setattr(navigation, "_discover", lambda: (items, {}))
    entries = nav_for(world.users["supervisor"], "/")
    assert [e["label"] for e in entries] == ["组", "乙"]
    assert [c["label"] for c in entries[0]["children"]] == ["甲", "丙"]


def test_the_navbar_renders_the_dropdown(login, world):
    body = login(world.users["supervisor"]).get(reverse("analytics:overdue")).content.decode()
    assert re.search(r'class="nav-link dropdown-toggle active"[^>]*>.*统计分析', body)
    assert f'class="dropdown-item active" href="{reverse("analytics:overdue")}" aria-current="page"' in body
    assert body.count('aria-current="page"') == 1


@pytest.mark.parametrize(
    "choice,today,period,previous,running",
    [
        # A running period is compared with the same number of days of the previous one.
        ("month", "2026-11-22", ("2026-11-01", "2026-11-21"), ("2026-10-01", "2026-10-21"), True),
        ("last_month", "2026-11-22", ("2026-10-01", "2026-10-31"), ("2026-09-01", "2026-09-30"), False),
        ("quarter", "2026-11-22", ("2026-10-01", "2026-11-21"), ("2026-07-01", "2026-08-21"), True),
        ("last_quarter", "2026-01-15", ("2025-10-01", "2025-12-31"), ("2025-07-01", "2025-09-30"), False),
        ("year", "2026-03-01", ("2026-01-01", "2026-02-28"), ("2025-01-01", "2025-02-28"), True),
        ("last_year", "2026-03-01", ("2025-01-01", "2025-12-31"), ("2024-01-01", "2024-12-31"), False),
    ],
)
def test_period_choices(choice, today, period, previous, running):
    window = windows.resolve(choice, dt.date.fromisoformat(today))
    assert (window.period.start.isoformat(), window.period.end.isoformat()) == period
    assert (window.previous.start.isoformat(), window.previous.end.isoformat()) == previous
    assert window.running is running and not window.live


def test_the_first_day_of_a_month_shows_today_live():
    window = windows.resolve("month", dt.date(2026, 12, 1))
    assert window.period == Period(dt.date(2026, 12, 1), dt.date(2026, 12, 1), "month") and window.live
    assert window.label == "2026年12月（截至12月1日）"


def test_a_custom_range_compares_with_the_same_length_before():
    window = windows.resolve("custom", dt.date(2026, 11, 22), dt.date(2026, 11, 1), dt.date(2026, 11, 10))
    assert window.previous == Period(dt.date(2026, 10, 22), dt.date(2026, 10, 31))
    assert window.span == "2026-11-01 至 2026-11-10"


@pytest.mark.parametrize(
    "start,end,slot",
    [
        ("2026-10-01", "2026-10-31", ("month", "2026-10-01")),
        ("2026-11-01", "2026-11-21", ("month", "2026-11-01")),
        ("2026-10-01", "2026-11-21", ("quarter", "2026-10-01")),
        ("2026-01-01", "2026-11-21", ("year", "2026-01-01")),
        ("2026-11-16", "2026-11-21", ("week", "2026-11-16")),
        ("2026-11-01", "2026-11-22", None),  # includes today: never snapshotted
        ("2026-10-02", "2026-10-31", None),
    ],
)
def test_snapshot_slot_of_a_window(start, end, slot):
    period = Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    expected = None if slot is None else (slot[0], dt.date.fromisoformat(slot[1]))
    assert windows.snapshot_slot(period, dt.date(2026, 11, 22)) == expected


def test_the_analytics_root_leads_to_the_coverage_dashboard(client, login, world):
    response = client.get(reverse("analytics:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert login(world.users["supervisor"]).get(reverse("analytics:index")).url == reverse(
        "analytics:coverage"
    )


def test_the_overview_stays_reachable_from_the_dropdown(login, world):
    body = login(world.users["supervisor"]).get(reverse("analytics:coverage")).content.decode()
    assert f'href="{reverse("analytics:overview")}"' in body and "工作总览" in body
