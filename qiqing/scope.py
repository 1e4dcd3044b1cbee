"""Who may see what: one declaration per model, resolved against ``Access`` in this one place.

In the spirit of NetBox's ``RestrictedQuerySet.restrict(user, action)``, a scoped model says which
of its paths lead to the things a role is tied to, and nothing else::

    class Request(models.Model):
        ...
        objects = RequestQuerySet.as_manager()      # a ScopedQuerySet
        scope = Scope(
            town="enterprise__town",                # 服务企业办 of that town
            enterprise="enterprise",                # its liaison cadre (active pair) and its contact
            unit={"lead": "lead_unit", "assist": "assists__unit"},  # 部门经办人 of those units
            cadre="cadre",                          # the cadre who raised it
        )

``Model.objects.visible_to(user)`` then returns the rows the user may open, and
``parties(user, obj)`` the names of the roles through which the user touches ``obj`` ("supervisor",
"lead", "assist", "paired", "cadre", "contact", "creator", "admin"). The rules every declaration
shares live here and only here:

- admins and county-wide supervisors see everything (``bypass="county"``, the default); a model can
  narrow that to admins (``bypass="admin"``) or to nobody (``bypass=None``);
- a supervisor sees rows whose *town* path is one of their towns (``supervisors=True``: any supervisor
  sees every row, as with units, which are reference data for triage);
- a handler sees rows whose *unit* path is one of their units;
- a cadre sees rows whose *enterprise* path is an enterprise they are paired with now (an ended pair
  no longer counts) and rows whose *cadre* path is themselves;
- an enterprise contact sees rows whose *enterprise* path is their enterprise;
- anyone sees rows whose *creator* path is themselves;
- ``through="request"``: the row is visible exactly when the row it belongs to is.

A path through a many-valued relation is resolved as ``pk__in`` of a subquery, so no join can
duplicate rows. A path may carry conditions on the same join (``Via("assignments__enterprise__town",
assignments__end__isnull=True)``). Anything a declaration cannot say goes into ``extra``, a dotted
path to a function ``(access, user) -> Q | None`` — used by background jobs, whose sharing is
declared per job kind in ``qiqing.jobs``.
"""

from __future__ import annotations

from functools import cached_property

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from qiqing.access import ADMIN, SUPERVISOR, Access, access_for

PAIRED = "paired"
CADRE = "cadre"
CONTACT = "contact"
CREATOR = "creator"
UNIT = "unit"
NOTHING = Q(pk__in=[])


class Via:
    """A path from the model to a town, enterprise, unit, cadre or user, with optional conditions
    on the same join (``Via("assignments__enterprise__town", assignments__end__isnull=True)``)."""

    __slots__ = ("path", "where")

    def __init__(self, path: str, **where):
        self.path = path
        self.where = where

    def __repr__(self):
        return f"Via({self.path!r}, **{self.where!r})"


def _vias(value) -> tuple[Via, ...]:
    if value is None:
        return ()
    if isinstance(value, str | Via):
        value = (value,)
    return tuple(v if isinstance(v, Via) else Via(v) for v in value)


