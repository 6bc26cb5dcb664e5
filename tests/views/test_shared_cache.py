"""The page cache is Django's cache (a real Redis in the tests, as in production), under a
namespace of the database: what another database cached is never read."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from drafting.models import CacheNamespace, Element
from drafting.render import page_cache
from tests.factories import delegate_of

pytestmark = pytest.mark.django_db

THEME = "Cooperation between exporting and importing states"
DRAFT = reverse("working_draft", args=["bms7"])


def test_pages_and_write_counts_are_kept_in_redis_under_this_test_database():
    """Both aliases are a shared Redis; their keys begin with this test database's name and
    the alias, so two xdist workers or two checkouts never read each other's entries."""
    for alias in ("default", "throttle"):
        cache = caches[alias]
        assert isinstance(cache, RedisCache)
        assert cache.key_prefix.startswith(connection.settings_dict["NAME"].removesuffix("_main"))
        assert cache.key_prefix.endswith(alias)
    assert settings.CACHES["default"]["KEY_PREFIX"] != settings.CACHES["throttle"]["KEY_PREFIX"]


def test_another_database_with_the_same_document_and_version_is_not_served_its_pages(client, bms7):
    """A backup restored, a database made again: the same document id and version, other
    text. Pages are keyed by the version, so only a new namespace keeps the old page away."""
    client.force_login(delegate_of("jpn"))
    assert THEME in client.get(DRAFT).text  # made and cached at this version
    theme = Element.objects.get(text=THEME)
    theme.text = "Text of another database"
    theme.save(update_fields=["text"])  # as a restore writes it: no gate, the same version
    assert THEME in client.get(DRAFT).text  # the page of the same key

    call_command("renew_cache_namespace", verbosity=0)
    page = client.get(DRAFT).text
    assert "Text of another database" in page and THEME not in page


def test_the_namespace_is_the_databases_and_is_made_again_after_a_flush():
    made_by_migration = CacheNamespace.objects.get(pk=1).token
    page_cache._namespace = None  # a new process
    assert page_cache.namespace() == made_by_migration
    CacheNamespace.objects.all().delete()  # a transactional test's flush
    page_cache._namespace = None
    again = page_cache.namespace()
    assert again != made_by_migration
    assert CacheNamespace.objects.get(pk=1).token == again


def test_a_renewed_namespace_is_read_by_the_next_process():
    renewed = page_cache.renew_namespace()
    page_cache._namespace = None
    assert page_cache.namespace() == renewed
