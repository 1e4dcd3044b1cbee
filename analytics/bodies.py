"""Dashboard bodies cached per scope + filters + ``data_until`` (issue 18).

The heavy part of a dashboard — its tables and charts, built from the nightly snapshots — is the
same for everyone who sees the same slice on the same day, and changes only when snapshots are
written. It is rendered once and kept in the cache under a key made of:

* the page's name and the interface language;
* the reader's scope (whole county, or the exact set of towns they supervise) — a town
  supervisor never gets the county's body, nor one of another town;
* the query string (every filter, the period, the page of a table), sorted;
* the day the figures run to (``data_until``) and today;
* the snapshot table's generation: the latest ``computed_at`` (an indexed MAX, one query), which
  every write of snapshots moves (``snapshots.write_period``), so a recompute is seen at once by
  every process — the web workers and the Celery worker that wrote the rows do not share memory
  on the embedded default, and need not share a cache.

A body has parts (the filter bar — its choices are the reader's towns and units, rendered
with the chosen values — and the tables), placed around what stays live.
Live figures (the requests overdue *now*) are never part of a cached body: the views render them
around it. Bodies built from raw rows (a filter the snapshots do not hold) are not cached.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable

from django.core.cache import cache
from django.db.models import Max
from django.utils import translation
from django.utils.safestring import mark_safe

from analytics.models import Snapshot
from qiqing.scope import town_key

TIMEOUT = 6 * 3600  # a day's key changes at midnight anyway; this bounds a renamed town's wait
IGNORED_PARAMS = ("format",)


def generation(model=Snapshot) -> str:
    """When rows of ``model`` (snapshots by default; the weekly ranking) were last written ('' while
    there are none): every write stamps ``computed_at``."""
    latest = model.objects.aggregate(latest=Max("computed_at"))["latest"]
    return latest.isoformat() if latest else ""


def _generation(request) -> str:
    """``generation()`` once per request, however many of its parts are looked up."""
    if not hasattr(request, "_qiqing_snapshot_generation"):
        request._qiqing_snapshot_generation = generation()
    return request._qiqing_snapshot_generation


def key(name: str, request, *, data_until: dt.date, today: dt.date, stamp: str | None = None) -> str:
    """``stamp`` replaces the snapshot generation for a body built from other stored rows (the
    weekly ranking's)."""
    scope = town_key(request.user)
    params = sorted(
        (param, value)
        for param, values in request.GET.lists()
        if param not in IGNORED_PARAMS
        for value in values
    )
    raw = json.dumps(
        [
            name,
            translation.get_language(),
            scope,
            params,
            str(data_until),
            str(today),
            _generation(request) if stamp is None else stamp,
        ],
        ensure_ascii=False,
    )
    return f"qiqing:body:{name}:{hashlib.sha256(raw.encode()).hexdigest()}"


def cached(cache_key: str, build: Callable[[], tuple[dict[str, str], bool]]) -> dict[str, str]:
    """The body's parts (name → HTML) under ``cache_key``, or ``build()``'s — ``(parts,
    cacheable)`` — stored when they may be (built from snapshots only)."""

    def as_text():
        parts, cacheable = build()
        return {name: str(html) for name, html in parts.items()}, cacheable

    parts = remembered(cache_key, as_text)
    # Our own rendered templates, escaped when they were rendered.
    return {name: mark_safe(html) for name, html in parts.items()}  # noqa: S308


def remembered(cache_key: str, build: Callable[[], tuple[object, bool]]):
    """A body's figures (any picklable value) under ``cache_key``, or ``build()``'s — ``(value,
    cacheable)`` — stored when they may be, as ``cached`` does for HTML."""
    found = cache.get(cache_key)
    if found is not None:
        return found
    value, cacheable = build()
    if cacheable:
        cache.set(cache_key, value, TIMEOUT)
    return value
