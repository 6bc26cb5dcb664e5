"""Loaded as a pytest plugin (``-p tests.testenv``) before Django's settings are read.

Test settings come from the environment, like production's: PostgreSQL unless told otherwise.
"""

import hashlib
import os
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bms7")
# pytest-django drops an existing test database without asking: two checkouts testing against
# one PostgreSQL server would wreck each other's runs, so each checkout has its own name
# (pytest-xdist adds a suffix per worker to it).
_checkout = hashlib.sha256(str(Path(__file__).resolve().parent.parent).encode()).hexdigest()[:8]
os.environ.setdefault("TEST_DATABASE_NAME", f"test_bms7_{_checkout}")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
# The test client speaks plain HTTP; production's TLS-only settings are tested on their own.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("TASKS_BACKEND", "immediate")
# Most tests sign in with force_login; the second-factor requirement is tested on its own
# (tests/views/test_accounts.py turns it on with override_settings).
os.environ.setdefault("OTP_REQUIRED", "0")
# The cache is a real Redis, as in production (`.ci/run` starts it). Its keys begin with this
# checkout's test database and the xdist worker, so two checkouts or two workers sharing the
# Redis never read each other's entries; tests/conftest.py empties the prefix when a session
# starts (the Redis outlives the test database).
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
# Set, not defaulted: xdist's workers inherit the controller's environment.
_cache_base = os.environ.setdefault("TEST_CACHE_KEY_PREFIX", os.environ["TEST_DATABASE_NAME"])
os.environ["CACHE_KEY_PREFIX"] = f"{_cache_base}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}:"


def pytest_addoption(parser):
    parser.addoption(
        "--slow",
        action="store_true",
        help="the nightly run: ten times the hypothesis examples (its 'slow' profile) and "
        "every fuzz payload through every endpoint (tests/conftest.py)",
    )
