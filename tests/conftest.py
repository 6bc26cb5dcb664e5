"""Shared fixtures. The environment for the tests is set by tests/testenv.py."""

import os
from unittest.mock import patch

import pytest
from hypothesis import settings as hypothesis_settings

from tests.template_db import (
    keep_reference_data,
    load_reference_data,
    restore_reference_data,
    use_template,
)

# Hypothesis profiles (tests/unit/test_properties.py). "ci", the default: a fixed seed and
# no example database, so every run, everywhere, tries the same examples. "slow", for a
# nightly run (`--slow`, `--hypothesis-profile=slow` or HYPOTHESIS_PROFILE=slow): twenty times
# as many examples, drawn afresh on each run. A property sets only what is its own (a share of
# max_examples where one example is slow).
hypothesis_settings.register_profile(
    "ci", max_examples=500, deadline=None, derandomize=True, database=None
)
hypothesis_settings.register_profile(
    "slow", max_examples=10_000, deadline=None, derandomize=False, database=None, print_blob=True
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config):
    """``--slow`` (tests/testenv.py), the nightly run: the "slow" hypothesis profile, and
    every fuzz payload through every endpoint (tests/views/test_fuzz.py reads TESTS_SLOW).
    Set in each process (pytest-xdist's workers are configured with the same options)."""
    if config.getoption("slow", False):
        os.environ["TESTS_SLOW"] = "1"
        hypothesis_settings.load_profile("slow")
    _fast_hashing()


def _fast_hashing():
    """A fast password hasher: production's PBKDF2 is slow on purpose (a good part of a second
    on this machine for each sign-in, invitation and password change), which is not what the
    tests check. Set before any password is hashed; the servers tests start in processes of
    their own (tests/views/test_two_servers.py, tests/test_demo.py) sign in with sessions or
    make their own users."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _empty_shared_cache():
    """The Redis outlives the test database: what a previous session left under this
    session's prefix (the same document ids and versions, other content) is deleted first."""
    from tests.shared_cache import empty_cache

    empty_cache("default")
    empty_cache("throttle")


@pytest.fixture(autouse=True)
def _page_cache_afresh():
    """Each test reads the page cache under a namespace of its own: a test's writes roll
    back, and the next test may make the same version of the document with other content."""
    from drafting.render import page_cache

    page_cache.clear()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, request):
    """Each test database is a clone of a template migrated once (tests/template_db.py),
    unless pytest-django is asked to build or keep it its own way."""
    if not any(
        request.config.getvalue(option) for option in ("nomigrations", "reuse_db", "create_db")
    ):
        use_template()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The BMS7 zero draft in the test database (a clone of the template has it already);
    each test rolls back to it."""
    from drafting.models import Meeting

    with django_db_blocker.unblock():
        if not Meeting.objects.filter(slug="bms7").exists():
            load_reference_data()
        keep_reference_data()


@pytest.fixture(scope="session", autouse=True)
def _transactional_tests_restore_rather_than_flush():
    """A transactional test ends by copying the test database's first state back (DELETE and
    INSERT from the copy, tests/template_db.py) rather than by Django's flush (TRUNCATE of
    every table, then the content types and permissions made again, then the fixture loaded
    by the next test). Without a copy (``--reuse-db``, another database) it flushes."""
    from django.test import TransactionTestCase

    flush = TransactionTestCase._fixture_teardown

    def restore(self):
        if not restore_reference_data():
            flush(self)

    with patch.object(TransactionTestCase, "_fixture_teardown", restore):
        yield


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    """Put the reference data back where a test found it gone: a test that flushed the
    database itself (tests/services/test_backup.py), or any after a flushing teardown.

    pytest-django runs transactional tests after the others, and `.ci/run` keeps that order in
    each of its two processes (xdist's ``--dist load``; work stealing once moved earlier tests
    after flushed ones). The data comes back from the copy of the first state, or else is
    loaded inside the test's own transaction.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    from drafting.models import Meeting

    transactional = marker.kwargs.get("transaction") or "transaction" in marker.args
    request.getfixturevalue("transactional_db" if transactional else "db")
    if not Meeting.objects.filter(slug="bms7").exists() and not restore_reference_data():
        load_reference_data()


@pytest.fixture(autouse=True)
def _no_write_limit(settings):
    """No limit on a delegation's writes (the fuzz sends hundreds a minute): the limit is
    tested on its own (tests/views/test_write_limits.py turns it on)."""
    settings.PROPOSALS_PER_MINUTE = 0


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    marked = marker is not None and (
        marker.kwargs.get("transaction") or "transaction" in marker.args
    )
    names = getattr(item, "fixturenames", ())
    return bool(marked) or "transactional_db" in names or "live_server" in names


def _shared_transaction(request, django_db_blocker, shared_by):
    """Open a transaction (a savepoint, inside another) for the tests ``shared_by`` accepts;
    roll it back once they are done."""
    from django.db import transaction

    transactional = [
        item.nodeid for item in request.session.items if shared_by(item) and _transactional(item)
    ]
    if transactional:
        pytest.fail(f"data shared by transactional tests: {transactional}")
    with django_db_blocker.unblock():
        shared = transaction.atomic()
        shared.__enter__()
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        shared.__exit__(None, None, None)


@pytest.fixture(scope="module")
def module_db(request, django_db_setup, django_db_blocker):
    """A transaction open while one module's tests run, for data they all start from: made
    once (in a fixture of the module's scope that asks for this one and unblocks the
    database), rather than for each test. Each test's own transaction is a savepoint in it,
    rolled back when the test ends, so every test finds the data as made; it is rolled back
    when the module is done. Not for a module with transactional tests: they would run inside
    it."""
    yield from _shared_transaction(
        request, django_db_blocker, lambda item: getattr(item, "module", None) is request.module
    )


@pytest.fixture(scope="class")
def class_db(request, module_db, django_db_blocker):
    """As ``module_db``, for the tests of one class: a savepoint in the module's transaction,
    rolled back when the class is done (the module's other tests never see its data)."""
    yield from _shared_transaction(
        request, django_db_blocker, lambda item: getattr(item, "cls", None) is request.cls
    )


@pytest.fixture
def bms7(db):
    """The BMS7 meeting with its zero draft."""
    from drafting.models import Meeting

    return Meeting.objects.select_related("document").get(slug="bms7")


@pytest.fixture
def open_round(bms7):
    """A consultation round open from an hour ago until an hour from now."""
    from tests.factories import open_round_for_an_hour

    return open_round_for_an_hour(bms7.document)


@pytest.fixture
def round_1(open_round):
    return open_round


@pytest.fixture(scope="module")
def _round_of_the_module(module_db, django_db_blocker) -> int:
    from drafting.models import Document
    from tests.factories import open_round_for_an_hour

    with django_db_blocker.unblock():
        document = Document.objects.get(meeting__slug="bms7")
        return open_round_for_an_hour(document).pk


@pytest.fixture
def open_round_of_the_module(_round_of_the_module, bms7):
    """As ``open_round``, opened once for a module whose tests all want it (``module_db``):
    such a module names it its ``open_round``."""
    from drafting.models import ConsultationRound

    return ConsultationRound.objects.get(pk=_round_of_the_module)