class Scope:
    def __init__(
        self,
        *,
        town=(),
        enterprise=(),
        unit=(),
        cadre=(),
        creator=(),
        through: str | None = None,
        supervisors: bool = False,
        bypass: str | None = "county",
        extra: str | None = None,
    ):
        if bypass not in ("county", "admin", None):
            raise ValueError(f"bypass must be 'county', 'admin' or None, not {bypass!r}")
        self.town = _vias(town)
        self.enterprise = _vias(enterprise)
        units = unit if isinstance(unit, dict) else {UNIT: unit}
        self.units = {party: _vias(paths) for party, paths in units.items() if _vias(paths)}
        self.cadre = _vias(cadre)
        self.creator = _vias(creator)
        self.through = through
        self.supervisors = supervisors
        self.bypass = bypass
        self.extra = extra
        self.model: type[models.Model] | None = None

    def contribute_to_class(self, cls, name):
        """Django calls this for class attributes that have it: the declaration learns its model."""
        self.model = cls
        setattr(cls, name, self)
        cls._scope = self

    # --- resolution -------------------------------------------------------------------------------
    def bypassed(self, access: Access) -> bool:
        if self.bypass == "county":
            return access.sees_everything
        if self.bypass == "admin":
            return access.is_admin
        return False

    def q(self, user) -> Q | None:
        """The condition on this model's rows for ``user`` (None: every row)."""
        access = access_for(user)
        if self.bypassed(access) or (self.supervisors and access.is_supervisor):
            return None
        if self.through:
            related, many = self._through_target
            condition = Q(**{f"{self.through}__in": related.objects.visible_to(user).values("pk")})
            if many:  # e.g. a problem cluster visible through any of its members' requests
                return Q(pk__in=self.model._base_manager.filter(condition).values("pk"))
            return condition
        parts = [q for _party, q in self._conditions(access, user)]
        if self.extra:
            extra = import_string(self.extra)(access, user)
            if extra is not None:
                parts.append(extra)
        if not parts:
            return NOTHING
        combined = Q()
        for part in parts:
            combined |= part
        return combined

    @cached_property
    def _through_target(self) -> tuple[type[models.Model], bool]:
        model, many = self.model, False
        for part in self.through.split("__"):
            field_ = model._meta.get_field(part)
            many = many or field_.many_to_many or field_.one_to_many
            model = field_.related_model
        return model, many

    def _ties(self, access: Access):
        """(party, paths, what the user is tied to) for every role the user holds."""
        if access.supervised_town_ids:
            yield SUPERVISOR, self.town, access.supervised_town_ids
        if access.handler_unit_ids:
            for party, vias in self.units.items():
                yield party, vias, access.handler_unit_ids
        if access.cadre_id:
            yield CADRE, self.cadre, {access.cadre_id}
            if self.enterprise:
                yield PAIRED, self.enterprise, _paired_enterprises(access.cadre_id)
        if access.contact_enterprise_id:
            yield CONTACT, self.enterprise, {access.contact_enterprise_id}
        if access.user_id:
            yield CREATOR, self.creator, {access.user_id}

    def _conditions(self, access: Access, user):
        """(party, Q) for every role of the user that a declaration reaches."""
        for party, vias, targets in self._ties(access):
            for via in vias:
                yield party, self._lookup(via, targets)

    def _lookup(self, via: Via, values) -> Q:
        lookup = f"{via.path}__in" if via.path else "pk__in"
        condition = Q(**{lookup: values}, **via.where)
        if self._many_valued(via.path):
            return Q(pk__in=self.model._base_manager.filter(condition).values("pk"))
        return condition

    def _many_valued(self, path: str) -> bool:
        return path in self._many_valued_paths

    @cached_property
    def _many_valued_paths(self) -> frozenset[str]:
        paths = set()
        every = [*self.town, *self.enterprise, *self.cadre, *self.creator]
        every += [via for vias in self.units.values() for via in vias]
        for via in every:
            model = self.model
            for part in filter(None, via.path.split("__")):
                field_ = model._meta.get_field(part)
                if field_.many_to_many or field_.one_to_many:
                    paths.add(via.path)
                    break
                model = field_.related_model
            if via.where:
                paths.add(via.path)  # conditions belong to the same join: keep them in one filter()
        return frozenset(paths)

    # --- parties ----------------------------------------------------------------------------------
    def parties(self, user, obj, among: frozenset[str] | None = None) -> frozenset[str]:
        """The roles through which ``user`` touches ``obj`` (limited to ``among`` when given).

        Paths are walked on the object itself (prefetched relations cost no query); a path with
        conditions, and the "paired" role, are asked of the database."""
        if self.through:
            return self.model_parties_through(user, obj, among)
        access = access_for(user)
        found = {ADMIN} if access.is_admin else set()
        if access.supervises_county or (self.supervisors and access.is_supervisor):
            found.add(SUPERVISOR)
        for party, vias, targets in self._ties(access):
            if (among is None or party in among) and party not in found and self._reaches(obj, vias, targets):
                found.add(party)
        return frozenset(found if among is None else found & set(among))

    def model_parties_through(self, user, obj, among):
        related, many = self._through_target
        if many:
            raise TypeError(f"{self.model.__name__}: parties through a many-valued path are not defined")
        target = getattr(obj, self.through)
        return related._scope.parties(user, target, among)

    def _reaches(self, obj, vias: tuple[Via, ...], targets) -> bool:
        """Whether a path leads from ``obj`` to one of ``targets``: walked on the object when that
        costs no query (foreign keys, prefetched relations), else asked of the database."""
        for via in vias:
            if via.where or (self._many_valued(via.path) and not _prefetched(obj, via.path)):
                if self.model._base_manager.filter(self._lookup(via, targets), pk=obj.pk).exists():
                    return True
            elif _walk(obj, via.path) & set(targets):
                return True
        return False


