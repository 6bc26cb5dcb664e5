"""The test databases are cloned from a template: migrated once, with the reference data.

Migrating an empty database (some 80 migrations, Django's and ours) took each pytest-xdist
worker a quarter of a minute on a quiet 2-core machine, and the two workers did it at the
same time on every run. Instead the first session builds ``<test database>_tpl_<key>``:
``migrate``, then the reference data (the role groups and the BMS7 zero draft), exactly what
a fresh test database got. Each worker's database is then made with PostgreSQL's
``CREATE DATABASE ... TEMPLATE`` (Django's ``TEST["TEMPLATE"]``); Django still runs
``migrate`` on it, which finds nothing to do.

The key is a hash of what the template is made of (the migrations, the models, the roles and
the audit's signal handlers, the fixture, the settings, the locked packages, this file):
change any of them and the next session builds a new template and drops the old ones of this
checkout. ``--no-migrations``, ``--reuse-db`` and ``--create-db`` bypass it (tests/conftest.py).
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
    "tests/template_db.py",  # what loads the reference data (load_reference_data)
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
    # The tests' connections do not wait at each commit for the WAL to reach the disk (the
    # transactional tests commit at every write): a crash of the server would lose the last
    # commits of a test database, made again by the next run.
    options = database.setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


# A copy of the test database's first state, in a schema of its own that flushing leaves alone
# (Django truncates the tables of its models only): transactional tests flush the database
# when they end, and the next one gets the copy back in a few statements. Loading the role
# groups and the fixture again took seconds each time, for a hundred and more of them.
REFERENCE = "test_reference"


def _tables() -> list[str]:
    from django.db import connection

    return sorted(connection.introspection.django_table_names(only_existing=True))


def keep_reference_data() -> None:
    """Copy every table that has rows (the reference data, the role groups, content types
    and permissions) into the reference schema."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {REFERENCE} CASCADE")
        cursor.execute(f"CREATE SCHEMA {REFERENCE}")
        for table in _tables():
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {_quoted(table)})")  # noqa: S608 - Django's tables
            if cursor.fetchone()[0]:
                cursor.execute(
                    f"CREATE TABLE {REFERENCE}.{_quoted(table)} AS TABLE {_quoted(table)}"
                )


def restore_reference_data() -> bool:
    """Put the database back as it was before the first test: empty every table, copy the
    reference schema's rows back and set each sequence past them. False when there is no
    copy (a database other than PostgreSQL)."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        return False
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            [REFERENCE],
        )
        kept = sorted(row[0] for row in cursor.fetchall())
        if not kept:
            return False
        # Flushing recreated the content types and permissions (new ids): they go, and
        # whatever else has rows. DELETE, not TRUNCATE: a few hundred rows, where truncating
        # makes new files for every table and index (the foreign keys are checked at COMMIT).
        for table in _tables():
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {_quoted(table)})")  # noqa: S608
            if cursor.fetchone()[0]:
                cursor.execute(f"DELETE FROM {_quoted(table)}")  # noqa: S608
        for table in kept:
            cursor.execute(
                f"INSERT INTO {_quoted(table)} SELECT * FROM {REFERENCE}.{_quoted(table)}"  # noqa: S608
            )
        # As after a flush, the database's cache namespace is new: a process that reads it
        # (a server a test starts) does not find the last test's pages under it.
        from drafting.models import CacheNamespace
        from drafting.models.cache import new_token

        cursor.execute(
            f"UPDATE {_quoted(CacheNamespace._meta.db_table)} SET token = %s",  # noqa: S608
            [new_token()],
        )
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ANY(%s) "
            "AND (column_default LIKE 'nextval%%' OR is_identity = 'YES')",
            [kept],
        )
        for table, column in cursor.fetchall():
            # The names are Django's tables and their columns.
            top = f"MAX({_quoted(column)})"
            past = f"COALESCE({top}, 1), {top} IS NOT NULL"
            setval = f"SELECT setval(pg_get_serial_sequence(%s, %s), {past}) FROM {_quoted(table)}"  # noqa: S608
            cursor.execute(setval, [_quoted(table), column])
    # A flush made the content types again (new ids), which this process may have cached.
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    return True
