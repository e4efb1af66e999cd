"""Who reaches which page: the role checks every app's views and API share.

The roles live on the user (`is_admin`, `is_head`, `edits_all_assignments`); what a role may do
with one assignment is the register's own rule (`assignments.permissions`).
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from rest_framework import permissions


def admin_required(view):
    """Logged in and admin; others get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_admin:
            raise PermissionDenied(_("Bara administratörer når den här sidan."))
        return view(request, *args, **kwargs)

    return wrapper


def head_required(view):
    """Logged in as chef or admin; others get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_head:
            raise PermissionDenied(_("Bara chefer och administratörer når den här sidan."))
        return view(request, *args, **kwargs)

    return wrapper


def is_admin(user) -> bool:
    return user.is_authenticated and user.is_admin


class IsAdminOrReadOnly(permissions.BasePermission):
    """Read for everyone logged in; write for admins (price lists, organisations, ...)."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        return request.method in permissions.SAFE_METHODS or request.user.is_admin
