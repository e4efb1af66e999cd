"""Where a form sends the browser back to: `?next=` or a posted `next`, only ever on this site."""

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def is_same_site_path(target: str | None) -> bool:
    """A path on this site (`/enkater/?kind=kund`): no scheme, no host, no `//` or `\\` tricks."""
    if not target or not target.startswith("/"):
        return False
    return url_has_allowed_host_and_scheme(target, allowed_hosts=set())


def safe_next(request) -> str | None:
    """The request's `next` (POST first, then GET) when it is a path on this site, else None."""
    target = request.POST.get("next") or request.GET.get("next")
    return target if is_same_site_path(target) else None


def next_url(request, default, *args, **kwargs) -> str:
    """Where to go after a form: the request's safe `next`, else `default`.

    `default` is what `redirect()` takes: a URL, a URL name with its arguments, or a model.
    """
    return safe_next(request) or resolve_url(default, *args, **kwargs)
