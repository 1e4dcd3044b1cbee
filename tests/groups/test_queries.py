"""Query counts of the group pages do not grow with their rows."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from groups.models import Meetup, ServiceTeam
from tests import factories as f


def _grow(world, groups, n):
    """n more of everything the pages list: teams, meetups, members, enterprises, visits, requests."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    team, chain = groups["team"], groups["chain"]
    for i in range(n):
        enterprise = f.EnterpriseFactory(town=world.town_a)
        member = f.CadreFactory(unit=f.UnitFactory())
        team.members.add(member)
        team.units.add(member.unit)
        team.enterprises.add(enterprise)
        chain.enterprises.add(enterprise)
        f.VisitFactory(enterprise=enterprise, cadre=member, date=yesterday)
        f.RequestFactory(enterprise=enterprise, status="submitted", team=team)
        extra = ServiceTeam.objects.create(
            code=f"G{n}{i}", name=f"小组{n}{i}", kind="advisors", town=world.town_a, leader=member
        )
        extra.members.add(world.cadre)
        meetup = Meetup.objects.create(theme=f"会{n}{i}", date=yesterday, host_town=world.town_a)
        meetup.enterprises.set([enterprise, world.ent_a1])
        groups["meetup_a"].enterprises.add(enterprise)
        f.RequestFactory(enterprise=enterprise, source="meeting", meetup=groups["meetup_a"])


def _counts(client, count_queries, groups):
    urls = [
        reverse("groups:teams"),
        reverse("groups:meetups"),
        reverse("groups:meetup", args=[groups["meetup_a"].pk]),
        reverse("analytics:team", args=[groups["team"].pk]),
        reverse("analytics:chain", args=[groups["chain"].pk]) + "?period=year",
        reverse("groups:commissioners"),
        reverse("requests_tracker:triage"),
        reverse("groups:meetup_new"),
    ]
    return {url: count_queries(client, url) for url in urls}


def test_group_pages_run_the_same_queries_at_two_sizes(world, groups, login, count_queries):
    client = login(world.users["supervisor"])
    _grow(world, groups, 3)
    small = _counts(client, count_queries, groups)
    _grow(world, groups, 9)
    assert _counts(client, count_queries, groups) == small


def test_the_meetup_export_runs_the_same_queries_at_two_sizes(world, groups, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.users["supervisor"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("groups:meetup_export"))
            b"".join(response.streaming_content)
        return len(queries.captured_queries)

    _grow(world, groups, 2)
    count()  # warm the session and the caches
    small = count()
    _grow(world, groups, 6)
    assert count() == small
