"""Project-wide middleware: login required by default, session timeouts and the audit of refusals."""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.shortcuts import resolve_url
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect
from rest_framework.views import APIView

audit = logging.getLogger("rekrytering.audit")

SESSION_STARTED = "_auth_started"
SESSION_SEEN = "_auth_seen"
# Write the last-seen time at most once a minute, so most requests do not save the session.
SEEN_RESOLUTION = 60


class SurveyLinkMiddleware:
    """Every response under the survey links' path — error pages too, whatever raised — says
    `no-referrer` and `no-store`: the link's secret token is in its URL."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(settings.SURVEY_PATH_PREFIX):
            response["Referrer-Policy"] = "no-referrer"
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
        return response


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's: every view needs a login unless marked `login_not_required`.

    Views of the REST API authenticate themselves (token or session) and answer 401/403 in JSON,
    so they are left to DRF instead of being redirected to the login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    def handle_no_permission(self, request, view_func):
        response = super().handle_no_permission(request, view_func)
        if getattr(request, "htmx", False):
            # An htmx request (e.g. after the session timed out) would swap the login page into a
            # fragment; send the whole window there instead, back to the page it came from.
            target = request.htmx.current_url_abs_path or "/"
            login = resolve_url(self.get_login_url(view_func))
            return HttpResponseClientRedirect(f"{login}?{urlencode({self.redirect_field_name: target})}")
        return response


class SessionTimeoutMiddleware:
    """Logs a user out after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS after login."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.get(SESSION_STARTED)
            seen = session.get(SESSION_SEEN, started)
            if started is None:
                session[SESSION_STARTED] = session[SESSION_SEEN] = now
            elif now - started > settings.SESSION_MAX_HOURS * 3600:
                self._end(
                    request, "absolute", "Du har varit inloggad länge och har loggats ut. Logga in igen."
                )
            elif now - seen > settings.SESSION_IDLE_MINUTES * 60:
                self._end(request, "idle", "Du har loggats ut efter en tids inaktivitet. Logga in igen.")
            elif now - seen > SEEN_RESOLUTION:
                session[SESSION_SEEN] = now
        return self.get_response(request)

    @staticmethod
    def _end(request, reason, message):
        audit.info("session_expired user=%s reason=%s", request.user.get_username(), reason)
        logout(request)
        messages.info(request, message)


def start_session_clock(sender, request, user, **kwargs):
    """Receiver of user_logged_in: the absolute timeout counts from here."""
    if hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED] = request.session[SESSION_SEEN] = now


class AuditMiddleware:
    """Logs every refused request (401, 403, 429) with who, what and where; never the query string."""

    REFUSED = {401, 403, 429}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in self.REFUSED:
            user = getattr(request, "user", None)
            audit.warning(
                "access_refused user=%s status=%s method=%s path=%s ip=%s",
                user.get_username() if user is not None and user.is_authenticated else "-",
                response.status_code,
                request.method,
                request.path,
                client_ip(request) or "-",
            )
        return response


def client_ip(request) -> str | None:
    """The client's address (RATELIMIT_IP_META_KEY), for the audit log and django-axes' lockouts."""
    return request.META.get(settings.RATELIMIT_IP_META_KEY) or request.META.get("REMOTE_ADDR") or None
