"""The groups' rules, in one place (forms, the admin, services and the ledger all call them)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from cadres.models import Cadre


def team_errors(
    *, kind: str, leader: Cadre | None, members: Iterable[Cadre], enterprises: Iterable, team_pk=None
) -> dict:
    """{field: message} for a team that may not be saved as given.

    - a team has a leader, an active cadre;
    - in a 1+2+N team (Jinxian 四进四问) a cadre serves an enterprise through one team only: the
      same cadre in two 1+2+N teams of the same enterprise would get every assignment twice.
    """
    from groups.models import ServiceTeam

    errors = {}
    if leader is None:
        errors["leader"] = _("组长：每个服务小组须有一名组长。")
    elif not leader.active:
        errors["leader"] = _("组长：%(name)s已不在岗，请选择在岗干部。") % {"name": leader.name}
    if kind == ServiceTeam.Kind.ONE_TWO_N:
        people = {c.pk: c for c in members}
        if leader is not None:
            people[leader.pk] = leader
        enterprise_ids = [e.pk for e in enterprises]
        if people and enterprise_ids:
            others = ServiceTeam.objects.filter(kind=ServiceTeam.Kind.ONE_TWO_N, active=True).exclude(
                pk=team_pk
            )
            clash = (
                others.filter(enterprises__in=enterprise_ids)
                .filter(models_q_people(list(people)))
                .values_list("name", flat=True)
                .first()
            )
            if clash:
                busy = _busy_cadre(others, list(people), enterprise_ids)
                errors["members"] = _(
                    "成员干部：%(cadre)s已在同一企业的另一个1+2+N服务小组“%(team)s”中，不能重复加入。"
                ) % {"cadre": people[busy].name if busy in people else "", "team": clash}
    return errors


def models_q_people(cadre_ids):
    from django.db.models import Q

    return Q(leader_id__in=cadre_ids) | Q(members__in=cadre_ids)


def _busy_cadre(others, cadre_ids, enterprise_ids):
    for cadre_id in cadre_ids:
        if others.filter(enterprises__in=enterprise_ids).filter(models_q_people([cadre_id])).exists():
            return cadre_id
    return None
