"""Settings for Rekrytering, all from the environment (django-environ).

With nothing set the app runs on SQLite with Celery tasks run eagerly in-process, so a newcomer
needs no servers. DATABASE_URL selects PostgreSQL, REDIS_URL a real Celery broker.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY").strip()
    ALLOWED_HOSTS = [host for host in env.list("ALLOWED_HOSTS") if host]
    # Refused here, not at the first request: an empty key would make every page answer 500, and
    # '*' would accept any Host header (poisoned links in password-reset mails).
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY är tom. Produktion (DJANGO_ENV=production) startar inte utan en lång slumpmässig "
            "nyckel, t.ex. från: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS måste räkna upp sajtens värdnamn (t.ex. rekrytering.example.org); "
            "tomt eller '*' godtas inte i produktion (DJANGO_ENV=production)."
        )
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_celery_beat",
    "django_htmx",
    "csp",
    "axes",
    "django_ratelimit",
    # Only for its static files: the Tom Select library behind our type-ahead choosers (static/js/app.js).
    "django_tomselect",
    "rekrytering",
    "assignments",
    "surveys",
    "planning",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "rekrytering.middleware.SurveyLinkMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "rekrytering.middleware.SessionTimeoutMiddleware",
    "rekrytering.middleware.LoginRequiredMiddleware",
    "rekrytering.middleware.AuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rekrytering.urls"

# SITE_ROLE=public: processes that serve only the public survey pages (rekrytering/urls_public.py).
# The middleware stays the same: for a respondent, who has no session, it does next to nothing.
SITE_ROLE = env.str("SITE_ROLE", default="all")
if SITE_ROLE not in ("all", "public"):
    raise ImproperlyConfigured(f"SITE_ROLE ska vara all eller public, inte {SITE_ROLE!r}.")
if SITE_ROLE == "public":
    ROOT_URLCONF = "rekrytering.urls_public"
WSGI_APPLICATION = "rekrytering.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["rekrytering.templatetags.sv"],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
else:
    # Persistent connections: each gunicorn thread keeps its PostgreSQL connection for up to
    # DB_CONN_MAX_AGE seconds instead of opening one per request (6–13 ms each, the larger part
    # of a survey page's time). Before a kept connection serves a new request Django checks it
    # (CONN_HEALTH_CHECKS), so a restarted database or a dropped idle connection costs one
    # reconnect, not an error page. Celery workers close theirs before and after every task
    # (Celery's Django fixup), whatever this says. A SQLite file has nothing worth keeping.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # The planner's price of reading a page out of order (PostgreSQL's default 4 dates from
    # spinning disks; 1.1 is the usual figure for SSD and a database that fits in memory).
    # With 4 it hashes every survey answer of the register rather than read a period's by
    # index, a cost that grows with each year of history (tests/reporting/test_period_bounded.py).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", f"-c random_page_cost={env.float('DB_RANDOM_PAGE_COST', default=1.1)}"
    )

AUTH_USER_MODEL = "assignments.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user or IP before any password is checked (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska")]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False  # numbers are formatted explicitly (rekrytering/numbers.py)
FORMAT_MODULE_PATH = ["rekrytering.formats"]

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="rekrytering@example.org")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "tmp" / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# Celery: eager in-process without a broker, Redis with REDIS_URL.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
# No result backend: every task's state lives in the database, so Redis holds only messages.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# A publish gives up within a second when Redis is down (the caller logs it; beat resends later).
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
# Nothing is delayed in the broker (beat sweeps what the database says is due), and the visibility
# timeout is far longer than any task's time limit, so Redis never redelivers a running task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the worker logs through LOGGING and its filters
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

REST_FRAMEWORK = {
    # Token first, so an API client without valid credentials gets 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "assignments.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "assignments.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # The API speaks JSON, both ways: a form body cannot say null, an empty list or "left out",
    # so it is refused with 415; the answer is JSON whatever the Accept header asks for (no 406).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "assignments.api.negotiation.JsonRegardless",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# An API key (a user's own, made on the page "Min API-nyckel") is refused this many days after it
# was created; the user makes a new one on the same page.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=90)
SPECTACULAR_SETTINGS = {
    "TITLE": "Rekrytering API",
    "DESCRIPTION": (
        "Uppdragsregistret för SF Rekrytering: organisationer, beställare, paket, uppdrag, tid.\n\n"
        "Skicka din API-nyckel i huvudet `Authorization: Token <nyckel>`. Nyckeln skapas och återkallas "
        f"på sidan Min API-nyckel och gäller i {API_TOKEN_DAYS} dagar; en utgången nyckel ger 401."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs are for logged-in staff and API clients, not the public.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Request bodies get their own components (no read-only fields; a required text is at least
    # one character), so the schema says what a write accepts, not only what a read returns.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "assignments.api.schema.empty_query_values",
    ],
    # Swagger UI and ReDoc from the sidecar package, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    # No deep links: Swagger UI puts them as links inside the operation's button (axe:
    # nested-interactive). Our own colour fixes: templates/drf_spectacular/swagger_ui.html.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "rekrytering.logging.UTCFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "filters": {"mask_tokens": {"()": "rekrytering.logging.MaskPersonalData"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_tokens"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Every logger named here loses the handlers Django's DEFAULT_LOGGING gave it. "django" must be
    # here: with DEBUG on, its default console handler prints django.request's "Not Found:
    # /enkat/<token>/" unmasked (and mail_admins would mail it), besides the masked root line.
    "loggers": {
        "django": {"level": "INFO"},
        "django.db.backends": {"level": "INFO"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
    },
}

# --- Security (issue 6) ---------------------------------------------------------------------
# The same headers in every environment, so the tests see what production sends; only the
# HTTPS-bound switches wait for DJANGO_ENV=production.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Content-Security-Policy (django-csp 4): our own static files only; no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}

# Sessions: a new one at every login (Django's own), ended after SESSION_IDLE_MINUTES without a
# request and at the latest SESSION_MAX_HOURS after the login (rekrytering.middleware).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=10)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Failed logins (django-axes, rekrytering.lockout): after LOGIN_FAILURE_LIMIT failures a username
# is refused from that address for LOGIN_COOLOFF_MINUTES, so nobody can lock a colleague out from
# their own machine; from every address after LOGIN_USERNAME_FAILURE_LIMIT failures, and an address
# for every username after LOGIN_IP_FAILURE_LIMIT (0 turns either off). A successful login resets
# that username's count from that address.
AXES_HANDLER = "rekrytering.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_USERNAME_FAILURE_LIMIT = env.int("LOGIN_USERNAME_FAILURE_LIMIT", default=20)
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Tries while locked out are not counted: one machine adds at most LOGIN_FAILURE_LIMIT failures to a
# username's count per cool-off, so it alone never reaches the username's wider limit.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_VERBOSE = False  # our audit log says who and when, without axes' extra lines
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The client's address for lockouts, like the rate limits and the audit log: RATELIMIT_IP_META_KEY.
AXES_CLIENT_IP_CALLABLE = "rekrytering.middleware.client_ip"

# A cache shared by all processes (Redis in production) holds the survey pages' rate limits.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
RATELIMIT_FAIL_OPEN = True  # a cache outage must not stop people answering surveys
# Where the client's address is: REMOTE_ADDR, or behind the proxy a header it sets to that one
# address (e.g. HTTP_X_REAL_IP). Used by the rate limits, the login lockouts and the audit log.
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="REMOTE_ADDR")
SURVEY_RATE_LIMIT = env.str("SURVEY_RATE_LIMIT", default="60/m")
# Requests for a password-reset mail: per client address, and per e-mail address asked for.
PASSWORD_RESET_RATE_LIMIT = env.str("PASSWORD_RESET_RATE_LIMIT", default="10/h")
PASSWORD_RESET_EMAIL_RATE_LIMIT = env.str("PASSWORD_RESET_EMAIL_RATE_LIMIT", default="3/h")
# django-ratelimit does not know Django's own RedisCache (W001), which increments atomically. Local
# memory is fine for one process; production needs a shared cache (CACHE_URL), or E003 stops it.
SILENCED_SYSTEM_CHECKS = (
    ["django_ratelimit.W001"] if PRODUCTION else ["django_ratelimit.W001", "django_ratelimit.E003"]
)

# Optional single sign-on with the city's OpenID Connect provider, only from the environment.
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if OIDC_ENABLED:
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("rekrytering.oidc.RoleMappingBackend")
    OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
    OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
    OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
    LOGIN_REDIRECT_URL_FAILURE = "login"
# The provider's groups claim, and which group gives which role ("admin=RK-Admin,chef=RK-Chef,...").
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_ROLE_GROUPS = env.dict("OIDC_ROLE_GROUPS", default={})

# Surveys: links, reminders and the match survey (issue 3).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SURVEY_PATH_PREFIX = "/enkat/"  # the survey links' path (surveys/urls.py), token after it
SURVEY_LINK_DAYS = env.int("SURVEY_LINK_DAYS", default=30)
SURVEY_REMINDER_DAYS = [int(d) for d in env.list("SURVEY_REMINDER_DAYS", default=["7", "14"])]
SURVEY_MATCH_MONTHS = env.int("SURVEY_MATCH_MONTHS", default=6)
SURVEY_FOLLOW_UP_DAYS = env.int("SURVEY_FOLLOW_UP_DAYS", default=14)
SURVEY_SEND_MAX_TRIES = env.int("SURVEY_SEND_MAX_TRIES", default=5)
SURVEY_RETRY_BASE_SECONDS = env.float("SURVEY_RETRY_BASE_SECONDS", default=15.0)
SURVEY_RETRY_MAX_SECONDS = env.float("SURVEY_RETRY_MAX_SECONDS", default=600.0)
SURVEY_MIN_GROUP = 5  # candidate results of smaller groups are hidden below department level
SURVEY_SWEEP_SECONDS = env.float("SURVEY_SWEEP_SECONDS", default=60.0)

# The plan's tertial follow-up (issue 14): each responsible is e-mailed what is still missing for
# them this many days before the tertial's deadline and this many days after it, once per occasion,
# not before PLAN_REMINDER_HOUR o'clock (Stockholm); beat looks every PLAN_REMINDER_SWEEP_SECONDS.
PLAN_REMINDER_DAYS_BEFORE = [int(d) for d in env.list("PLAN_REMINDER_DAYS_BEFORE", default=["5"])]
PLAN_REMINDER_DAYS_AFTER = [int(d) for d in env.list("PLAN_REMINDER_DAYS_AFTER", default=["3"])]
PLAN_REMINDER_HOUR = env.int("PLAN_REMINDER_HOUR", default=7)
PLAN_REMINDER_SWEEP_SECONDS = env.float("PLAN_REMINDER_SWEEP_SECONDS", default=30 * 60.0)

CELERY_BEAT_SCHEDULE = {
    "send-due-invitations": {"task": "surveys.tasks.send_due_invitations", "schedule": SURVEY_SWEEP_SECONDS},
    "send-due-reminders": {"task": "surveys.tasks.send_due_reminders", "schedule": 15 * 60.0},
    "expire-invitations": {"task": "surveys.tasks.expire_invitations", "schedule": 60 * 60.0},
    "resume-pending-imports": {"task": "assignments.tasks.resume_pending_imports", "schedule": 5 * 60.0},
    "resume-pending-plan-imports": {
        "task": "planning.tasks.resume_pending_plan_imports",
        "schedule": 5 * 60.0,
    },
    "resume-pending-reports": {"task": "reporting.tasks.resume_pending_reports", "schedule": 5 * 60.0},
    "send-due-plan-reminders": {
        "task": "planning.tasks.send_due_plan_reminders",
        "schedule": PLAN_REMINDER_SWEEP_SECONDS,
    },
    "purge-personal-data": {
        "task": "assignments.tasks.purge_personal_data",
        "schedule": crontab(hour=2, minute=15),
    },
    "clear-expired-sessions": {
        "task": "assignments.tasks.clear_expired_sessions",
        "schedule": crontab(hour=2, minute=45),
    },
}

# Retention of personal data (issue 6), run nightly by assignments.tasks.purge_personal_data:
# ordering managers and hired-candidate fields are anonymised on assignments closed this many years
# ago; candidates' contact data on invitations goes when the survey is answered or expires, and at
# the latest this many days after it was sent.
RETENTION_ASSIGNMENT_YEARS = env.int("RETENTION_ASSIGNMENT_YEARS", default=3)
RETENTION_CANDIDATE_DAYS = env.int("RETENTION_CANDIDATE_DAYS", default=60)
RETENTION_IMPORT_JOB_DAYS = env.int("RETENTION_IMPORT_JOB_DAYS", default=90)
RETENTION_AUDIT_DAYS = env.int("RETENTION_AUDIT_DAYS", default=365)

# Uploads (issue 11): every upload that is parsed as a spreadsheet (the assignment, plan and
# survey-response imports) is refused before parsing when it is larger than UPLOAD_MAX_MB, when a
# .xlsx unpacks to more than UPLOAD_MAX_UNPACKED_MB or a part of it to more than
# UPLOAD_MAX_COMPRESSION_RATIO times its packed size, or when a sheet declares or uses a row beyond
# UPLOAD_MAX_ROWS or a column beyond UPLOAD_MAX_COLUMNS (a CSV file: its lines). A year is about
# 1 000 assignments (about 1 MB unpacked, 19 columns), a plan a few hundred rows.
UPLOAD_MAX_MB = env.int("UPLOAD_MAX_MB", default=10)
UPLOAD_MAX_UNPACKED_MB = env.int("UPLOAD_MAX_UNPACKED_MB", default=100)
UPLOAD_MAX_COMPRESSION_RATIO = env.int("UPLOAD_MAX_COMPRESSION_RATIO", default=100)
UPLOAD_MAX_ROWS = env.int("UPLOAD_MAX_ROWS", default=50_000)
UPLOAD_MAX_COLUMNS = env.int("UPLOAD_MAX_COLUMNS", default=100)

# Reporting (issue 5): the share of a year's revenue that historically lands in December, used by
# the forecast while December is still ahead.
REPORTING_DECEMBER_SHARE = env.float("REPORTING_DECEMBER_SHARE", default=0.22)
