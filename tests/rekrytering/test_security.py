"""Deployment settings: `check --deploy` passes in production, the headers, and no inline code."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "rekrytering.example.org",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}


def manage(*args, env=None, input_code=None):
    """Run manage.py in a fresh process, so settings are read from this environment alone."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ENV", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    clean.update(env or {})
    command = [sys.executable, "manage.py", *args]
    return subprocess.run(command, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_a_shared_cache():
    """The survey rate limit needs a cache all processes share; production refuses local memory."""
    env = {**PRODUCTION_ENV, "CACHE_URL": "locmemcache://"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "django_ratelimit" in result.stderr + result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SECRET_KEY", "", "SECRET_KEY är tom"),
        ("SECRET_KEY", "   ", "SECRET_KEY är tom"),
        ("ALLOWED_HOSTS", "*", "tomt eller '*' godtas inte"),
        ("ALLOWED_HOSTS", "rekrytering.example.org,*", "tomt eller '*' godtas inte"),
        ("ALLOWED_HOSTS", "", "tomt eller '*' godtas inte"),
    ],
)
def test_production_refuses_to_start_with(name, value, message):
    """An empty key would answer 500 on every page, '*' any Host header: refused before serving."""
    result = manage("check", env={**PRODUCTION_ENV, name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_production_headers():
    code = (
        "from django.test import Client;"
        "r = Client().get('/api/v1/organisations/', secure=True,"
        " headers={'host': 'rekrytering.example.org'});"
        "print(r.status_code);"
        "[print(f'{k}: {v}') for k, v in r.headers.items()];"
        "from django.conf import settings as s;"
        "print('COOKIES', s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_NAME, s.CSRF_COOKIE_SECURE)"
    )
    result = manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.splitlines()[0] == "401"
    hsts = re.search(r"Strict-Transport-Security: max-age=(\d+)(.*)", out)
    assert hsts and int(hsts.group(1)) >= 365 * 24 * 3600 and "includeSubDomains" in hsts.group(2)
    assert "X-Content-Type-Options: nosniff" in out
    assert "Referrer-Policy: same-origin" in out
    assert "X-Frame-Options: DENY" in out
    csp = re.search(r"Content-Security-Policy: (.*)", out).group(1)
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "COOKIES __Host-sessionid True __Host-csrftoken True" in out


def test_production_redirects_plain_http_to_https():
    code = (
        "from django.test import Client;"
        "r = Client().get('/accounts/login/', headers={'host': 'rekrytering.example.org'});"
        "print(r.status_code, r['Location'])"
    )
    result = manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)
    assert result.stdout.strip() == "301 https://rekrytering.example.org/accounts/login/", result.stderr


def test_demo_data_is_never_loaded_in_production():
    result = manage("load_demo", env={**PRODUCTION_ENV, "DATABASE_URL": "sqlite:///:memory:"})
    assert result.returncode != 0
    assert "aldrig i produktion" in result.stderr


def test_every_response_carries_the_policy(client, db):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "style-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"


def test_api_docs_are_the_one_page_with_inline_styles(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    assert "style-src 'self' 'unsafe-inline'" in response["Content-Security-Policy"]
    assert "script-src 'self';" in response["Content-Security-Policy"] + ";"
    assert "<script>" not in response.content.decode()  # the split view serves its script as a file


TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event-handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_templates_hold_no_inline_script_or_style():
    found = []
    for directory in TEMPLATE_DIRS:
        for path in directory.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            for pattern, what in INLINE:
                for match in pattern.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert found == []


def test_password_validators_refuse_weak_passwords(db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    assert len(settings.AUTH_PASSWORD_VALIDATORS) == 4
    with pytest.raises(ValidationError):
        validate_password("12345678")
    with pytest.raises(ValidationError):
        validate_password("lösen")
    validate_password("Korrekt-häst-batteri-häftklammer")
