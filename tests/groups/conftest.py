import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groups.models import Commissioner, IndustryChain, Meetup, ServiceTeam, ServiceType
from tests import factories as f


@pytest.fixture
def groups(world):
    """Town A's 1+2+N team around 甲一 (led by 张三), a sock chain led by an active county cadre,
    a meetup in each town (A's minutes private, B's shared) and commissioners for power and hiring."""
    w = world
    chief = f.CadreFactory(unit=w.unit_hr, name="链长王")
    team = ServiceTeam.objects.create(
        code="T01", name="甲一1+2+N服务小组", kind=ServiceTeam.Kind.ONE_TWO_N, town=w.town_a, leader=w.cadre
    )
    team.units.set([w.unit_hr, w.unit_edu])
    team.enterprises.set([w.ent_a1])
    team_b = ServiceTeam.objects.create(
        code="T02", name="乙镇智囊团", kind=ServiceTeam.Kind.THINK_TANK, town=w.town_b, leader=w.other_cadre
    )
    team_b.enterprises.set([w.ent_b1])
    chain = IndustryChain.objects.create(code="L01", name="袜业", chief=chief)
    chain.enterprises.set([w.ent_a2, w.ent_b1])
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    meetup_a = Meetup.objects.create(
        theme="甲镇营商早茶会",
        date=yesterday,
        host_town=w.town_a,
        minutes="甲镇内部纪要",
        minutes_shareable=False,
    )
    meetup_a.enterprises.set([w.ent_a1, w.ent_a2])
    meetup_b = Meetup.objects.create(
        theme="乙镇亲清会", date=yesterday, host_town=w.town_b, minutes="乙镇公开纪要", minutes_shareable=True
    )
    meetup_b.enterprises.set([w.ent_b1])
    power = Commissioner.objects.create(
        cadre=f.CadreFactory(unit=w.unit_hr, name="供电专员"),
        service_type=ServiceType.POWER,
        phone="0573-84000001",
    )
    hiring = Commissioner.objects.create(
        cadre=f.CadreFactory(unit=w.unit_hr, name="用工专员"),
        service_type=ServiceType.HIRING,
        phone="0573-84000002",
    )
    gas_b = Commissioner.objects.create(
        cadre=f.CadreFactory(unit=w.unit_hr, name="乙镇燃气专员"),
        service_type=ServiceType.GAS,
        phone="0573-84000003",
        town=w.town_b,
    )
    return {
        "team": team,
        "team_b": team_b,
        "chain": chain,
        "chief": chief,
        "meetup_a": meetup_a,
        "meetup_b": meetup_b,
        "power": power,
        "hiring": hiring,
        "gas_b": gas_b,
    }


@pytest.fixture
def count_queries():
    """``count_queries(client, url)`` → how many queries one GET of ``url`` ran (after a warm-up)."""

    def _count(client, url):
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries.captured_queries)

    return _count
