"""The copy of the test database's first state that transactional tests end with
(tests/template_db.py), checked as Django's flush was."""

import inspect
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from drafting.access.roles import ensure_role_groups
from drafting.models import CacheNamespace, Meeting
from tests.template_db import ROOT, SOURCES, load_reference_data, restore_reference_data


@pytest.mark.django_db(transaction=True)
def test_the_first_state_copied_back_has_a_cache_namespace_of_its_own():
    """Django's flush emptied the namespace's table, and the next test's database got a new
    token. The copy-back must give one too: a server process the next test starts
    (tests/views/test_two_servers.py) reads the database's token, and would find in Redis
    the pages the last test made there under the same versions of the document."""
    before = CacheNamespace.objects.get().token
    assert restore_reference_data()
    assert CacheNamespace.objects.get().token != before


@pytest.mark.django_db(transaction=True)
def test_content_types_are_read_afresh_after_the_first_state_comes_back():
    """A test that flushes the database itself (tests/services/test_backup.py) makes the
    content types again, with new ids, and this process caches them; the copy-back puts the
    first ids back, so the cache must not keep the others (an admin log entry, a permission
    looked up by content type would point at a row that is gone)."""
    call_command("flush", interactive=False, verbosity=0)
    flushed = ContentType.objects.get_for_model(Meeting)  # cached
    assert restore_reference_data()
    assert ContentType.objects.get_for_model(Meeting) == ContentType.objects.get(
        app_label="drafting", model="meeting"
    )
    assert ContentType.objects.get_for_model(Meeting).pk != flushed.pk


def test_what_builds_the_template_is_in_its_key():
    """The template is kept under a hash of what it is made of: the code that loads its
    reference data too, or a change to it would go on cloning the old template."""
    for function in (load_reference_data, ensure_role_groups):
        path = Path(inspect.getsourcefile(function)).resolve().relative_to(ROOT)
        assert any(path.is_relative_to(source) for source in SOURCES), path
