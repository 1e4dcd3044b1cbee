"""Cache keys every signed-in page reads, fetched together in one round trip.

A signed-in page reads four small cache entries after its session: the user row
(``qiqing.signed_in``), the user's roles and scope and the scope generation (``qiqing.access``)
and the bell's unread count (``qiqing.notifications``). With Redis each ``cache.get`` is a round
trip; ``fetch`` reads them with one ``get_many`` when the user is loaded, and each module then
takes its entry from here instead of asking the cache again.

What was read ahead belongs to one request (a context variable that
``CachedUserAuthenticationMiddleware`` opens and closes around it) and is used once: ``take``
hands an entry out and forgets it, so a second read in the same request goes to the cache. Every
invalidation also goes through ``forget``, so a write during the request (marking notifications
read, a role change) is never answered from what was read before it. Outside a request (the
worker, a management command, a test calling a function directly) nothing is read ahead and
``take`` is a plain ``cache.get``.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache

_MISSING = object()
_ahead: ContextVar[dict | None] = ContextVar("qiqing_readahead", default=None)


@contextmanager
def request_scope():
    """Open a read-ahead for one request (the middleware's ``__call__``)."""
    token = _ahead.set({})
    try:
        yield
    finally:
        _ahead.reset(token)


def fetch(keys: Iterable[str]) -> dict:
    """Read ``keys`` in one round trip; inside a request, keep each for one ``take`` (a key the
    cache does not hold is kept as a known miss, so ``take`` does not ask again)."""
    keys = list(keys)
    found = cache.get_many(keys)
    ahead = _ahead.get()
    if ahead is not None:
        for key in keys:
            ahead[key] = found.get(key, _MISSING)
    return found


def take(key: str, default=None):
    """The entry read ahead for ``key`` (once), else ``cache.get(key, default)``."""
    ahead = _ahead.get()
    if ahead is not None:
        value = ahead.pop(key, None)
        if value is not None:
            return default if value is _MISSING else value
    return cache.get(key, default)


def forget(keys: Iterable[str]) -> None:
    """Drop ``keys`` from what this request read ahead (every invalidation calls it)."""
    ahead = _ahead.get()
    if ahead:
        for key in keys:
            ahead.pop(key, None)


def forget_all() -> None:
    ahead = _ahead.get()
    if ahead:
        ahead.clear()
