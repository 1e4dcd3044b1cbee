"""The signed-in user read from the cache instead of one query per request.

Every signed-in page starts with the user row (``SELECT … FROM auth_user WHERE id = …``). The
row changes rarely — a password, a name, ``is_active``, the last login — and each of those goes
through ``User.save()``, so the user object is kept in the cache (per user, 300 s) and dropped by
the model's ``post_save``/``post_delete`` signals, at once and again when the transaction commits.

The cached object is only ever trusted when it is exactly what Django's ``auth.get_user`` would
accept: the session names an allowed backend, the user is active and the session's hash equals
the user's current session-auth hash. Anything else (no hash, a rotated ``SECRET_KEY`` whose
fallback must be checked, a changed password) falls through to Django's own ``auth.get_user``,
which decides, flushes or cycles the session as it always does.

The user is read together with the roles and scope and the unread count (``qiqing.readahead``):
one cache round trip after the session's for the whole shell.

With Redis (``CACHE_URL``) every process sees an invalidation at once; with the embedded
default's per-process memory another process (the worker) sees it within ``CACHE_SECONDS``, as
for the cached scope in ``qiqing.access``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.core.cache import cache
from django.db import transaction
from django.db.models import signals
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from qiqing import access, notifications, readahead, refdata

CACHE_SECONDS = 300


def _key(user_id) -> str:
    return f"qiqing:user:v1:{user_id}"


def _load(request):
    session = request.session
    try:
        user_id = auth._get_user_session_key(request)
        backend_path = session[auth.BACKEND_SESSION_KEY]
    except KeyError:
        return auth.get_user(request)  # anonymous: Django's answer, no query
    session_hash = session.get(auth.HASH_SESSION_KEY)
    key = _key(user_id)
    # The user row, the roles and scope and the unread count in one round trip (``readahead``).
    # (The session holds the id as a string; the keys are the same for the string and the int.)
    # The reference tables' tokens come with them (``qiqing.refdata``).
    readahead.fetch(
        [key, *access.read_ahead_keys(user_id), notifications.unread_key(user_id), *refdata.keys()]
    )
    user = readahead.take(key)
    if (
        user is not None
        and backend_path in settings.AUTHENTICATION_BACKENDS
        and user.is_active
        and session_hash
        and constant_time_compare(session_hash, user.get_session_auth_hash())
    ):
        return user
    user = auth.get_user(request)
    if user.is_authenticated:
        cache.set(key, user, CACHE_SECONDS)
    return user


def signed_in_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = _load(request)
    return request._cached_user


class CachedUserAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's AuthenticationMiddleware with ``request.user`` read through the cache."""

    def __call__(self, request):
        with readahead.request_scope(), refdata.request_scope():
            return super().__call__(request)

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: signed_in_user(request))


def forget_user(user_id) -> None:
    if not user_id:
        return
    key = _key(user_id)
    cache.delete(key)
    readahead.forget([key])
    # A request that read the old row before this transaction commits must not keep it.
    transaction.on_commit(lambda: cache.delete(key))


def _forget(sender, instance, **kwargs):
    forget_user(instance.pk)


def connect_invalidation() -> None:
    """Signals used for cache invalidation only (``QiqingConfig.ready``)."""
    user_model = auth.get_user_model()
    signals.post_save.connect(_forget, sender=user_model, dispatch_uid="signed-in-user-save")
    signals.post_delete.connect(_forget, sender=user_model, dispatch_uid="signed-in-user-delete")
