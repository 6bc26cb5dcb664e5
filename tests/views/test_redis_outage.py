"""Redis down: pages are made without the cache, writes are stored, nothing answers 500.

The cache holds only what can be made again (keys carry the version of what they show), so
an unreachable Redis costs time, not correctness (drafting.web.resilient_cache)."""

import logging
import uuid

import pytest
from django.conf import settings
from django.core.cache import caches
from django.urls import reverse

from drafting.access.throttle import count_write
from drafting.models import Element, Proposal
from drafting.web import resilient_cache
from tests.factories import delegate_of

pytestmark = pytest.mark.django_db

THEME = "Cooperation between exporting and importing states"
# Nothing listens on port 1: every connection is refused, as when Redis is down.
NOWHERE = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        alias: {**config, "LOCATION": NOWHERE} for alias, config in settings.CACHES.items()
    }
    resilient_cache.outage.until = 0.0
    yield
    resilient_cache.outage.until = 0.0


def test_the_tests_use_the_resilient_client():
    assert isinstance(caches["default"], resilient_cache.ResilientRedisCache)
    assert settings.CACHES["default"]["OPTIONS"]["socket_connect_timeout"] <= 1


def test_pages_are_made_and_a_proposal_is_stored_while_redis_is_down(
    client, bms7, open_round, redis_down, caplog
):
    theme = Element.objects.get(text=THEME)
    client.force_login(delegate_of("jpn"))
    with caplog.at_level(logging.WARNING, logger="drafting.web.resilient_cache"):
        draft = client.get(reverse("working_draft", args=["bms7"]))
        assert draft.status_code == 200
        assert THEME in draft.text
        response = client.post(
            reverse("propose", args=["bms7", theme.pk]),
            {
                "kind": "amend",
                "proposed_text": f"Enhanced {THEME.lower()}",
                "base_text_seen": THEME,
                "idempotency_key": str(uuid.uuid4()),
                "action": "submit",
            },
        )
        assert response.status_code == 302
        assert Proposal.objects.filter(element=theme).exists()
        compilation = client.get(reverse("compilation", args=["bms7"]))
        assert compilation.status_code in (200, 403)
        desk = client.get(reverse("landing"), follow=True)
        assert desk.status_code == 200
    warnings = [r for r in caplog.records if r.name == "drafting.web.resilient_cache"]
    assert len(warnings) == 1, "the outage is logged once, not once per cache call"
    assert "unreachable" in warnings[0].getMessage()


def test_write_counts_start_from_zero_while_redis_is_down(redis_down):
    counted = [count_write("test", "someone", limit=2).count for _ in range(3)]
    assert counted == [1, 1, 1]


def test_the_cache_is_asked_again_after_the_retry_interval(redis_down, monkeypatch):
    cache = caches["default"]
    assert cache.get("anything") is None
    assert resilient_cache.outage.down()
    calls = []
    monkeypatch.setattr(
        resilient_cache.RedisCacheClient, "get", lambda *args: calls.append(args) or "x"
    )
    assert cache.get("anything") is None, "within the interval Redis is not asked"
    assert calls == []
    resilient_cache.outage.until = 0.0
    assert cache.get("anything") == "x"
    assert len(calls) == 1


def test_other_redis_errors_are_not_swallowed(monkeypatch):
    from redis.exceptions import ResponseError

    def refuse(*args):
        raise ResponseError("OOM command not allowed when used memory > 'maxmemory'")

    monkeypatch.setattr(resilient_cache.RedisCacheClient, "set", refuse)
    with pytest.raises(ResponseError):
        caches["default"].set("anything", 1)
