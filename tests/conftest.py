"""Shared fixtures. The environment for the tests is set by tests/testenv.py."""

import pytest
from django.core.management import call_command


def _load_reference_data() -> None:
    """Role groups (a migration's data) and the BMS7 zero draft."""
    from django.contrib.auth.models import Group, Permission

    from drafting.roles import ensure_role_groups

    ensure_role_groups(Group, Permission)
    call_command("loaddata", "bms7", verbosity=0)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the BMS7 zero draft once into the test database; each test rolls back to it."""
    with django_db_blocker.unblock():
        _load_reference_data()


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    """Transactional tests flush the database when they end; put the reference data back."""
    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or "transaction" in marker.args):
        from drafting.models import Meeting

        request.getfixturevalue("transactional_db")
        if not Meeting.objects.filter(slug="bms7").exists():
            _load_reference_data()


@pytest.fixture
def bms7(db):
    """The BMS7 meeting with its zero draft."""
    from drafting.models import Meeting

    return Meeting.objects.select_related("document").get(slug="bms7")
