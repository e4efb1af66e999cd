"""Small helpers every app's views share: a service's refusal on its form, query strings."""

from django.core.exceptions import ValidationError


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
