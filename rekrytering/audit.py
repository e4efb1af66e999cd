"""The audit trail of logins: who, what and when (UTC, by the log formatter), never a password.

Refused requests are logged by rekrytering.middleware.AuditMiddleware; exports of personal data
by `log_export`; changes that steer whom survey results count for (responsibility, survey
recipients) by `log_change`; password resets (asked for, refused, done) and API keys (created,
revoked) by the functions below. Everything goes to the logger `rekrytering.audit`.
"""

import logging

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.sessions.models import Session
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from rekrytering.logging import mask
from rekrytering.middleware import client_ip, start_session_clock

audit = logging.getLogger("rekrytering.audit")


def _ip(request) -> str:
    return (client_ip(request) if request is not None else None) or "-"


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs):
    start_session_clock(sender, request, user)
    audit.info("login user=%s ip=%s", user.get_username(), _ip(request))


@receiver(user_logged_out)
def log_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.info("logout user=%s ip=%s", user.get_username(), _ip(request))


@receiver(user_login_failed)
def log_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in `credentials`; only the username is logged, cut
    # short so a pasted password or e-mail address cannot fill the line.
    username = str(credentials.get("username", ""))[:40]
    audit.warning("login_failed username=%s ip=%s", username, _ip(request))


def log_export(*, user, what: str, rows: int | None = None, request=None) -> None:
    """Record that someone exported personal data: who, what, how many rows (the time is the line's)."""
    audit.info(
        "export user=%s what=%s rows=%s ip=%s",
        user.get_username() if user is not None else "-",
        what,
        "-" if rows is None else rows,
        _ip(request),
    )


def _field(value) -> str:
    """One value of an audit line: on one line, masked as the log filter masks, quoted when it has spaces."""
    text = mask(" ".join(str(value).split()))
    if not text:
        return "-"
    if any(c in text for c in ' "='):
        return '"' + text.replace('"', "'") + '"'
    return text


def log_change(*, user, action: str, **details) -> None:
    """Record a change: who, the action, then each detail as key=value (which object, the reason, ...).

    The values are masked here too, so the line holds no e-mail address whichever handler writes it.
    """
    fields = "".join(f" {key}={_field(value)}" for key, value in details.items())
    audit.info("%s user=%s%s", action, _field(user.get_username()) if user is not None else "-", fields)


def end_sessions_of(user) -> int:
    """Delete every session of a user (database sessions are decoded one by one: a few hundred)."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def end_sessions_of_deactivated(sender, instance, created, update_fields=None, **kwargs):
    if created or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    ended = end_sessions_of(instance)
    if ended:
        audit.info("sessions_ended user=%s count=%s reason=deactivated", instance.get_username(), ended)


def masked_email(address: str) -> str:
    """`k***@example.org`: enough to tell requests apart, not the address itself."""
    local, at, domain = str(address).strip()[:254].rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def log_password_reset_requested(*, email: str, users, request=None) -> None:
    """A reset was asked for: the masked address and whose account it matched (`-` for none)."""
    usernames = ",".join(sorted(user.get_username() for user in users)) or "-"
    audit.info(
        "password_reset_requested email=%s user=%s ip=%s", masked_email(email), usernames, _ip(request)
    )


def log_password_reset_refused(*, reason: str, email: str = "", request=None) -> None:
    """A reset refused: `rate_limit` (too many requests) or `invalid_link` (wrong or used link)."""
    audit.warning(
        "password_reset_refused reason=%s email=%s ip=%s",
        reason,
        masked_email(email) if email else "-",
        _ip(request),
    )


def log_password_reset_done(*, user, request=None) -> None:
    audit.info("password_reset_done user=%s ip=%s", user.get_username(), _ip(request))


def log_api_token(action: str, *, user, replaced: bool = False, expires=None) -> None:
    """An API key `created` (replacing an old one or not, with its expiry) or `revoked`; never the key."""
    extra = ""
    if action == "created":
        extra = f" replaced={'yes' if replaced else 'no'} expires={timezone.localdate(expires):%Y-%m-%d}"
    audit.info("api_token_%s user=%s%s", action, user.get_username(), extra)
