"""Small reference tables kept in each process: towns, units, categories, the dispatch catalogue.

A desk page at province scale read the same handful of rows on every request — the catalogue and
its assisting units (two queries), the categories, towns and units of its filter and batch forms
(a server-side cursor each on PostgreSQL), and joined towns, categories and units into its rows
(a join each: the triage rows' eight-table join took 2.5 ms to plan, 0.3 ms with one). These
tables are small and change a few times a year, so each is read whole once per process and kept.

Each table has a token in the shared cache (``qiqing:ref:v1:<name>``); a process keeps the rows it
loaded together with the token it saw and loads again when the token differs. Every save, delete
and many-to-many change of a model the table is drawn from writes a new token — at once and again
when the transaction commits, so a process that read the rows before the commit loads them again.
The tokens are read ahead with the signed-in user (``qiqing.readahead``: no extra round trip) and
read once per request.

What may not be kept:
- Rows loaded inside a transaction that has itself changed the table: if it rolls back (no hook
  tells us), they would name rows that never existed. Those loads are used for the request and
  not kept; the next load after the transaction ends is kept.
- A write that sends no signal (``QuerySet.update``, raw SQL) is not seen until the token
  expires: ``TOKEN_SECONDS``, as for a write in another process on the embedded default's
  per-process memory (with Redis, ``CACHE_URL``, every process sees a token at once).

The rows are shared by every request of the process: treat them as read-only.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import signals
from django.forms.models import ModelChoiceIterator

from qiqing import readahead

TOKEN_SECONDS = 300
_TABLES: dict[str, Table] = {}
# Tokens already read in this request (a dict per request; None outside one).
_seen: ContextVar[dict | None] = ContextVar("qiqing_refdata_seen", default=None)
# Tables this thread's open transaction has changed (their loads are not kept until it ends).
_dirty = threading.local()


class Table:
    """One reference table: ``load()`` builds what is kept (a list or a dict of model objects);
    ``models`` are every model whose rows it shows (a many-to-many's through model included)."""

    def __init__(self, name: str, load: Callable[[], object], models: Callable[[], Iterable[type]]):
        if name in _TABLES:
            raise ValueError(f"reference table {name!r} is declared twice")
        self.name = name
        self.key = f"qiqing:ref:v1:{name}"
        self._load = load
        self._models = models
        self._kept: tuple[str, object] | None = None
        _TABLES[name] = self

    def get(self):
        """The table's rows: kept ones while the token is unchanged, else loaded (and kept)."""
        token = _token(self)
        kept = self._kept
        if kept is not None and kept[0] == token:
            return kept[1]
        value = self._load()
        if self.name not in _dirty_names():
            self._kept = (token, value)
        return value

    def changed(self, **kwargs) -> None:
        """A model the table is drawn from was written: a new token now and after the commit."""
        self._kept = None
        _new_token(self)
        if connection.in_atomic_block:
            _dirty_names().add(self.name)
        transaction.on_commit(self._committed)

    def _committed(self) -> None:
        _dirty_names().discard(self.name)
        self._kept = None
        _new_token(self)

    def watch(self) -> None:
        """Connect the table's invalidation (from an AppConfig's ``ready``)."""
        for model in self._models():
            uid = f"refdata-{self.name}-{model._meta.label_lower}"
            for signal in (signals.post_save, signals.post_delete, signals.m2m_changed):
                signal.connect(self._on_signal, sender=model, dispatch_uid=f"{uid}-{id(signal)}", weak=False)

    def _on_signal(self, sender, **kwargs) -> None:
        action = kwargs.get("action")
        if action is not None and not action.startswith("post_"):
            return  # m2m_changed: once, after the change
        self.changed()


def _dirty_names() -> set:
    names = getattr(_dirty, "names", None)
    if names is None:
        names = _dirty.names = set()
    elif names and not connection.in_atomic_block:
        names.clear()  # the transaction that changed them has ended (committed or rolled back)
    return names


def _token(table: Table) -> str:
    seen = _seen.get()
    if seen is not None and table.key in seen:
        return seen[table.key]
    token = readahead.take(table.key)
    if token is None:
        cache.add(table.key, uuid.uuid4().hex, TOKEN_SECONDS)
        token = cache.get(table.key) or ""
    if seen is not None:
        seen[table.key] = token
    return token


def _new_token(table: Table) -> None:
    token = uuid.uuid4().hex
    cache.set(table.key, token, TOKEN_SECONDS)
    readahead.forget([table.key])
    seen = _seen.get()
    if seen is not None:
        seen[table.key] = token


def request_scope():
    """Tokens read once per request (``CachedUserAuthenticationMiddleware`` opens it)."""
    return _Scope()


class _Scope:
    def __enter__(self):
        self._reset = _seen.set({})

    def __exit__(self, *exc):
        _seen.reset(self._reset)


def keys() -> list[str]:
    """Every table's token key, read ahead with the signed-in user."""
    return [table.key for table in _TABLES.values()]


def clear() -> None:
    """Forget every kept table (tests: the cache is emptied between tests)."""
    for table in _TABLES.values():
        table._kept = None
    _dirty_names().clear()


class RowsChoiceIterator(ModelChoiceIterator):
    """A model choice field's options drawn from rows in memory instead of a query (``rows``: a
    callable, called when the options are drawn — a form only validated never calls it)."""

    def __init__(self, field, rows: Callable[[], list]):
        super().__init__(field)
        self._rows = rows

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self._rows():
            yield self.choice(obj)

    def __len__(self):
        return len(self._rows()) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self._rows())


def draw_choices(field, rows: Callable[[], list]) -> None:
    """Let a ``ModelChoiceField`` draw its options from ``rows()`` (the objects its queryset
    would give, in its order). Validating a submitted value still asks the field's queryset."""
    field.iterator = lambda f: RowsChoiceIterator(f, rows)
    field.widget.choices = field.choices
