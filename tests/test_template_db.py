"""The copy of the test database's first state that transactional tests end with
(tests/template_db.py), checked as Django's flush was."""

import pytest

from drafting.models import CacheNamespace
from tests.template_db import restore_reference_data


@pytest.mark.django_db(transaction=True)
def test_the_first_state_copied_back_has_a_cache_namespace_of_its_own():
    """Django's flush emptied the namespace's table, and the next test's database got a new
    token. The copy-back must give one too: a server process the next test starts
    (tests/views/test_two_servers.py) reads the database's token, and would find in Redis
    the pages the last test made there under the same versions of the document."""
    before = CacheNamespace.objects.get().token
    assert restore_reference_data()
    assert CacheNamespace.objects.get().token != before
