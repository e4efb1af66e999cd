"""Login lockouts (django-axes) with a limit of their own for a username and for an address.

Axes locks the username *and* address combination after AXES_FAILURE_LIMIT failures (its
AXES_LOCKOUT_PARAMETERS), so someone typing a colleague's name from their own desk locks only
themselves. Axes compares every parameter with the one limit; this handler adds the wider locks it
cannot express: a username from every address after LOGIN_USERNAME_FAILURE_LIMIT failures (a guess
spread over many machines), and an address for every username after LOGIN_IP_FAILURE_LIMIT (one
machine trying many names). All three count failures within AXES_COOLOFF_TIME, as axes does.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum


class LockoutHandler(AxesDatabaseHandler):
    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self._over_wider_limit(request, credentials)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if self._over_wider_limit(request, credentials):
            # The failure that reaches a wider limit is answered with the lockout page, like axes' own.
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )

    def _over_wider_limit(self, request, credentials) -> bool:
        if not settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        for field, value, limit in (
            ("username", get_client_username(request, credentials), settings.LOGIN_USERNAME_FAILURE_LIMIT),
            ("ip_address", getattr(request, "axes_ip_address", None), settings.LOGIN_IP_FAILURE_LIMIT),
        ):
            if value is None or not limit:
                continue
            failures = recent.filter(**{field: value}).aggregate(n=Sum("failures_since_start"))["n"] or 0
            if failures >= limit:
                return True
        return False
