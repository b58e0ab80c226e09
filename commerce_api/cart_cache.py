"""The carts' fast path: cached Cart JSON by token, in front of the database that stays the truth.

One interface, two implementations: `NullCartCache` for the embedded default (SQLite is local and
fast, and a cache that only one process could see would go stale the moment a render node writes a
cart without it) and `RedisCartCache` when HOLOSHOP_REDIS_URL is set. The cache is best effort: any
Redis failure is logged and answered as a miss, and Redis is left alone for a few seconds after one,
so an outage costs requests nothing but the database round trip.

Entries are written through after every committed change and live a day; a cached cart's `in_stock`
is the stock when the cart was last written, so it may be slightly stale (adding always checks the
database).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Protocol

import redis
from pydantic import ValidationError
from redis.backoff import NoBackoff
from redis.retry import Retry

from commerce_api.cart_schemas import CartRead

__all__ = ["DEFAULT_TTL_S", "CartCache", "NullCartCache", "RedisCartCache", "make_cart_cache"]

log = logging.getLogger("holoshop.cart_cache")

DEFAULT_TTL_S = 24 * 3600
_MAX_ENTRY = 256 * 1024  # bytes; a cart of MAX_CART_LINES lines is far below, anything larger is junk
_MAX_MISSED = 100_000  # tokens remembered for deletion while Redis is down


class CartCache(Protocol):
    def get(self, token: str) -> CartRead | None:
        """The cached cart, or None: absent, unreadable or the cache unreachable."""
        ...

    def put(self, cart: CartRead) -> None:
        """Caches the cart as just committed; never raises."""
        ...

    def drop(self, token: str) -> None:
        """Forgets a deleted cart, so no late write-through brings it back; never raises."""
        ...


class NullCartCache:
    """No cache: every read goes to the database."""

    def get(self, token: str) -> CartRead | None:
        return None

    def put(self, cart: CartRead) -> None:
        pass

    def drop(self, token: str) -> None:
        pass


def _encode(cart: CartRead) -> str:
    # The owner and version travel beside the cart (they are excluded from its own JSON): a hit can
    # be checked against the Bearer without the database, and an older write never replaces a newer.
    return json.dumps(
        {"version": cart.version, "account_id": cart.account_id, "cart": cart.model_dump(mode="json")}
    )


def _decode(raw: bytes | str) -> CartRead | None:
    """The cached cart; None for a deleted one."""
    data = json.loads(raw)
    if data.get("deleted"):
        return None
    return CartRead.model_validate(
        data["cart"] | {"account_id": data["account_id"], "version": data["version"]}
    )


# Set only when no entry of the same or a newer version is there (a deleted cart's tombstone is
# newest of all). Commits to one cart are serialised by its row lock, so versions follow them.
_PUT_IF_NEWER = """
local current = redis.call('GET', KEYS[1])
if current then
  local ok, entry = pcall(cjson.decode, current)
  if ok and type(entry) == 'table' and tonumber(entry['version']) ~= nil
      and tonumber(entry['version']) >= tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
"""
_TOMBSTONE = json.dumps({"version": 2**53 - 1, "deleted": True})  # Lua numbers are doubles


class RedisCartCache:
    """Carts in Redis under `{prefix}cart:{token}`, each with a TTL.

    A write-through that fails (or is skipped while Redis is down) leaves an entry older than the
    database, so its token is remembered and deleted once Redis answers again; each process heals
    its own misses, which covers every write any process made.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "holoshop:",
        ttl_s: int = DEFAULT_TTL_S,
        timeout_s: float = 0.25,
        cooldown_s: float = 5.0,
    ) -> None:
        # No retries: a miss is cheap, a request waiting on a dead Redis is not.
        self._redis = redis.Redis.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0),
        )
        self._prefix = prefix
        self._ttl_s = ttl_s
        self._cooldown_s = cooldown_s
        self._down_until = 0.0
        self._missed: set[str] = set()
        self._lock = threading.Lock()
        self._put_if_newer = self._redis.register_script(_PUT_IF_NEWER)

    def key(self, token: str) -> str:
        """The Redis key of a cart."""
        return f"{self._prefix}cart:{token}"

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, action: str, exc: Exception, token: str | None = None) -> None:
        with self._lock:
            first = self._available()
            self._down_until = time.monotonic() + self._cooldown_s
        if token is not None:
            self._miss(token)
        if first:  # once per outage window, not once per request
            log.warning("redis %s failed, using the database for %.0f s: %s", action, self._cooldown_s, exc)

    def _miss(self, token: str) -> None:
        with self._lock:
            if len(self._missed) < _MAX_MISSED:
                self._missed.add(token)
            elif token not in self._missed:
                log.error("too many carts missed their cache write; %s may be stale until its TTL", token)

    def _heal(self) -> None:
        """Deletes the entries whose write-through was missed; called once Redis has answered."""
        with self._lock:
            if not self._missed:
                return
            tokens, self._missed = self._missed, set()
        try:
            self._redis.delete(*(self.key(t) for t in tokens))
        except redis.RedisError as exc:
            with self._lock:
                self._missed |= tokens
            self._failed("delete", exc)
        else:
            log.info("redis is back: dropped %d cached carts written during the outage", len(tokens))

    def get(self, token: str) -> CartRead | None:
        if not self._available():
            return None
        self._heal()
        with self._lock:
            if token in self._missed:  # older than the database and not deleted yet
                return None
        if not self._available():
            return None
        try:
            raw = self._redis.get(self.key(token))
        except redis.RedisError as exc:
            self._failed("read", exc)
            return None
        if not isinstance(raw, bytes | str) or len(raw) > _MAX_ENTRY:
            return None
        try:
            return _decode(raw)
        except (ValueError, KeyError, TypeError, ValidationError):
            log.warning("unreadable cached cart dropped")
            self._miss(token)
            self._heal()
            return None

    def put(self, cart: CartRead) -> None:
        if not self._available():
            self._miss(cart.token)
            return
        try:
            self._put_if_newer(keys=[self.key(cart.token)], args=[_encode(cart), cart.version, self._ttl_s])
        except redis.RedisError as exc:
            self._failed("write", exc, cart.token)
            return
        with self._lock:
            self._missed.discard(cart.token)
        self._heal()

    def drop(self, token: str) -> None:
        if not self._available():
            self._miss(token)
            return
        try:
            self._redis.set(self.key(token), _TOMBSTONE, ex=self._ttl_s)
        except redis.RedisError as exc:
            self._failed("delete", exc, token)
            return
        with self._lock:
            self._missed.discard(token)
        self._heal()

    def close(self) -> None:
        self._redis.close()


def make_cart_cache(redis_url: str | None) -> CartCache:
    """Redis when a URL is configured, else no cache."""
    return RedisCartCache(redis_url) if redis_url else NullCartCache()
