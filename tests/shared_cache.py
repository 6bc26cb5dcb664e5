"""Emptying this test session's part of the shared cache, and only it."""

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache


def empty_cache(alias: str = "default") -> None:
    """Delete the entries of cache ``alias`` under its ``KEY_PREFIX`` (this checkout's test
    database and xdist worker). ``clear()`` would empty the whole Redis database, which other
    checkouts and workers share."""
    cache = caches[alias]
    if not isinstance(cache, RedisCache):
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1_000))
    for start in range(0, len(keys), 1_000):
        client.delete(*keys[start : start + 1_000])
