"""The cache that answers "not cached" while Redis is down, asks Redis again only every few
seconds (a hung Redis must not cost a timeout per call), and empties itself on recovery."""

from __future__ import annotations

import redis
from flask_caching.backends.rediscache import RedisCache

from app.ops.failsoft import FailOpenRedisCache, redis_client


def test_down_then_back(monkeypatch):
    cache = FailOpenRedisCache(host=redis_client("redis://127.0.0.1:1/0", 0.1), key_prefix="t:")
    calls, cleared = [], []
    state = {"down": True}

    def get(self, key):
        calls.append(key)
        if state["down"]:
            raise redis.ConnectionError("refused")
        return "figures"

    monkeypatch.setattr(RedisCache, "get", get)
    monkeypatch.setattr(RedisCache, "clear", lambda self: cleared.append(1) or True)

    assert cache.get("a") is None
    assert cache.get("b") is None  # not asked: Redis is down for RETRY_SECONDS
    assert calls == ["a"] and cleared == []

    state["down"] = False
    cache._retry_at = 0.0  # the pause has passed
    assert cache.get("c") == "figures"
    assert cleared == [1]  # writes while it was down could not mark figures stale
    assert cache.get("d") == "figures" and cleared == [1]
