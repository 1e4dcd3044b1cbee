"""Who a user is in the programme: their roles and the slice of the county they may see.

One user may hold several roles (a town cadre can also be a handler for their town). The
``Access`` object is computed once per user object and is what every ``visible_to(user)``
queryset method reads. Models are looked up through the app registry so that this shared
module imports none of the apps (DESIGN.md §6: imports flow one way).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.apps import apps
from django.core.cache import cache
from django.db.models import signals
from django.utils.translation import gettext_lazy as _

from qiqing import readahead

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

    @cached_property  # read by every menu item and permission check of a page
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


# The roles and scope are read from the cache (per user, invalidated on every change of the user's
# staff roles, cadre record or contact record: see ``connect_invalidation``); a write that bypasses
# model signals (the ledger's bulk import) calls ``forget_everyone``. With Redis (``CACHE_URL``)
# every process sees an invalidation at once; with the embedded default's per-process memory,
# another process (the worker) sees it within ``CACHE_SECONDS``.
CACHE_SECONDS = 300
_GENERATION_KEY = "qiqing:access:generation"


def _key(user_id: int) -> str:
    return f"qiqing:access:v2:{user_id}"


def read_ahead_keys(user_id: int) -> list[str]:
    """The cache keys ``access_for`` reads (``qiqing.readahead`` fetches them with the user)."""
    return [_key(user_id), _GENERATION_KEY]


def _compute(user) -> dict:
    """The roles and scope of ``user`` from the database (three small queries)."""
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
    return {
        "supervises_county": county,
        "supervised_town_ids": sorted(towns),
        "handler_unit_ids": sorted(units),
        "cadre_id": cadre_id,
        "contact_enterprise_id": contact_enterprise_id,
    }


def access_for(user) -> Access:
    """The user's roles and scope: once per user object, from the cache across requests."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_qiqing_access", None)
    if cached is not None:
        return cached
    key = _key(user.pk)
    stored = readahead.take(key)
    generation = readahead.take(_GENERATION_KEY)
    if generation is None:
        generation = cache.get_or_set(_GENERATION_KEY, 1, None)
    # An entry stored before ``forget_everyone`` moved the generation is stale.
    if stored is None or stored.get("generation") != generation:
        stored = {**_compute(user), "generation": generation}
        cache.set(key, stored, CACHE_SECONDS)
    result = Access(
        user_id=user.pk,
        is_admin=user.is_superuser,
        supervises_county=stored["supervises_county"],
        supervised_town_ids=frozenset(stored["supervised_town_ids"]),
        handler_unit_ids=frozenset(stored["handler_unit_ids"]),
        cadre_id=stored["cadre_id"],
        contact_enterprise_id=stored["contact_enterprise_id"],
    )
    user._qiqing_access = result
    return result


def forget_access(user) -> None:
    """Drop the cached roles (after a role change within the same request or test)."""
    if hasattr(user, "_qiqing_access"):
        del user._qiqing_access
    if getattr(user, "pk", None):
        forget_user_ids(user.pk)


def forget_user_ids(*user_ids) -> None:
    keys = [_key(pk) for pk in user_ids if pk]
    if keys:
        cache.delete_many(keys)
        readahead.forget(keys)


def forget_everyone() -> None:
    """After writes that bypass model signals (bulk imports): every cached scope is stale."""
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:
        cache.set(_GENERATION_KEY, 2, None)
    readahead.forget([_GENERATION_KEY])


def _forget_owner(sender, instance, **kwargs):
    forget_user_ids(getattr(instance, "user_id", None), getattr(instance, "_qiqing_old_user_id", None))


def _remember_owner(sender, instance, **kwargs):
    """As loaded: the user the record belonged to, whose scope changes too if it moves (no query)."""
    instance._qiqing_old_user_id = instance.__dict__.get("user_id")


def _forget_enterprise_contacts(sender, instance, **kwargs):
    """An enterprise leaving or rejoining the register changes its contacts' scope."""
    EnterpriseContact = apps.get_model("enterprises", "EnterpriseContact")
    forget_user_ids(*EnterpriseContact.objects.filter(enterprise=instance).values_list("user_id", flat=True))


def connect_invalidation() -> None:
    """Signals used for cache invalidation only (``QiqingConfig.ready``)."""
    for label in ("cadres.StaffRole", "cadres.Cadre", "enterprises.EnterpriseContact"):
        model = apps.get_model(label)
        signals.post_init.connect(_remember_owner, sender=model, dispatch_uid=f"access-init-{label}")
        signals.post_save.connect(_forget_owner, sender=model, dispatch_uid=f"access-save-{label}")
        signals.post_delete.connect(_forget_owner, sender=model, dispatch_uid=f"access-delete-{label}")
    enterprise = apps.get_model("enterprises", "Enterprise")
    signals.post_save.connect(
        _forget_enterprise_contacts, sender=enterprise, dispatch_uid="access-enterprise"
    )
