"""The project's own hygiene runs in the test command: lint, format, migrations, settings."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    return subprocess.run(  # noqa: S603 - fixed arguments
        [ruff, *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_lint_is_clean():
    result = _ruff("check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    result = _ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean():
    """mypy with django-stubs, as configured in pyproject.toml (strict for the text core,
    ``drafting/text``), reports no error; its cache (.mypy_cache) makes a rerun quick."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_migrations_are_committed():
    """makemigrations --check: the models and the committed migrations agree."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def _settings_in_subprocess(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    clean.update(env)
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "bms7.settings"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    """The WSGI server will not start without SECRET_KEY; tooling still runs."""
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "-c", "import bms7.wsgi"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    tooling = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tooling.returncode == 0, tooling.stderr


def test_debug_is_off_unless_asked_for():
    result = _settings_in_subprocess({"SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    result = _settings_in_subprocess({"DEBUG": "1"})
    assert result.stdout.strip() == "True"


PRODUCTION_ENV = {
    "SECRET_KEY": "p" * 20 + "-production-like-secret-key-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "drafting.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}
TEST_ONLY_OVERRIDES = {"SECURE_SSL_REDIRECT", "SECURE_COOKIES", "STATIC_MANIFEST", "OTP_REQUIRED"}
# Set by tests/e2e/conftest.py for the live server's thread; production never has it.
TEST_ONLY_OVERRIDES |= {"DJANGO_ALLOW_ASYNC_UNSAFE"}


def _production_subprocess(
    args: list[str], extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", *TEST_ONLY_OVERRIDES}
    }
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, *args],
        cwd=ROOT,
        env={**env, **PRODUCTION_ENV, **(extra or {}), "DJANGO_SETTINGS_MODULE": "bms7.settings"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_deploy_check_is_clean_with_production_settings():
    """`manage.py check --deploy` passes with no warning at all in production settings."""
    result = _production_subprocess(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


HEADERS_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
response = Client().get("/accounts/login/", secure=True, headers={"host": "drafting.example.org"})
plain = Client().get("/accounts/login/", headers={"host": "drafting.example.org"})
cookie = response.cookies[settings.CSRF_COOKIE_NAME]
print(json.dumps({
    "status": response.status_code,
    "headers": dict(response.headers),
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "csrf_cookie": settings.CSRF_COOKIE_NAME,
    "csrf_secure": bool(cookie["secure"]),
    "session_cookie": settings.SESSION_COOKIE_NAME,
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "otp_required": settings.OTP_REQUIRED,
}))
"""


def test_production_responses_carry_the_security_headers():
    """HSTS, a strict CSP without inline script, no framing, a referrer policy, __Host- secure
    cookies, and plain HTTP sent to HTTPS; the second factor is required."""
    import json

    # The hashed-name manifest is made by collectstatic at deploy time; not needed here.
    result = _production_subprocess(["-c", HEADERS_PROBE], {"STATIC_MANIFEST": "0"})
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["status"] == 200
    headers = {key.lower(): value for key, value in probe["headers"].items()}
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    csp = headers["content-security-policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-content-type-options"] == "nosniff"
    assert probe["plain_status"] == 301
    assert probe["plain_location"].startswith("https://")
    assert probe["csrf_cookie"] == "__Host-csrftoken" and probe["csrf_secure"]
    assert probe["session_cookie"] == "__Host-sessionid"
    assert probe["session_secure"] and probe["session_httponly"]
    assert probe["otp_required"] is True
