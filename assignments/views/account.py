"""One's own account: the API key, and resetting a forgotten password (rate-limited and audited)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_ratelimit.core import is_ratelimited

from rekrytering import audit

from .. import selectors, services


@login_required
@never_cache
def api_token(request):
    """Min API-nyckel: when it was made and expires; make a new one (shown once) or revoke it."""
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            # Shown in this response only, never again: no redirect and no caching of the page.
            new_key = services.create_api_token(user=request.user).key
        else:
            if action == "revoke" and services.revoke_api_token(user=request.user):
                messages.success(
                    request, _("API-nyckeln är återkallad. Program som använde den får inte längre svar.")
                )
            return redirect("api-token")
    return render(
        request,
        "assignments/api_token.html",
        {
            "nav": "account",
            "token": selectors.api_token_status(request.user),
            "new_key": new_key,
            "days": settings.API_TOKEN_DAYS,
        },
    )


def _posted_email(group, request) -> str:
    return request.POST.get("email", "").strip().lower()


def _reset_rate(setting):
    return lambda group, request: getattr(settings, setting)


def _reset_limited(request) -> bool:
    """PASSWORD_RESET_RATE_LIMIT per address, PASSWORD_RESET_EMAIL_RATE_LIMIT per e-mail address.

    Both counters count every post, so neither a new address nor a new e-mail resets the other.
    """
    by_address = is_ratelimited(
        request,
        group="password-reset-ip",
        key="ip",
        rate=_reset_rate("PASSWORD_RESET_RATE_LIMIT"),
        method="POST",
        increment=True,
    )
    by_email = is_ratelimited(
        request,
        group="password-reset-email",
        key=_posted_email,
        rate=_reset_rate("PASSWORD_RESET_EMAIL_RATE_LIMIT"),
        method="POST",
        increment=True,
    )
    return by_address or by_email


class PasswordResetView(auth_views.PasswordResetView):
    def post(self, request, *args, **kwargs):
        if _reset_limited(request):
            audit.log_password_reset_refused(
                reason="rate_limit", email=request.POST.get("email", ""), request=request
            )
            response = render(request, "registration/password_reset_limited.html", status=429)
            response["Retry-After"] = "3600"
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        audit.log_password_reset_requested(email=email, users=form.get_users(email), request=self.request)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        # A valid link first redirects to the same page without the token in its address.
        if not self.validlink and not isinstance(response, HttpResponseRedirect):
            audit.log_password_reset_refused(reason="invalid_link", request=self.request)
        return response

    def form_valid(self, form):
        audit.log_password_reset_done(user=form.user, request=self.request)
        return super().form_valid(form)
