"""Shared fixtures. The environment for the tests is set by tests/testenv.py."""

import os

import pytest
from django.core.management import call_command
from hypothesis import settings as hypothesis_settings

# Hypothesis profiles (tests/unit/test_properties.py). "ci", the default: a fixed seed and
# no example database, so every run, everywhere, tries the same examples. "slow", for a
# nightly run (`--hypothesis-profile=slow` or HYPOTHESIS_PROFILE=slow): ten times as many
# examples, drawn afresh on each run. A property sets only what is its own (a share of
# max_examples where one example is slow).
hypothesis_settings.register_profile(
    "ci", max_examples=1_000, deadline=None, derandomize=True, database=None
)
hypothesis_settings.register_profile(
    "slow", max_examples=10_000, deadline=None, derandomize=False, database=None, print_blob=True
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _load_reference_data() -> None:
    """Role groups (a migration's data) and the BMS7 zero draft."""
    from django.contrib.auth.models import Group, Permission

    from drafting.access.roles import ensure_role_groups

    ensure_role_groups(Group, Permission)
    call_command("loaddata", "bms7", verbosity=0)


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
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the BMS7 zero draft once into the test database; each test rolls back to it."""
    with django_db_blocker.unblock():
        _load_reference_data()


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    """Transactional tests flush the database when they end; put the reference data back.

    pytest-django runs them after the others, and `.ci/run` keeps that order in each of its
    two processes (xdist's ``--dist load``; work stealing moved earlier tests after flushed
    ones). Should a test still find the data gone, it loads it inside its own transaction.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    from drafting.models import Meeting

    transactional = marker.kwargs.get("transaction") or "transaction" in marker.args
    request.getfixturevalue("transactional_db" if transactional else "db")
    if not Meeting.objects.filter(slug="bms7").exists():
        _load_reference_data()


@pytest.fixture(autouse=True)
def _no_write_limit(settings):
    """No limit on a delegation's writes (the fuzz sends hundreds a minute): the limit is
    tested on its own (tests/views/test_write_limits.py turns it on)."""
    settings.PROPOSALS_PER_MINUTE = 0


@pytest.fixture
def bms7(db):
    """The BMS7 meeting with its zero draft."""
    from drafting.models import Meeting

    return Meeting.objects.select_related("document").get(slug="bms7")


@pytest.fixture
def open_round(bms7):
    """A consultation round open from an hour ago until an hour from now."""
    from datetime import timedelta

    from django.utils import timezone

    from drafting.services.rounds import round_open
    from tests.factories import secretariat

    now = timezone.now()
    return round_open(
        user=secretariat(),
        document=bms7.document,
        name="Round 1",
        opens_at=now - timedelta(hours=1),
        deadline=now + timedelta(hours=1),
    )


@pytest.fixture
def round_1(open_round):
    return open_round
