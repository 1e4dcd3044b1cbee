"""The demo county's groups (called from ``analytics.demo.DemoCounty.build``, bulk writes only):
each town's 智囊团, 1+2+N teams for key enterprises, two industry chains with their chiefs and
task forces, 30 service commissioners, and about ten meetups per town over the 18 months.

Meetups are built around the county's meeting-sourced requests (source 座谈会/亲清会): each
meetup is held on such a request's day, the request is linked to it, and its attendees are
enterprises already visited in the demo period — so the demo's reference figures (1,782 of
1,801 enterprises covered, 2,074 requests) stay exactly as they were.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone

from cadres.models import Cadre, Unit
from enterprises.models import Enterprise
from groups.models import (
    Commissioner,
    IndustryChain,
    Meetup,
    ServiceTeam,
    ServiceTeamChange,
    ServiceType,
)
from requests_tracker.models import Request

MEETUPS_PER_TOWN = 10
KEY_TEAMS_PER_TOWN = 3
THEMES = [
    "营商早茶会：企业用工与技能培训",
    "亲清会：融资信贷政策对接",
    "座谈会：用电用能保障",
    "亲清会：审批服务提速",
    "营商早茶会：人才引育与子女就学",
    "亲清会：土地厂房与项目落地",
    "座谈会：环保整改政策解读",
    "亲清会：交通物流与道路通行",
]
MINUTES = (
    "与会企业反映了{topic}方面的困难，相关部门现场答复，需进一步办理的问题已登记为诉求，"
    "由服务企业办分办并跟踪办结。"
)
CHAINS = [("L01", "袜业", "纺织服装"), ("L02", "新材料", "新材料")]
# Service type → the department whose cadres answer for it (demo department codes).
COMMISSION_UNITS = {
    ServiceType.WATER: "D20",
    ServiceType.POWER: "D16",
    ServiceType.GAS: "D07",
    ServiceType.TRANSPORT: "D08",
    ServiceType.PERMIT: "D10",
    ServiceType.FILING: "D11",
    ServiceType.PASS: "D19",
    ServiceType.HIRING: "D04",
    ServiceType.FINANCE: "D14",
    ServiceType.POLICY: "D02",
}


def seed(county, password: str = "") -> dict:
    """Write the groups of a freshly built demo county; returns counts for the seed's report."""
    rng = county.rng
    departments = county.departments
    cadres_by_unit: dict[int, list[Cadre]] = defaultdict(list)
    for cadre in county.cadres:
        cadres_by_unit[cadre.unit_id].append(cadre)
    department_cadres = [c for d in departments.values() for c in cadres_by_unit.get(d.pk, [])]
    dept_units = list(departments.values())
    changes: list[ServiceTeamChange] = []
    counts = {}

    # --- chains and their chiefs ----------------------------------------------------------
    chains = []
    chiefs = rng.sample(cadres_by_unit[departments["D02"].pk] or department_cadres, 2)
    enterprises_by_industry = defaultdict(list)
    for enterprise in county.enterprises:
        enterprises_by_industry[enterprise.industry].append(enterprise.pk)
    for (code, name, industry), chief in zip(CHAINS, chiefs, strict=True):
        chains.append(
            (IndustryChain(code=code, name=name, chief=chief, description=f"{name}产业链"), industry)
        )
    IndustryChain.objects.bulk_create([c for c, _ in chains])
    chain_rows = []
    for chain, industry in chains:
        members = enterprises_by_industry.get(industry, [])
        chain_rows += [
            IndustryChain.enterprises.through(industrychain_id=chain.pk, enterprise_id=e) for e in members
        ]
    IndustryChain.enterprises.through.objects.bulk_create(chain_rows)
    county.chains = [c for c, _ in chains]
    counts["chains"] = len(chains)

    # --- teams ---------------------------------------------------------------------------
    teams: list[ServiceTeam] = []
    members: dict[int, list[int]] = {}
    units: dict[int, list[int]] = {}
    served: dict[int, list[int]] = {}
    specs = []  # (team, member ids, unit ids, enterprise ids)
    active_pairs: dict[int, list[int]] = defaultdict(list)  # cadre → enterprises (current)
    liaisons: dict[int, list[int]] = defaultdict(list)  # enterprise → current cadres
    for enterprise_pk, pairs in county.pairs.items():
        for cadre_pk, _start, end in pairs:
            if end is None:
                active_pairs[cadre_pk].append(enterprise_pk)
                liaisons[enterprise_pk].append(cadre_pk)
    key_tag = county.tags.get("重点企业")
    key_enterprises = (
        set(Enterprise.tags.through.objects.filter(tag=key_tag).values_list("enterprise_id", flat=True))
        if key_tag
        else set()
    )
    for number, town in enumerate(county.towns, start=1):
        town_unit = county.town_units[town.pk]
        town_cadres = [c for c in cadres_by_unit.get(town_unit.pk, []) if active_pairs.get(c.pk)]
        if not town_cadres:
            continue
        # 智囊团 around one liaison cadre's enterprises (the demo cadre's in the first town).
        if number == 1 and county.demo_cadre.unit_id == town_unit.pk:
            leader = county.demo_cadre
        else:
            leader = max(town_cadres, key=lambda c: (len(active_pairs[c.pk]), -c.pk))
        helpers = rng.sample(department_cadres, 3)
        specs.append(
            (
                ServiceTeam(
                    code=f"ZN{number:02d}",
                    name=f"{town.name}智囊团",
                    kind=ServiceTeam.Kind.THINK_TANK,
                    town=town,
                    leader=leader,
                ),
                [h.pk for h in helpers],
                [u.pk for u in rng.sample(dept_units, 3)],
                active_pairs[leader.pk],
            )
        )
        # 1+2+N teams for the town's key enterprises: a county leader, two liaisons, N departments.
        keys = [e.pk for e in county.enterprises if e.town_id == town.pk and e.pk in key_enterprises][
            :KEY_TEAMS_PER_TOWN
        ]
        for index, enterprise_pk in enumerate(keys, start=1):
            head = rng.choice(department_cadres)
            pair = [c for c in liaisons.get(enterprise_pk, []) if c != head.pk][:2]
            specs.append(
                (
                    ServiceTeam(
                        code=f"YL{number:02d}{index:02d}",
                        name=f"{town.name}1+2+N服务小组（{index}）",
                        kind=ServiceTeam.Kind.ONE_TWO_N,
                        town=town,
                        leader=head,
                    ),
                    pair,
                    [u.pk for u in rng.sample(dept_units, rng.randint(2, 4))],
                    [enterprise_pk],
                )
            )
    for index, chain in enumerate(county.chains, start=1):
        specs.append(
            (
                ServiceTeam(
                    code=f"ZB{index:02d}",
                    name=f"{chain.name}产业链专班",
                    kind=ServiceTeam.Kind.CHAIN_FORCE,
                    leader=chain.chief,
                    chain=chain,
                ),
                [c.pk for c in rng.sample(department_cadres, 4) if c.pk != chain.chief_id],
                [departments["D02"].pk, departments["D12"].pk, departments["D13"].pk],
                [],
            )
        )
    for index in range(1, 3):
        specs.append(
            (
                ServiceTeam(
                    code=f"GW{index:02d}",
                    name=f"企业服务顾问团（{index}）",
                    kind=ServiceTeam.Kind.ADVISORS,
                    leader=rng.choice(department_cadres),
                ),
                [c.pk for c in rng.sample(department_cadres, 5)],
                [u.pk for u in rng.sample(dept_units, 3)],
                rng.sample(sorted(key_enterprises), min(8, len(key_enterprises))),
            )
        )
    teams = ServiceTeam.objects.bulk_create([spec[0] for spec in specs])
    ServiceTeam.members.through.objects.bulk_create(
        [
            ServiceTeam.members.through(serviceteam_id=t.pk, cadre_id=c)
            for t, spec in zip(teams, specs, strict=True)
            for c in spec[1]
        ]
    )
    ServiceTeam.units.through.objects.bulk_create(
        [
            ServiceTeam.units.through(serviceteam_id=t.pk, unit_id=u)
            for t, spec in zip(teams, specs, strict=True)
            for u in set(spec[2])
        ]
    )
    ServiceTeam.enterprises.through.objects.bulk_create(
        [
            ServiceTeam.enterprises.through(serviceteam_id=t.pk, enterprise_id=e)
            for t, spec in zip(teams, specs, strict=True)
            for e in spec[3]
        ]
    )
    names = {c.pk: c.name for c in county.cadres}
    unit_names = {u.pk: u.name for u in Unit.objects.all()}
    enterprise_names = {e.pk: e.name for e in county.enterprises}
    started = timezone.make_aware(dt.datetime.combine(county.start, dt.time(9)))
    for team, (_t, member_ids, unit_ids, enterprise_ids) in zip(teams, specs, strict=True):
        changes.append(
            ServiceTeamChange(
                at=started,
                actor=county.admin,
                action=ServiceTeamChange.Action.CREATE,
                team=team,
                after={
                    "name": team.name,
                    "kind": team.kind,
                    "leader": team.leader.name if team.leader else "",
                    "members": sorted(names.get(c, "") for c in member_ids),
                    "units": sorted(unit_names[u] for u in set(unit_ids)),
                    "enterprises": sorted(enterprise_names[e] for e in enterprise_ids),
                    "chain": team.chain.name if team.chain else "",
                    "active": True,
                },
            )
        )
    ServiceTeamChange.objects.bulk_create(changes)
    counts["teams"] = len(teams)
    # Open problems raised by cadres are routed to their town's 智囊团 (the triage desk's
    # suggestion), as Jiashan's cadres call on their town's think tank.
    for team in teams:
        if team.kind == ServiceTeam.Kind.THINK_TANK:
            Request.objects.filter(
                cadre__isnull=False, status__in=Request.OPEN_STATUSES, enterprise__town_id=team.town_id
            ).update(team=team)
    del members, units, served

    # --- commissioners: 3 per service type (one county-wide, two for towns) --------------------
    commissioners = []
    for service_type, code in COMMISSION_UNITS.items():
        pool = cadres_by_unit.get(departments[code].pk) or department_cadres
        chosen = rng.sample(pool, min(3, len(pool)))
        for index, cadre in enumerate(chosen):
            town = None if index == 0 else county.towns[rng.randrange(len(county.towns))]
            commissioners.append(
                Commissioner(
                    cadre=cadre,
                    service_type=service_type,
                    phone=f"0573-84{rng.randrange(10**6):06d}",
                    town=town,
                    hours="工作日 8:30–17:00",
                )
            )
    Commissioner.objects.bulk_create(commissioners)
    counts["commissioners"] = len(commissioners)

    # --- meetups around the meeting-sourced requests ----------------------------------------
    visited = set(county_visited_enterprises(county.start, county.until))
    by_town_day: dict[tuple[int, dt.date], list[tuple[int, int]]] = defaultdict(list)
    for pk, enterprise_pk, town_id, submitted in Request.objects.filter(
        source=Request.Source.MEETING, visit__isnull=True
    ).values_list("pk", "enterprise_id", "enterprise__town_id", "submitted_at"):
        if enterprise_pk in visited:
            by_town_day[(town_id, timezone.localtime(submitted).date())].append((pk, enterprise_pk))
    town_enterprises: dict[int, list[int]] = defaultdict(list)
    for enterprise in county.enterprises:
        if enterprise.pk in visited:
            town_enterprises[enterprise.town_id].append(enterprise.pk)
    meetups, attendance, links = [], [], []
    for town in county.towns:
        days = sorted(day for (town_id, day) in by_town_day if town_id == town.pk)
        if len(days) > MEETUPS_PER_TOWN:
            days = sorted(rng.sample(days, MEETUPS_PER_TOWN))
        for day in days:
            raised = by_town_day[(town.pk, day)]
            pool = [e for e in town_enterprises[town.pk] if e not in {p[1] for p in raised}]
            guests = rng.sample(pool, min(len(pool), rng.randint(4, 11)))
            theme = rng.choice(THEMES)
            meetup = Meetup(
                kind=Meetup.Kind.TEA
                if theme.startswith("营商早茶会")
                else (Meetup.Kind.FORUM if theme.startswith("座谈会") else Meetup.Kind.QINQING),
                theme=theme,
                date=day,
                place=f"{town.name}便民服务中心会议室",
                host_town=town,
                host_unit=county.town_units[town.pk],
                minutes=MINUTES.format(topic=theme.split("：", 1)[-1]),
                minutes_shareable=rng.random() < 0.5,
                created_by=county.supervisor,
                created_at=timezone.make_aware(dt.datetime.combine(day, dt.time(17))),
            )
            meetups.append((meetup, sorted({p[1] for p in raised} | set(guests)), [p[0] for p in raised]))
    created = Meetup.objects.bulk_create([m for m, _e, _r in meetups])
    unit_rows = []
    for meetup, (_m, enterprise_ids, request_ids) in zip(created, meetups, strict=True):
        attendance += [
            Meetup.enterprises.through(meetup_id=meetup.pk, enterprise_id=e) for e in enterprise_ids
        ]
        unit_rows += [
            Meetup.units.through(meetup_id=meetup.pk, unit_id=u.pk) for u in rng.sample(dept_units, 3)
        ]
        links += [(request_id, meetup.pk) for request_id in request_ids]
    Meetup.enterprises.through.objects.bulk_create(attendance, batch_size=5000)
    Meetup.units.through.objects.bulk_create(unit_rows, batch_size=5000)
    by_meetup = defaultdict(list)
    for request_id, meetup_pk in links:
        by_meetup[meetup_pk].append(request_id)
    for meetup_pk, request_ids in by_meetup.items():
        Request.objects.filter(pk__in=request_ids).update(meetup_id=meetup_pk)
    counts["meetups"] = len(created)
    counts["meetup_requests"] = len(links)

    # --- a login for the first chain's chief, so the chain dashboard can be walked through ------
    chief = county.chains[0].chief
    if password and chief.user_id is None:
        user, _ = get_user_model().objects.update_or_create(
            username="chief", defaults={"first_name": chief.name}
        )
        user.set_password(password)
        user.save()
        chief.user = user
        chief.save(update_fields=["user"])
        county.result.logins.append("chief")
    return counts


def county_visited_enterprises(start: dt.date, until: dt.date):
    """Enterprises with a visit in the demo period (visits sit above groups: the registry, not an
    import)."""
    Visit = apps.get_model("visits", "Visit")
    return (
        Visit.objects.filter(date__range=(start, until))
        .order_by()
        .values_list("enterprise_id", flat=True)
        .distinct()
    )
