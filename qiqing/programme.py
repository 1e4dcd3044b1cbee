"""Programme options an admin sets in the application (系统设置), not in the environment.

Deployment settings (database, broker, secrets) come from environment variables and need a
restart; *programme* options are the county's policy — whether check-in is on, what share of
closures is spot-checked, whether enterprise contacts see the public board — and change while
the system runs. Each app declares its options in its own ``options.py``::

    OPTIONS = [
        Option("checkin_enabled", _("走访定位签到"), kind=BOOL, default=False, group=_("走访")),
        Option("spotcheck_share", _("每周抽查比例(%)"), kind=INT, default=10, min_value=1, max_value=100),
    ]

and reads them with ``programme.value("checkin_enabled")``. They are discovered through the app
registry like ``nav.py``, so this shared module imports no app. Admins change them on one page;
every change is written to ``ProgrammeSettingChange`` (who, when, before, after).

Values are read through the cache (one small query when it is cold) and the cache entry is
dropped on every write. With the per-process memory cache of the embedded default another
process sees a change within ``CACHE_SECONDS``; with Redis (``CACHE_URL``) at once.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache as memoize
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

BOOL = "bool"
INT = "int"
DECIMAL = "decimal"
CHOICE = "choice"
KINDS = (BOOL, INT, DECIMAL, CHOICE)

CACHE_KEY = "qiqing:programme:v1"
CACHE_SECONDS = 60


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    kind: str = BOOL
    default: Any = False
    help: str = ""
    group: str = ""
    min_value: int | Decimal | None = None
    max_value: int | Decimal | None = None
    # For CHOICE: [(value, label), …]
    choices: tuple[tuple[str, str], ...] = ()
    order: int = 100

    def parse(self, raw) -> Any:
        """The typed value of ``raw`` (form input or stored JSON); ValidationError naming the option."""
        if self.kind == BOOL:
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in ("1", "true", "on", "yes")
        if raw is None or str(raw).strip() == "":
            raise ValidationError(_("“%(label)s”不能为空。") % {"label": self.label}, code="required")
        if self.kind == CHOICE:
            value = str(raw)
            if value not in {choice for choice, _label in self.choices}:
                raise ValidationError(
                    _("“%(label)s”的取值“%(value)s”不在可选范围内。") % {"label": self.label, "value": value},
                    code="invalid_choice",
                )
            return value
        try:
            value = int(str(raw).strip()) if self.kind == INT else Decimal(str(raw).strip())
        except (ValueError, InvalidOperation):
            kind = pgettext("must be", "整数") if self.kind == INT else pgettext("must be", "数字")
            raise ValidationError(
                _("“%(label)s”须为%(kind)s。") % {"label": self.label, "kind": kind}, code="invalid"
            ) from None
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(
                _("“%(label)s”不能小于 %(limit)s。") % {"label": self.label, "limit": self.min_value},
                code="min_value",
            )
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(
                _("“%(label)s”不能大于 %(limit)s。") % {"label": self.label, "limit": self.max_value},
                code="max_value",
            )
        return value

    def to_json(self, value) -> Any:
        return str(value) if self.kind == DECIMAL else value


@memoize
def options() -> dict[str, Option]:
    """Every declared option by key, in page order (discovered from each app's ``options.py``)."""
    found: list[Option] = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.options")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.options":
                raise
            continue
        found.extend(getattr(module, "OPTIONS", []))
    by_key: dict[str, Option] = {}
    for option in sorted(found, key=lambda o: (o.order, o.key)):
        if option.key in by_key:
            raise ImproperlyConfigured(f"programme option {option.key!r} is declared twice")
        if option.kind not in KINDS:
            raise ImproperlyConfigured(f"programme option {option.key!r} has unknown kind {option.kind!r}")
        by_key[option.key] = option
    return by_key


def _stored() -> dict[str, Any]:
    stored = cache.get(CACHE_KEY)
    if stored is None:
        from qiqing.models import ProgrammeSetting

        stored = dict(ProgrammeSetting.objects.values_list("key", "value"))
        cache.set(CACHE_KEY, stored, CACHE_SECONDS)
    return stored


def value(key: str) -> Any:
    """The current value of option ``key`` (its default until an admin sets it)."""
    option = options()[key]
    stored = _stored()
    if key not in stored:
        return option.default
    try:
        return option.parse(stored[key])
    except ValidationError:
        # A value stored under an older rule (a narrowed range): the default until re-set.
        return option.default


def current() -> dict[str, Any]:
    """Every option's current value."""
    return {key: value(key) for key in options()}


def forget() -> None:
    cache.delete(CACHE_KEY)


@transaction.atomic
def settings_update(*, actor, values: dict[str, Any]) -> list[str]:
    """Set several options at once (all or nothing); returns the keys that changed.

    ``values`` maps option keys to raw values (form strings or typed); an unknown key or a value
    outside its option's rule raises ValidationError naming every bad option, nothing written.
    """
    from qiqing.models import ProgrammeSetting, ProgrammeSettingChange

    declared = options()
    errors: dict[str, list[str]] = {}
    parsed: dict[str, Any] = {}
    for key, raw in values.items():
        if key not in declared:
            errors[key] = [_("没有名为“%(key)s”的设置项。") % {"key": key}]
            continue
        try:
            parsed[key] = declared[key].parse(raw)
        except ValidationError as exc:
            errors[key] = exc.messages
    if errors:
        raise ValidationError(errors)
    changed = []
    existing = {row.key: row for row in ProgrammeSetting.objects.select_for_update().filter(key__in=parsed)}
    for key, new in parsed.items():
        option = declared[key]
        old = option.parse(existing[key].value) if key in existing else option.default
        if old == new:
            continue
        row = existing.get(key) or ProgrammeSetting(key=key)
        row.value = option.to_json(new)
        row.updated_by = actor
        row.save()
        ProgrammeSettingChange.objects.create(
            key=key, before=option.to_json(old), after=option.to_json(new), actor=actor
        )
        changed.append(key)
    if changed:
        transaction.on_commit(forget)
        forget()
    return changed
