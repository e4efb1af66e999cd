"""Small helpers the register views share."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _


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


def apply_service_errors(form, error: ValidationError):
    """Show a service's ValidationError on the form: per field where it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        for message in error.messages:
            form.add_error(None, message)


def querystring_without(request, *names):
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""
