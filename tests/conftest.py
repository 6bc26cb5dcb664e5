"""Shared fixtures. The environment for the tests is set by tests/testenv.py."""

import pytest


@pytest.fixture
def bms7(db):
    """The BMS7 meeting with its zero draft, loaded from fixtures/bms7.json."""
    from django.core.management import call_command

    from drafting.models import Meeting

    call_command("loaddata", "bms7", verbosity=0)
    return Meeting.objects.select_related("document").get(slug="bms7")
