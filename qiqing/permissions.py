"""Shared view guards: login plus role. Object scope is the models' ``visible_to(user)``."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from qiqing.access import access_for


def role_required(*roles: str):
    """Login first (anonymous → login page), then one of ``roles`` (else 403)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not access_for(request.user).has_role(*roles):
                raise PermissionDenied(_("您的角色不能访问此页面。"))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class RoleRequiredMixin(LoginRequiredMixin):
    roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.roles and not access_for(request.user).has_role(*self.roles):
            raise PermissionDenied(_("您的角色不能访问此页面。"))
        return super().dispatch(request, *args, **kwargs)


def get_visible_or_404(model_or_queryset, user, **lookup):
    """Fetch an object through its ``visible_to(user)`` scope: out of scope is a 404, never a 403."""
    queryset = getattr(model_or_queryset, "objects", model_or_queryset)
    return get_object_or_404(queryset.visible_to(user), **lookup)
