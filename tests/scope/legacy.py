"""The hand-written scope rules as they stood before ``qiqing/scope.py`` (frozen copies, commit
9697a49), kept only as the reference the declared scope is compared against."""

from __future__ import annotations

from django.db.models import Q

from cadres.models import Assignment, Cadre, Unit
from enterprises.models import Enterprise, Town
from qiqing.access import access_for
from qiqing.models import BackgroundJob
from requests_tracker.models import Request, RequestAssist, SupervisionNotice
from visits.models import Visit


def _for_units(unit_ids):
    return Request.objects.filter(
        Q(lead_unit_id__in=unit_ids)
        | Q(pk__in=RequestAssist.objects.filter(unit_id__in=unit_ids).values("request_id"))
    )


def enterprises(user):
    access = access_for(user)
    qs = Enterprise.objects.all()
    if access.sees_everything:
        return qs
    q, matched = Q(), False
    if access.supervised_town_ids:
        q |= Q(town_id__in=access.supervised_town_ids)
        matched = True
    if access.cadre_id:
        q |= Q(
            pk__in=Assignment.objects.filter(cadre_id=access.cadre_id, end__isnull=True).values(
                "enterprise_id"
            )
        )
        matched = True
    if access.handler_unit_ids:
        q |= Q(pk__in=_for_units(access.handler_unit_ids).values("enterprise_id"))
        matched = True
    if access.contact_enterprise_id:
        q |= Q(pk=access.contact_enterprise_id)
        matched = True
    return qs.filter(q) if matched else qs.none()


def units(user):
    access = access_for(user)
    qs = Unit.objects.all()
    if access.sees_everything or access.is_supervisor:
        return qs
    q = Q(pk__in=access.handler_unit_ids)
    if access.cadre_id:
        q |= Q(cadres__id=access.cadre_id)
    return qs.filter(q).distinct() if access.roles else qs.none()


def cadres(user):
    access = access_for(user)
    qs = Cadre.objects.all()
    if access.sees_everything:
        return qs
    q, matched = Q(), False
    if access.supervised_town_ids:
        in_town = Assignment.objects.filter(
            end__isnull=True, enterprise__town_id__in=access.supervised_town_ids
        )
        q |= Q(unit__town_id__in=access.supervised_town_ids) | Q(pk__in=in_town.values("cadre_id"))
        matched = True
    if access.cadre_id:
        q |= Q(pk=access.cadre_id)
        matched = True
    return qs.filter(q) if matched else qs.none()


def _paired_or_own(access):
    mine = Assignment.objects.filter(cadre_id=access.cadre_id, end__isnull=True).values("enterprise_id")
    return Q(enterprise_id__in=mine) | Q(cadre_id=access.cadre_id)


def visits(user):
    access = access_for(user)
    qs = Visit.objects.all()
    if access.sees_everything:
        return qs
    q, matched = Q(), False
    if access.supervised_town_ids:
        q |= Q(enterprise__town_id__in=access.supervised_town_ids)
        matched = True
    if access.cadre_id:
        q |= _paired_or_own(access)
        matched = True
    if access.contact_enterprise_id:
        q |= Q(enterprise_id=access.contact_enterprise_id)
        matched = True
    return qs.filter(q) if matched else qs.none()


def requests(user):
    access = access_for(user)
    qs = Request.objects.all()
    if access.sees_everything:
        return qs
    q, matched = Q(), False
    if access.supervised_town_ids:
        q |= Q(enterprise__town_id__in=access.supervised_town_ids)
        matched = True
    if access.handler_unit_ids:
        q |= Q(lead_unit_id__in=access.handler_unit_ids) | Q(
            pk__in=RequestAssist.objects.filter(unit_id__in=access.handler_unit_ids).values("request_id")
        )
        matched = True
    if access.cadre_id:
        q |= _paired_or_own(access)
        matched = True
    if access.contact_enterprise_id:
        q |= Q(enterprise_id=access.contact_enterprise_id)
        matched = True
    return qs.filter(q) if matched else qs.none()


def notices(user):
    access = access_for(user)
    qs = SupervisionNotice.objects.all()
    if access.sees_everything:
        return qs
    q, matched = Q(), False
    if access.supervised_town_ids:
        q |= Q(request__enterprise__town_id__in=access.supervised_town_ids)
        matched = True
    if access.handler_unit_ids:
        q |= Q(unit_id__in=access.handler_unit_ids)
        matched = True
    return qs.filter(q) if matched else qs.none()


def towns(user):
    access = access_for(user)
    if access.sees_everything:
        return Town.objects.all()
    return Town.objects.filter(pk__in=access.supervised_town_ids)


def jobs(user):
    """jobs_visible_to (analytics jobs) joined with the ledger page's rule (admins: every import)."""
    access = access_for(user)
    if not user.is_authenticated:
        return BackgroundJob.objects.none()
    mine = Q(created_by=user)
    shared = Q(pk__in=[])
    if access.is_admin:
        shared |= Q(kind="ledger_import")
    if access.sees_everything:
        return BackgroundJob.objects.filter(
            mine | shared | Q(kind__in=("monthly_report", "cluster_problems"))
        )
    if access.supervised_town_ids:
        codes = list(Town.objects.filter(pk__in=access.supervised_town_ids).values_list("code", flat=True))
        return BackgroundJob.objects.filter(mine | shared | Q(kind="monthly_report", params__town__in=codes))
    return BackgroundJob.objects.filter(mine | shared)


def request_parties(user, request) -> frozenset[str]:
    access = access_for(user)
    parties = set()
    if access.supervises_county or (
        access.supervised_town_ids and request.enterprise.town_id in access.supervised_town_ids
    ):
        parties.add("supervisor")
    if access.handler_unit_ids:
        if request.lead_unit_id in access.handler_unit_ids:
            parties.add("lead")
        if any(assist.unit_id in access.handler_unit_ids for assist in request.assists.all()):
            parties.add("assist")
    if access.contact_enterprise_id and access.contact_enterprise_id == request.enterprise_id:
        parties.add("contact")
    return frozenset(parties)
