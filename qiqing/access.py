"""Who a user is in the programme: their roles and the slice of the county they may see.

One user may hold several roles (a town cadre can also be a handler for their town). The
``Access`` object is computed once per user object and is what every ``visible_to(user)``
queryset method reads. Models are looked up through the app registry so that this shared
module imports none of the apps (DESIGN.md §6: imports flow one way).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.utils.translation import gettext_lazy as _

ADMIN = "admin"
SUPERVISOR = "supervisor"
HANDLER = "handler"
CADRE = "cadre"
CONTACT = "contact"

ROLE_LABELS = {
    ADMIN: _("系统管理员"),
    SUPERVISOR: _("服务企业办"),
    HANDLER: _("部门经办人"),
    CADRE: _("联企干部"),
    CONTACT: _("企业联络人"),
}
# Order of precedence when one page must be chosen for a user with several roles.
ROLE_ORDER = (ADMIN, SUPERVISOR, HANDLER, CADRE, CONTACT)


@dataclass(frozen=True)
class Access:
    user_id: int | None = None
    is_admin: bool = False
    supervises_county: bool = False
    supervised_town_ids: frozenset[int] = field(default_factory=frozenset)
    handler_unit_ids: frozenset[int] = field(default_factory=frozenset)
    cadre_id: int | None = None
    contact_enterprise_id: int | None = None

    @property
    def is_supervisor(self) -> bool:
        return self.supervises_county or bool(self.supervised_town_ids)

    @property
    def is_handler(self) -> bool:
        return bool(self.handler_unit_ids)

    @property
    def is_cadre(self) -> bool:
        return self.cadre_id is not None

    @property
    def is_contact(self) -> bool:
        return self.contact_enterprise_id is not None

    @property
    def sees_everything(self) -> bool:
        """Admins and county-wide supervisors see the whole county."""
        return self.is_admin or self.supervises_county

    @property
    def is_staff_reader(self) -> bool:
        """May read supervisory pages (dashboards, lists across enterprises)."""
        return self.is_admin or self.is_supervisor

    @property
    def roles(self) -> tuple[str, ...]:
        held = {
            ADMIN: self.is_admin,
            SUPERVISOR: self.is_supervisor,
            HANDLER: self.is_handler,
            CADRE: self.is_cadre,
            CONTACT: self.is_contact,
        }
        return tuple(role for role in ROLE_ORDER if held[role])

    @property
    def primary_role(self) -> str | None:
        return self.roles[0] if self.roles else None

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def role_labels(self) -> list[str]:
        return [ROLE_LABELS[role] for role in self.roles]


ANONYMOUS = Access()


def access_for(user) -> Access:
    """The user's roles and scope, computed once per user object (three small queries)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_qiqing_access", None)
    if cached is not None:
        return cached
    StaffRole = apps.get_model("cadres", "StaffRole")
    Cadre = apps.get_model("cadres", "Cadre")
    EnterpriseContact = apps.get_model("enterprises", "EnterpriseContact")

    county = False
    towns: set[int] = set()
    units: set[int] = set()
    for role, unit_id, town_id in StaffRole.objects.filter(user=user).values_list(
        "role", "unit_id", "town_id"
    ):
        if role == SUPERVISOR:
            if town_id is None:
                county = True
            else:
                towns.add(town_id)
        elif role == HANDLER and unit_id is not None:
            units.add(unit_id)
    cadre_id = Cadre.objects.filter(user=user, active=True).values_list("id", flat=True).first()
    contact_enterprise_id = (
        EnterpriseContact.objects.filter(user=user, enterprise__active=True)
        .values_list("enterprise_id", flat=True)
        .first()
    )
    result = Access(
        user_id=user.pk,
        is_admin=user.is_superuser,
        supervises_county=county,
        supervised_town_ids=frozenset(towns),
        handler_unit_ids=frozenset(units),
        cadre_id=cadre_id,
        contact_enterprise_id=contact_enterprise_id,
    )
    user._qiqing_access = result
    return result


def forget_access(user) -> None:
    """Drop the cached roles (after a role change within the same request or test)."""
    if hasattr(user, "_qiqing_access"):
        del user._qiqing_access
