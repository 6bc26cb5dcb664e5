"""Django's ``RedisCache``, which answers as an empty cache while Redis is unreachable.

Everything in the cache can be made again: pages are keyed by the version of what they show
(``drafting.render.page_cache``), so a miss costs time, never correctness. A Redis that is
down or restarting should therefore make pages slower, not fail them with a 500. While it is
unreachable every read is a miss and every write is dropped; the first failure is logged, and
for ``RETRY_SECONDS`` afterwards Redis is not asked again, so a page does not wait for one
connection time-out per cache call. Write counts (``drafting.access.throttle``) start again
from zero meanwhile: the limit is not enforced during an outage, and the log says so.

Errors other than a lost connection (a bad value, a full Redis refusing writes) are raised as
before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("drafting.web.resilient_cache")

RETRY_SECONDS = 5.0
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class _Outage:
    """When Redis was last found unreachable, shared by every client in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.until = 0.0

    def down(self) -> bool:
        return time.monotonic() < self.until

    def record(self, error: BaseException) -> None:
        with self._lock:
            first = not self.down()
            self.until = time.monotonic() + RETRY_SECONDS
        if first:
            logger.warning(
                "Redis is unreachable (%s): the cache answers as empty and write limits are "
                "not counted; trying again in %s s",
                error,
                RETRY_SECONDS,
            )


outage = _Outage()


def guarded[T](call: Callable[[], T], fallback: T) -> T:
    """``call()``, or ``fallback`` while Redis is unreachable (the outage is recorded)."""
    if outage.down():
        return fallback
    try:
        return call()
    except UNREACHABLE as error:
        outage.record(error)
        return fallback


class ResilientRedisCacheClient(RedisCacheClient):
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        """The ``redis.Redis`` client of the server's connection pool, made once: Django's
        makes a new one for every command (its constructor alone cost a write count a third
        of its time). A client is safe to share (it takes a connection from the pool for
        each command); each cache object (one per thread) has its own clients."""
        django_client: Any = self  # RedisCacheClient's private parts, untyped in the stubs
        pool = django_client._get_connection_pool(write)
        clients: dict[int, Any] = self.__dict__.setdefault("_clients_by_pool", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = django_client._client(connection_pool=pool)
        return client

    def add(self, key: Any, value: Any, timeout: Any) -> bool:
        return guarded(
            lambda: super(ResilientRedisCacheClient, self).add(key, value, timeout), False
        )

    def get(self, key: Any, default: Any) -> Any:
        return guarded(lambda: super(ResilientRedisCacheClient, self).get(key, default), default)

    def set(self, key: Any, value: Any, timeout: Any) -> None:
        guarded(lambda: super(ResilientRedisCacheClient, self).set(key, value, timeout), None)

    def touch(self, key: Any, timeout: Any) -> bool:
        return guarded(lambda: super(ResilientRedisCacheClient, self).touch(key, timeout), False)

    def delete(self, key: Any) -> bool:
        return guarded(lambda: super(ResilientRedisCacheClient, self).delete(key), False)

    def get_many(self, keys: Any) -> dict[Any, Any]:
        return guarded(lambda: super(ResilientRedisCacheClient, self).get_many(keys), {})

    def has_key(self, key: Any) -> bool:
        return guarded(lambda: super(ResilientRedisCacheClient, self).has_key(key), False)

    def incr(self, key: Any, delta: int) -> Any:
        # A missing key raises ValueError as before; an unreachable Redis counts from zero.
        return guarded(lambda: super(ResilientRedisCacheClient, self).incr(key, delta), delta)

    def set_many(self, data: Any, timeout: Any) -> None:
        guarded(lambda: super(ResilientRedisCacheClient, self).set_many(data, timeout), None)

    def delete_many(self, keys: Any) -> None:
        guarded(lambda: super(ResilientRedisCacheClient, self).delete_many(keys), None)

    def clear(self) -> bool:
        return guarded(lambda: super(ResilientRedisCacheClient, self).clear(), False)


class ResilientRedisCache(RedisCache):
    """``RedisCache`` whose client answers as an empty cache while Redis is unreachable."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient
