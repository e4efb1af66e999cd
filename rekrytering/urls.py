from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from assignments.views import account
from reporting.api import LeadTimesView, SummaryView

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, extra_context={"oidc_enabled": settings.OIDC_ENABLED}
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Django's own, rate-limited and audited; the other password pages come from auth.urls below.
    path(
        "accounts/password_reset/",
        login_not_required(account.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        login_not_required(account.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("django-admin/", admin.site.urls),
    path("api/v1/reports/summary/", SummaryView.as_view(), name="api-report-summary"),
    path("api/v1/reports/lead-times/", LeadTimesView.as_view(), name="api-lead-times"),
    path("api/v1/", include("assignments.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI sets inline styles from its own script: the one page whose policy allows them.
    path(
        "api/docs/",
        login_required(
            csp_update({"style-src": [UNSAFE_INLINE]})(
                SpectacularSwaggerSplitView.as_view(url_name="api-schema")
            )
        ),
        name="api-docs",
    ),
    path("", include("surveys.urls")),
    path("", include("planning.urls")),
    path("", include("reporting.urls")),
    path("", include("assignments.urls")),
]

if settings.OIDC_ENABLED:
    from mozilla_django_oidc import views as oidc_views

    urlpatterns.insert(
        0,
        path(
            "oidc/",
            include(
                [
                    path(
                        "callback/",
                        login_not_required(oidc_views.OIDCAuthenticationCallbackView.as_view()),
                        name="oidc_authentication_callback",
                    ),
                    path(
                        "authenticate/",
                        login_not_required(oidc_views.OIDCAuthenticationRequestView.as_view()),
                        name="oidc_authentication_init",
                    ),
                ]
            ),
        ),
    )
