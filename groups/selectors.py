"""Reads for the groups: lists in scope, the commissioner directory, the triage suggestion."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from groups.models import (
    CATEGORY_SERVICE_TYPES,
    EVERYDAY_TYPES,
    Commissioner,
    IndustryChain,
    Meetup,
    ServiceTeam,
    ServiceType,
)
from qiqing import scope
from qiqing.access import access_for
from requests_tracker.models import Request


def teams(user):
    return (
        ServiceTeam.objects.visible_to(user)
        .select_related("leader__unit", "town", "chain")
        .annotate(
            member_count=Count("members", distinct=True),
            unit_count=Count("units", distinct=True),
            enterprise_count=Count("enterprises", distinct=True),
        )
        .order_by("kind", "code")
    )


def chains(user):
    return (
        IndustryChain.objects.visible_to(user)
        .select_related("chief__unit")
        .annotate(enterprise_count=Count("enterprises", distinct=True))
        .order_by("code")
    )


def meetups(user):
    return (
        Meetup.objects.visible_to(user)
        .select_related("host_town", "host_unit")
        .annotate(
            enterprise_count=Count("enterprises", distinct=True),
            request_count=Count("requests", distinct=True),
        )
        .order_by("-date", "-pk")
    )


def meetup_detail(user, pk):
    return get_object_or_404(
        Meetup.objects.visible_to(user)
        .select_related("host_town", "host_unit", "created_by")
        .prefetch_related(
            "enterprises",
            "cadres__unit",
            "units",
            "photos",
            Prefetch(
                "requests",
                queryset=Request.objects.visible_to(user).select_related(
                    "enterprise", "category", "lead_unit"
                ),
            ),
        ),
        pk=pk,
    )


def minutes_visible(user, meetup: Meetup) -> bool:
    """Minutes are for the programme's people; an enterprise contact reads them only when shared."""
    access = access_for(user)
    if access.is_contact and not (
        access.is_admin or access.is_supervisor or access.is_handler or access.is_cadre
    ):
        return meetup.minutes_shareable
    return True


def service_types_for_categories(names) -> list[str]:
    types = []
    for name in names:
        for service_type in CATEGORY_SERVICE_TYPES.get(name, ()):
            if service_type not in types:
                types.append(service_type)
    return types


def category_service_types() -> dict[str, list[str]]:
    """{category name: [service type values]} for the portal's "call the commissioner" box."""
    return {name: [str(t) for t in types] for name, types in CATEGORY_SERVICE_TYPES.items()}


def directory(user, *, show_all: bool = False):
    """(commissioners, the service types shown, filtered?) — for a contact, the everyday types and
    those their enterprise's requests have touched, in their town or county-wide; staff see all."""
    access = access_for(user)
    queryset = Commissioner.objects.active().select_related("cadre__unit", "town")
    staff = access.is_admin or access.is_supervisor or access.is_handler or access.is_cadre
    own = scope.own_enterprise_id(user)
    if own and not staff:
        town_id = Enterprise.objects.filter(pk=own).values_list("town_id", flat=True).first()
        queryset = queryset.serving(town_id)
        if not show_all:
            used = (
                Request.objects.filter(enterprise_id=own)
                .order_by()
                .values_list("category__name", flat=True)
                .distinct()
            )
            types = list(EVERYDAY_TYPES) + service_types_for_categories(used)
            types = [t for t in ServiceType.values if t in set(types)]
            return queryset.filter(service_type__in=types), types, True
    return queryset, list(ServiceType.values), False


def cadre_teams(cadre_id):
    if not cadre_id:
        return ServiceTeam.objects.none()
    return ServiceTeam.objects.of_cadre(cadre_id).order_by("kind", "code")


def enterprise_meetups(user, enterprise_id):
    return (
        Meetup.objects.visible_to(user)
        .filter(enterprises=enterprise_id)
        .select_related("host_town")
        .order_by("-date", "-pk")
    )


def team_for(cadre, enterprise):
    """The team a cadre routes an enterprise's problem to: their active team serving that
    enterprise (directly or through its chain), else the first team they lead or belong to.
    Raises a ValidationError naming the field when the cadre is in no team."""
    teams = ServiceTeam.objects.of_cadre(cadre.pk)
    serving = teams.filter(Q(enterprises=enterprise) | Q(chain__enterprises=enterprise)).order_by(
        "kind", "code"
    )
    team = serving.first() or teams.order_by("kind", "code").first()
    if team is None:
        raise ValidationError(
            {"to_team": _("转交服务小组：%(name)s不在任何服务小组中。") % {"name": cadre.name}}
        )
    return team
