"""A small county built by hand for October 2025, with every metric worked out below.

Period P = 2025-10-01 … 2025-10-31 (Asia/Shanghai). Times are local (+08:00).

Towns: TA (e1, e2, e3 — e3 struck off, inactive), TB (e4, e5), TC (no enterprises).
Industries: 装备制造 (e1, e3, e5), 电子信息 (e2, e4).
Units: U1 county department (cadre c3); UTA town unit of TA (c1, c2); UTB town unit of TB (c4).

Pairings (start → end):
    c1–e1 2025-01-01 → open          in P
    c1–e2 2025-01-01 → 2025-09-30    ended the day before P: out
    c2–e2 2025-10-01 → open          starts on P's first day: in
    c2–e3 2025-01-01 → open          in P, but e3 is inactive
    c3–e4 2025-10-31 → open          starts on P's last day: in
    c3–e5 2025-11-01 → open          starts after P: out
    c4–e5 2025-01-01 → 2025-10-01    ends on P's first day: in
    c4–e4 2025-01-01 → open          in P

Visits (date, enterprise, maker, joined by):
    v1 10-01 e1 c1 [c2]     first day: in
    v2 10-31 e1 c1          last day: in
    v3 09-30 e2 c1          day before: out
    v4 11-01 e4 c4          day after: out
    v5 10-15 e3 c2          inactive enterprise: a visit, but not a visited active enterprise
    v6 10-20 e4 c4 [c3, c1]
    v7 10-21 e5 c3 [c4]     e5 is not c3's enterprise during P: c3's visit, not c3's coverage

Requests (category 招工用工 = K1, 子女就学 = K2):
    r1 e1 c1 K1 lead U1  submitted 10-01 00:00 (first instant: in); assigned 10-01; due 10-15;
                         responded 10-15 23:30 (local date = due date: on time); rated 满意;
                         closed 10-20
    r2 e2 c2 K1 lead U1  submitted 10-31 23:30 (in); assigned 10-31 23:45; due 11-14; open
    r3 e4 —  K2 lead U1  submitted 11-01 00:10 (out: November)
    r4 e4 c4 K2 lead UTB submitted 09-30 23:59 (out); due 10-10; never answered: overdue on 10-31
    r5 e5 c3 K2 lead UTB submitted 10-10; due 10-20; responded 10-21 00:30 local (10-20 16:30
                         UTC — late by the local date); rated 基本满意; reopened once; closed
                         10-31 23:50 (in)
    r6 e1 c1 K1 lead U1  submitted 10-12; due 10-24; responded 10-20; rated 不满意 10-22;
                         closed 11-02 (after P: not closed in P)
    r7 e2 —  K1          submitted 10-05; rejected at triage, never assigned
    r8 e5 c3 K2 lead UTB submitted 10-06; due 10-16; responded 11-03: overdue on 10-31
    r9 e4 c4 K1 lead U1  submitted 10-07; due 10-31; open: due on the last day, not overdue
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from analytics.periods import Period
from tests import factories as f

TZ = ZoneInfo("Asia/Shanghai")
P = Period(dt.date(2025, 10, 1), dt.date(2025, 10, 31))
D = dt.date


def at(month, day, hour=10, minute=0, year=2025):
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


def build() -> SimpleNamespace:
    ta = f.TownFactory(code="330421901", name="甲镇")
    tb = f.TownFactory(code="330421902", name="乙镇")
    tc = f.TownFactory(code="330421903", name="丙镇")
    u1 = f.UnitFactory(code="U901", name="县经信局")
    uta = f.TownUnitFactory(code="T901", town=ta)
    utb = f.TownUnitFactory(code="T902", town=tb)
    c1 = f.CadreFactory(code="C901", unit=uta, name="张一")
    c2 = f.CadreFactory(code="C902", unit=uta, name="张二")
    c3 = f.CadreFactory(code="C903", unit=u1, name="李三")
    c4 = f.CadreFactory(code="C904", unit=utb, name="王四")

    e1 = f.EnterpriseFactory(town=ta, industry="装备制造", name="甲一机械")
    e2 = f.EnterpriseFactory(town=ta, industry="电子信息", name="甲二电子")
    e3 = f.EnterpriseFactory(town=ta, industry="装备制造", name="甲三机械", active=False)
    e4 = f.EnterpriseFactory(town=tb, industry="电子信息", name="乙四电子")
    e5 = f.EnterpriseFactory(town=tb, industry="装备制造", name="乙五机械")

    for cadre, enterprise, start, end in [
        (c1, e1, D(2025, 1, 1), None),
        (c1, e2, D(2025, 1, 1), D(2025, 9, 30)),
        (c2, e2, D(2025, 10, 1), None),
        (c2, e3, D(2025, 1, 1), None),
        (c3, e4, D(2025, 10, 31), None),
        (c3, e5, D(2025, 11, 1), None),
        (c4, e5, D(2025, 1, 1), D(2025, 10, 1)),
        (c4, e4, D(2025, 1, 1), None),
    ]:
        f.AssignmentFactory(cadre=cadre, enterprise=enterprise, start=start, end=end)

    def visit(day, enterprise, cadre, joined=()):
        v = f.VisitFactory(date=day, enterprise=enterprise, cadre=cadre)
        v.participants.set(joined)
        return v

    visit(D(2025, 10, 1), e1, c1, [c2])
    visit(D(2025, 10, 31), e1, c1)
    visit(D(2025, 9, 30), e2, c1)
    visit(D(2025, 11, 1), e4, c4)
    visit(D(2025, 10, 15), e3, c2)
    visit(D(2025, 10, 20), e4, c4, [c3, c1])
    visit(D(2025, 10, 21), e5, c3, [c4])

    k1 = f.CategoryFactory(name="招工用工")
    k2 = f.CategoryFactory(name="子女就学")

    def request(ref, enterprise, cadre, category, submitted, status, **extra):
        return f.RequestFactory(
            ref=ref,
            enterprise=enterprise,
            cadre=cadre,
            category=category,
            submitted_at=submitted,
            status=status,
            **extra,
        )

    request(
        "R1", e1, c1, k1, at(10, 1, 0, 0), "closed", lead_unit=u1, assigned_at=at(10, 1, 10),
        response_due=D(2025, 10, 15), responded_at=at(10, 15, 23, 30), satisfaction="satisfied",
        rated_at=at(10, 18), closed_at=at(10, 20),
    )  # fmt: skip
    request(
        "R2", e2, c2, k1, at(10, 31, 23, 30), "assigned", lead_unit=u1, assigned_at=at(10, 31, 23, 45),
        response_due=D(2025, 11, 14),
    )  # fmt: skip
    request(
        "R3", e4, None, k2, at(11, 1, 0, 10), "assigned", lead_unit=u1, assigned_at=at(11, 1, 9),
        response_due=D(2025, 11, 10),
    )  # fmt: skip
    request(
        "R4", e4, c4, k2, at(9, 30, 23, 59), "in_progress", lead_unit=utb, assigned_at=at(10, 1, 9),
        response_due=D(2025, 10, 10),
    )  # fmt: skip
    request(
        "R5", e5, c3, k2, at(10, 10, 9), "closed", lead_unit=utb, assigned_at=at(10, 10, 10),
        response_due=D(2025, 10, 20), responded_at=at(10, 21, 0, 30), satisfaction="basic",
        rated_at=at(10, 25), reopen_count=1, closed_at=at(10, 31, 23, 50),
    )  # fmt: skip
    request(
        "R6", e1, c1, k1, at(10, 12), "closed", lead_unit=u1, assigned_at=at(10, 12, 11),
        response_due=D(2025, 10, 24), responded_at=at(10, 20), satisfaction="unsatisfied",
        rated_at=at(10, 22), closed_at=at(11, 2),
    )  # fmt: skip
    request("R7", e2, None, k1, at(10, 5), "rejected", reject_reason="重复")
    request(
        "R8", e5, c3, k2, at(10, 6), "responded", lead_unit=utb, assigned_at=at(10, 6, 11),
        response_due=D(2025, 10, 16), responded_at=at(11, 3),
    )  # fmt: skip
    request(
        "R9", e4, c4, k1, at(10, 7), "in_progress", lead_unit=u1, assigned_at=at(10, 7, 11),
        response_due=D(2025, 10, 31),
    )  # fmt: skip
    return SimpleNamespace(**locals())


# Every count of P worked out by hand from the docstring above.
ZERO = dict.fromkeys(
    [
        "enterprises_active",
        "enterprises_visited",
        "visits",
        "requests",
        "closed",
        "closed_on_time",
        "assigned",
        "assigned_responded",
        "assigned_face_to_face",
        "rated",
        "satisfied",
        "overdue",
        "reopened",
    ],
    0,
)


def counts(**values) -> dict:
    return {**ZERO, **values}


EXPECTED = {
    ("county", ""): counts(
        enterprises_active=4, enterprises_visited=3, visits=5, requests=7, closed=2, closed_on_time=1,
        assigned=6, assigned_responded=3, rated=3, satisfied=2, overdue=2, reopened=1,
    ),
    ("town", "330421901"): counts(
        enterprises_active=2, enterprises_visited=1, visits=3, requests=4, closed=1, closed_on_time=1,
        assigned=3, assigned_responded=2, rated=2, satisfied=1,
    ),
    ("town", "330421902"): counts(
        enterprises_active=2, enterprises_visited=2, visits=2, requests=3, closed=1, assigned=3,
        assigned_responded=1, rated=1, satisfied=1, overdue=2, reopened=1,
    ),
    ("town", "330421903"): counts(),
    ("industry", "装备制造"): counts(
        enterprises_active=2, enterprises_visited=2, visits=4, requests=4, closed=2, closed_on_time=1,
        assigned=4, assigned_responded=3, rated=3, satisfied=2, overdue=1, reopened=1,
    ),
    ("industry", "电子信息"): counts(
        enterprises_active=2, enterprises_visited=1, visits=1, requests=3, assigned=2, overdue=1,
    ),
    ("unit", "U901"): counts(
        enterprises_active=1, enterprises_visited=1, visits=2, requests=4, closed=1, closed_on_time=1,
        assigned=4, assigned_responded=2, rated=2, satisfied=1,
    ),
    ("unit", "T901"): counts(enterprises_active=2, enterprises_visited=1, visits=4),
    ("unit", "T902"): counts(
        enterprises_active=2, enterprises_visited=2, visits=2, requests=2, closed=1, assigned=2,
        assigned_responded=1, rated=1, satisfied=1, overdue=2, reopened=1,
    ),
    ("cadre", "C901"): counts(
        enterprises_active=1, enterprises_visited=1, visits=3, requests=2, closed=1, closed_on_time=1,
        assigned=2, assigned_responded=2, rated=2, satisfied=1,
    ),
    ("cadre", "C902"): counts(enterprises_active=1, visits=2, requests=1, assigned=1),
    ("cadre", "C903"): counts(
        enterprises_active=1, enterprises_visited=1, visits=2, requests=2, closed=1, assigned=2,
        assigned_responded=1, rated=1, satisfied=1, overdue=1, reopened=1,
    ),
    ("cadre", "C904"): counts(
        enterprises_active=2, enterprises_visited=2, visits=2, requests=1, assigned=1, overdue=1,
    ),
}  # fmt: skip

EXPECTED_CATEGORIES = {
    ("county", ""): {"招工用工": 5, "子女就学": 2},
    ("town", "330421901"): {"招工用工": 4},
    ("town", "330421902"): {"招工用工": 1, "子女就学": 2},
    ("town", "330421903"): {},
    ("industry", "装备制造"): {"招工用工": 2, "子女就学": 2},
    ("industry", "电子信息"): {"招工用工": 3},
    ("unit", "U901"): {"招工用工": 4},
    ("unit", "T901"): {},
    ("unit", "T902"): {"子女就学": 2},
    ("cadre", "C901"): {"招工用工": 2},
    ("cadre", "C902"): {"招工用工": 1},
    ("cadre", "C903"): {"子女就学": 2},
    ("cadre", "C904"): {"招工用工": 1},
}
