"""The groups' rules, in one place (forms, the admin, services and the ledger all call them)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from cadres.models import Cadre
from groups.models import ServiceTeam


def team_errors(
    *, kind: str, leader: Cadre | None, members: Iterable[Cadre], enterprises: Iterable, team_pk=None
) -> dict:
    """{field: message} for a team that may not be saved as given.

    - a team has a leader, an active cadre;
    - in a 1+2+N team (Jinxian 四进四问) a cadre serves an enterprise through one team only: the
      same cadre in two 1+2+N teams of the same enterprise would get every assignment twice.
    """
    errors = {}
    if leader is None:
        errors["leader"] = _("组长：每个服务小组须有一名组长。")
    elif not leader.active:
        errors["leader"] = _("组长：%(name)s已不在岗，请选择在岗干部。") % {"name": leader.name}
    enterprise_ids = [e.pk for e in enterprises]
    if kind == ServiceTeam.Kind.ONE_TWO_N and enterprise_ids:
        people = {c.pk: c for c in members}
        if leader is not None:
            people[leader.pk] = leader
        others = ServiceTeam.objects.filter(
            kind=ServiceTeam.Kind.ONE_TWO_N, active=True, enterprises__in=enterprise_ids
        ).exclude(pk=team_pk)
        for cadre in people.values():
            clash = others.filter(Q(leader=cadre) | Q(members=cadre)).values_list("name", flat=True).first()
            if clash:
                errors["members"] = _(
                    "成员干部：%(cadre)s已在同一企业的另一个1+2+N服务小组“%(team)s”中，不能重复加入。"
                ) % {"cadre": cadre.name, "team": clash}
                break
    return errors
