"""The test databases are cloned from a template: migrated once, with the reference data.

Migrating an empty database (some 80 migrations, Django's and ours) took each pytest-xdist
worker a quarter of a minute on a quiet 2-core machine, and the two workers did it at the
same time on every run. Instead the first session builds ``<test database>_tpl_<key>``:
``migrate``, then the reference data (the role groups and the BMS7 zero draft), exactly what
a fresh test database got. Each worker's database is then made with PostgreSQL's
``CREATE DATABASE ... TEMPLATE`` (Django's ``TEST["TEMPLATE"]``); Django still runs
``migrate`` on it, which finds nothing to do.

The key is a hash of what the template is made of (the migrations, the models, the roles and
the audit's signal handlers, the fixture, the settings, the locked packages): change any of
them and the next session builds a new template and drops the old ones of this checkout.
``--no-migrations``, ``--reuse-db`` and ``--create-db`` bypass it (tests/conftest.py).
"""

import hashlib
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (
    "drafting/migrations",
    "drafting/models",
    "drafting/access",
    "drafting/apps.py",
    "fixtures/bms7.json",
    "bms7/settings.py",
    "uv.lock",
)
# Run in a process of its own, against the template (DATABASE_URL names it).
_BUILD = (
    "import django; django.setup(); "
    "from django.core.management import call_command; "
    "call_command('migrate', interactive=False, verbosity=0); "
    "from tests.template_db import load_reference_data; load_reference_data()"
)


def load_reference_data() -> None:
    """Role groups (a migration's data) and the BMS7 zero draft."""
    from django.contrib.auth.models import Group, Permission
    from django.core.management import call_command

    from drafting.access.roles import ensure_role_groups

    ensure_role_groups(Group, Permission)
    call_command("loaddata", "bms7", verbosity=0)


def _key() -> str:
    digest = hashlib.sha256()
    for source in SOURCES:
        path = ROOT / source
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(str(file.relative_to(ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def use_template() -> None:
    """Make sure this checkout's template exists, and have Django clone each test database
    from it. A PostgreSQL advisory lock keeps the two workers from building it twice."""
    import psycopg
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql" or "DATABASE_URL" not in os.environ:
        return
    base = os.environ["TEST_DATABASE_NAME"]  # without the worker's suffix
    template = f"{base}_tpl_{_key()}"
    with psycopg.connect(
        host=database["HOST"],
        port=database["PORT"] or 5432,
        user=database["USER"],
        password=database["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_advisory_lock(hashtext(%s))", [f"{base}_tpl"])
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
        if found.fetchone() is None:
            stale = admin.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s",
                [base.replace("_", r"\_") + r"\_tpl\_%"],
            ).fetchall()
            for (name,) in stale:  # the templates of this checkout's earlier sources
                admin.execute(f"DROP DATABASE IF EXISTS {_quoted(name)}")
            # Built under another name, renamed when whole: an interrupted build is dropped
            # and made again by the next session.
            building = f"{template}_building"
            admin.execute(f"DROP DATABASE IF EXISTS {_quoted(building)}")
            admin.execute(f"CREATE DATABASE {_quoted(building)}")
            url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{building}")
            subprocess.run(  # noqa: S603 - fixed command line
                [sys.executable, "-c", _BUILD],
                cwd=ROOT,
                env={
                    **os.environ,
                    "DATABASE_URL": urllib.parse.urlunsplit(url),
                    "DJANGO_SETTINGS_MODULE": "bms7.settings",
                },
                check=True,
            )
            admin.execute(f"ALTER DATABASE {_quoted(building)} RENAME TO {_quoted(template)}")
        admin.execute("SELECT pg_advisory_unlock(hashtext(%s))", [f"{base}_tpl"])
    database.setdefault("TEST", {})["TEMPLATE"] = template
