"""Shared fixtures. The environment for the tests is set by tests/testenv.py."""

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the BMS7 zero draft once into the test database; each test rolls back to it."""
    with django_db_blocker.unblock():
        call_command("loaddata", "bms7", verbosity=0)


@pytest.fixture
def bms7(db):
    """The BMS7 meeting with its zero draft (reloaded if a transactional test flushed it)."""
    from drafting.models import Meeting

    if not Meeting.objects.filter(slug="bms7").exists():
        call_command("loaddata", "bms7", verbosity=0)
    return Meeting.objects.select_related("document").get(slug="bms7")
