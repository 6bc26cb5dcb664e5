"""Limits on writes and on guessing passwords.

- :func:`count_write` counts a delegation's writes (proposals made or revised) in Django's
  cache framework (the ``throttle`` cache), per minute; over ``PROPOSALS_PER_MINUTE`` the view
  answers 429 and shows the form again with what was typed.
- :class:`SignInFailureHandler` is django-axes' database handler with one limit per lockout
  parameter (``AXES_LOCKOUT_PARAMETERS``): a username from one address
  (``AXES_FAILURE_LIMIT``), a username from anywhere (``SIGN_IN_FAILURES_PER_ACCOUNT``) and an
  address whatever the username (``SIGN_IN_FAILURES_PER_ADDRESS``, against password spraying).
"""

import math
import time
from dataclasses import dataclass

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from django.db.models import Sum

from drafting.web import resilient_cache
from drafting.web.resilient_cache import ResilientRedisCache


@dataclass(frozen=True)
class WriteCount:
    count: int
    limit: int
    retry_after: int

    @property
    def over(self) -> bool:
        return self.limit > 0 and self.count > self.limit


def count_write(scope: str, who: object, *, limit: int, seconds: int = 60) -> WriteCount:
    """Count one more write by ``who`` in ``scope`` in the current window of ``seconds``.

    A fixed window in the shared cache: at most ``limit`` writes a window (so at most twice
    that across a window's edge). ``limit`` 0 counts nothing.
    """
    now = time.time()
    window = int(now // seconds)
    retry_after = max(1, math.ceil((window + 1) * seconds - now))
    if limit <= 0:
        return WriteCount(0, limit, retry_after)
    count = _counted(caches["throttle"], f"writes:{scope}:{who}:{window}", seconds * 2)
    return WriteCount(count, limit, retry_after)


def _counted(cache: BaseCache, key: str, timeout: int) -> int:
    """Add one to the count under ``key`` (made with ``timeout`` when missing); the count.

    In Redis (production, the tests) one round trip: ``SET … NX EX`` and ``INCR`` in a
    pipeline, on the client Django's backend would use for the key (a count is stored as
    Django's backend stores an integer: as the number, so ``cache.get`` reads it). Elsewhere
    Django's ``add`` and ``incr``.
    """
    if isinstance(cache, RedisCache):
        name = cache.make_and_validate_key(key)

        def pipelined() -> int:
            pipeline = cache._cache.get_client(name, write=True).pipeline(transaction=False)
            pipeline.set(name, 0, ex=timeout, nx=True)
            pipeline.incr(name)
            return int(pipeline.execute()[1])

        if isinstance(cache, ResilientRedisCache):
            # Redis unreachable: the count starts again from zero, as the client's own calls
            # do (the pipeline goes past them).
            return resilient_cache.guarded(pipelined, 1)
        return pipelined()
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


class SignInFailureHandler(AxesDatabaseHandler):
    """Failures counted per lockout parameter, each against its own limit.

    django-axes compares the largest count of any parameter with one limit; here each count
    is first scaled to ``AXES_FAILURE_LIMIT`` by its own limit, in the order of
    ``AXES_LOCKOUT_PARAMETERS``: (username, address), username, address.
    """

    def get_failures(self, request, credentials=None) -> int:
        limits = [
            settings.AXES_FAILURE_LIMIT,
            settings.SIGN_IN_FAILURES_PER_ACCOUNT,
            settings.SIGN_IN_FAILURES_PER_ADDRESS,
        ]
        scaled = 0
        for attempts, limit in zip(
            self.get_user_attempts(request, credentials), limits, strict=False
        ):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            scaled = max(scaled, failures * settings.AXES_FAILURE_LIMIT // max(limit, 1))
        return scaled
