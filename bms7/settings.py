"""Settings for the drafting app, read from the environment.

Safe defaults: DEBUG is off unless DEBUG=1; without DEBUG a SECRET_KEY must be given;
without DATABASE_URL a SQLite file in the working directory is used (zero-setup demo).
PostgreSQL (DATABASE_URL=postgres://...) is the database of record and the one tests use.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_flag("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
# Without a SECRET_KEY, tooling (makemigrations, check, shell) still runs on a throwaway
# random key; the servers refuse to start (bms7/wsgi.py, bms7/asgi.py: require_secrets).
SECRET_KEY_MISSING = not SECRET_KEY and not DEBUG
if not SECRET_KEY:
    # Development fallback when DEBUG is on; otherwise a random key that signs nothing lasting.
    SECRET_KEY = (
        "dev-only-insecure-key-do-not-use-in-production" if DEBUG else get_random_secret_key()
    )


def require_secrets() -> None:
    """Called by the WSGI/ASGI entry points: production refuses to start without secrets."""
    if SECRET_KEY_MISSING:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (set DEBUG=1 for local development)."
        )


ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "simple_history",
    "drafting",
]

MIDDLEWARE = [
    # First: every request gets an id, shown on error pages and written in every log line.
    "drafting.web.request_log.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A body or an address too large answers 413/414 before anything is read or loaded.
    "drafting.web.bounds.InputBoundsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A lost database connection answers 503 with the user's input, not a 500.
    "drafting.web.outage.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's AuthenticationMiddleware, the user read at once (not a lazy object).
    "drafting.access.signed_in.SignedInUserMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "drafting.access.audit.AuditContextMiddleware",
    # Each request starts in the default zone; a meeting's pages switch to the meeting's.
    "drafting.web.time_zones.MeetingTimeZoneMiddleware",
    "drafting.web.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bms7.urls"

# The largest form (a 20,000-character cover letter, 9 bytes a character once encoded in the
# widest scripts) is under 200 KB; anything larger is refused with 413 before it is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(256 * 1024)))

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
                "django.template.context_processors.csp",
                "drafting.web.context_processors.navigation",
                "drafting.web.context_processors.enums",
            ],
        },
    },
    {
        # One template, the pages' hot loops (drafting/render/rendering.py says why); nothing else.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "drafting.render.rendering.environment"},
    },
]

WSGI_APPLICATION = "bms7.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{Path.cwd() / 'bms7.sqlite3'}",
        # runserver serves each request on a new thread: a persistent connection per thread
        # is never reused and never closed (100 of them exhausted PostgreSQL), so none there.
        conn_max_age=0 if "runserver" in sys.argv else int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # First: refuses further attempts once an account is locked out (django-axes).
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the delegation with the user (one query, not three).
    "drafting.access.backends.DelegationModelBackend",
]

# Failed sign-ins (and wrong current passwords on the change-password form): after 5 wrong
# passwords for one username from one address, that pair is locked out for 15 minutes (HTTP
# 429 and a page saying so); after 10 for one username from anywhere, that username; after 20
# from one address whatever the usernames (password spraying), that address. Each limit is
# its parameter's (drafting.access.throttle.SignInFailureHandler). Every attempt is in the
# audit log.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
SIGN_IN_FAILURES_PER_ACCOUNT = int(os.environ.get("SIGN_IN_FAILURES_PER_ACCOUNT", "10"))
SIGN_IN_FAILURES_PER_ADDRESS = int(os.environ.get("SIGN_IN_FAILURES_PER_ADDRESS", "20"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_HANDLER = "drafting.access.throttle.SignInFailureHandler"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "drafting.access.audit.sign_in_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = 1 if env_flag("BEHIND_TLS_PROXY") else None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if env_flag("BEHIND_TLS_PROXY") else ["REMOTE_ADDR"]
)
AXES_VERBOSE = False

# A second factor (time-based one-time passwords, django-otp) is required of the chair's
# office and the secretariat, who change the record; delegates may turn it on.
# OTP_REQUIRED=0 turns the requirement off (the local demo does, with DEBUG on).
OTP_REQUIRED = env_flag("OTP_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = "BMS7 drafting"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing"  # one meeting: its desk; else the meetings list
LOGOUT_REDIRECT_URL = "home"

# UN meetings in New York run on New York time; datetimes are stored aware, in UTC.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_flag("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Security headers. No inline script anywhere: htmx is configured through a meta tag.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
# Sessions end after a negotiating day, or when the browser closes, whichever comes first.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(60 * 60 * 12)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env_flag("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if SESSION_COOKIE_SECURE:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
BEHIND_TLS_PROXY = env_flag("BEHIND_TLS_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The cache framework's store: rendered pages, compilation blocks and page outlines, keyed by
# what they show (drafting.render.page_cache), and the write counts of drafting.access.throttle.
# Production sets REDIS_URL (Django's RedisCache; the `redis` package): one cache shared by
# every worker and machine, warm across deploys. Bound it in bytes in Redis itself, with
#     maxmemory 1gb            (a benchmark run at scale 1 leaves ≈ 8 MB: README, "Cache")
#     maxmemory-policy allkeys-lru
# (redis.conf or `redis-cli config set`): every entry here may be evicted and made again, so
# Redis never refuses a write (a write count evicted under pressure starts again from 0).
# CACHE_KEY_PREFIX separates deployments sharing one Redis (the tests set it per test
# database). Without REDIS_URL (the demo, a development machine):
# this process's memory, each worker on its own (write limits then count per worker).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "")
if REDIS_URL:
    CACHES = {
        alias: {
            # Django's RedisCache, answering as an empty cache while Redis is unreachable
            # (drafting.web.resilient_cache): pages get slower, not broken.
            "BACKEND": "drafting.web.resilient_cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
            "KEY_PREFIX": f"{CACHE_KEY_PREFIX}{alias}",
            # Keys carry the version of what they show: never stale, only unused. A day bounds
            # how long an unused entry waits for the LRU.
            "TIMEOUT": 24 * 3600,
        }
        for alias in ("default", "throttle")
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 2_000},
        },
        "throttle": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "throttle",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        },
    }
# Writes a delegation may make in a minute (proposals made or revised); 0: no limit.
PROPOSALS_PER_MINUTE = int(os.environ.get("PROPOSALS_PER_MINUTE", "30"))

# History is a record, never a tool for rewriting: no "revert" in the admin's history pages.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Background work (PDF exports): Django's tasks with the database backend, run by
# `manage.py db_worker`. TASKS_BACKEND=immediate runs tasks in the request (tests).
TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if os.environ.get("TASKS_BACKEND") == "immediate"
            else "django_tasks_db.DatabaseBackend"
        )
    },
    # Always the database: `db_worker --backend database` serves it (and the tests use it
    # to prove the worker path when the default runs tasks immediately).
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
# An export whose heartbeat is older than this is stale (its worker died): re-queue it.
EXPORT_STALE_SECONDS = int(os.environ.get("EXPORT_STALE_SECONDS", "60"))
# How often an open desk asks whether anything changed (a cheap question: 204 when not).
LIVE_POLL_SECONDS = int(os.environ.get("LIVE_POLL_SECONDS", "30"))

# A server error is never silent: its traceback goes to stderr with the request's id
# (drafting.web.request_log), and by mail to ADMINS when set (comma-separated addresses).
ADMINS = env_list("ADMINS")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", "root@localhost")
# Mail to people (invitations, password resets) is sent by the task worker (drafting.mail),
# as are server errors to ADMINS. EMAIL_BACKEND=smtp in production, with EMAIL_HOST,
# EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD and EMAIL_USE_TLS (the default without
# DEBUG); EMAIL_BACKEND=console prints messages on the worker's output (the default with
# DEBUG: the demo). Django 6.1's MAILERS, read from the variables Django used before.
if os.environ.get("EMAIL_BACKEND", "console" if DEBUG else "smtp") == "smtp":
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("EMAIL_PORT", "25")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_flag("EMAIL_USE_TLS"),
                "timeout": 30,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
# The address people reach the site at: links in e-mails are made from it (mail is written
# by the worker, which has no request to ask).
# By default the first of ALLOWED_HOSTS over HTTPS in production.
SITE_URL = os.environ.get(
    "SITE_URL",
    f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS and not DEBUG else "http://127.0.0.1:8000",
).rstrip("/")
# An invitation link works once, for this many hours.
INVITATION_HOURS = int(os.environ.get("INVITATION_HOURS", "72"))
# A password-reset link works for this long (Django's default is three days).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(60 * 60 * 2)))
# Password-reset requests an hour, from one address and for one e-mail address (over the
# second, no mail is sent and the page says the same as always).
PASSWORD_RESETS_PER_ADDRESS = int(os.environ.get("PASSWORD_RESETS_PER_ADDRESS", "10"))
PASSWORD_RESETS_PER_ACCOUNT = int(os.environ.get("PASSWORD_RESETS_PER_ACCOUNT", "3"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "drafting.web.request_log.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "with_request_id": {
            "format": "%(asctime)s %(levelname)s [request %(request_id)s] %(name)s: %(message)s"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["request_id"],
            "formatter": "with_request_id",
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "request_id"],
            "formatter": "with_request_id",
        },
    },
    "loggers": {
        "drafting": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
        # Sign-ins, failures and lock-outs also go to the audit trail (drafting.access.audit).
        "axes": {"handlers": ["console"], "level": "WARNING"},
        # Every 500, with its traceback; and what Django's security checks refuse.
        "django.request": {
            "handlers": ["console", "mail_admins"],
            "level": "ERROR",
            "propagate": False,
        },
        "django.security": {
            "handlers": ["console", "mail_admins"],
            "level": "WARNING",
            "propagate": False,
        },
    },
}