def _prefetched(obj, path: str) -> bool:
    """Whether the first many-valued step of ``path`` is in the object's prefetch cache."""
    cache = getattr(obj, "_prefetched_objects_cache", {})
    current = obj
    for part in path.split("__"):
        field_ = current._meta.get_field(part)
        if field_.many_to_many or field_.one_to_many:
            return (
                field_.get_accessor_name() in cache if hasattr(field_, "get_accessor_name") else part in cache
            )
        current = getattr(current, part, None)
        if current is None:
            return True  # nothing to walk: the walk answers "no" without a query
        cache = getattr(current, "_prefetched_objects_cache", {})
    return True


def _walk(obj, path: str) -> set:
    """The primary keys reached from ``obj`` along ``path`` (a foreign key's id without a query)."""
    if not path:
        return {obj.pk}
    parts = path.split("__")
    current = [obj]
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        following = []
        for item in current:
            field_ = item._meta.get_field(part)
            if last and field_.many_to_one:
                value = getattr(item, field_.attname)
                if value is not None:
                    following.append(value)
                continue
            value = getattr(item, part)
            if field_.many_to_many or field_.one_to_many:
                following.extend(value.all())
            elif value is not None:
                following.append(value)
        current = following
    return {item.pk if isinstance(item, models.Model) else item for item in current}


def _paired_enterprises(cadre_id: int):
    """The enterprises the cadre is paired with now (a subquery)."""
    Assignment = apps.get_model("cadres", "Assignment")
    return Assignment.objects.filter(cadre_id=cadre_id, end__isnull=True).values_list(
        "enterprise_id", flat=True
    )


def declared(model) -> Scope | None:
    return getattr(model, "_scope", None)


def scoped_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if declared(model) is not None]


class ScopedQuerySet(models.QuerySet):
    """``visible_to(user)``: the rows the model's ``Scope`` lets the user see."""

    def visible_to(self, user):
        scope = declared(self.model)
        if scope is None:
            raise TypeError(f"{self.model.__name__} declares no scope")
        condition = scope.q(user)
        if condition is None:
            return self.all()
        if condition is NOTHING:
            return self.none()
        return self.filter(condition)


def sees_every_row(queryset) -> bool:
    """Whether a ``visible_to(user)`` queryset is the model's every row (the county's view): no
    condition, not ``none()``. Callers then skip an ``IN (SELECT … every row)`` or use a kept
    table. Ordering, annotations and ``extra`` count as changes too (the caller wanted them)."""
    query = queryset.query
    return not (query.is_empty() or query.where or query.order_by or query.annotations or query.extra)


def parties(user, obj, among=None) -> frozenset[str]:
    """Which of the user's roles touch ``obj`` (see ``Scope.parties``)."""
    return declared(type(obj)).parties(user, obj, among)


def is_visible(user, obj) -> bool:
    """Whether ``obj`` is (still) visible to ``user`` — for services to re-check after writing."""
    return type(obj)._default_manager.visible_to(user).filter(pk=obj.pk).exists()


def handled_units(user) -> frozenset[int]:
    """The units whose work the user does as 部门经办人 (their inbox: requests those units lead or
    assist)."""
    return access_for(user).handler_unit_ids


def own_enterprise_id(user) -> int | None:
    """The enterprise an enterprise contact speaks for (their portal and file)."""
    return access_for(user).contact_enterprise_id


def require_visible(user, obj) -> None:
    """Services call this after writing, inside their transaction (NetBox's ObjectEditView.post):
    a write must not move an object out of the actor's own scope — the transaction then rolls
    back. Lifecycle transitions that hand a request on (a unit returning it to triage) do not
    call it: leaving the actor's scope is their point."""
    if user is None or obj is None:
        return
    if not is_visible(user, obj):
        raise PermissionDenied(
            _("保存后该%(what)s将不在您的范围内，操作未执行。") % {"what": type(obj)._meta.verbose_name}
        )


def town_key(user) -> str:
    """What a cache shared by readers must be keyed on: "county" for county-wide readers, else
    their towns (two supervisors of the same towns may share a cached dashboard body)."""
    access = access_for(user)
    if access.sees_everything:
        return "county"
    return "towns:" + ",".join(map(str, sorted(access.supervised_town_ids)))
