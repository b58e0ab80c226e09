"""Rate limits for the doors worth guessing at: login (per client and email) and checkout (per client).

One interface, `RateLimiter.hit(key) -> Decision`, with two implementations: `MemoryRateLimiter`
for the embedded process and `RedisRateLimiter` where several replicas must share one count. Both
count in fixed windows that open at a key's first hit, so a client gets `limit` hits per window
(at worst twice that across a window's edge, which is acceptable for a brake on guessing).

`RateLimit` makes a limiter a FastAPI dependency keyed by scope, client address and optionally a
JSON body field: `@router.post("/checkout", dependencies=[Depends(limits.checkout)])`. Over the
limit the request gets 429 with `Retry-After` before the endpoint runs.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

if TYPE_CHECKING:
    import redis

__all__ = [
    "RATE_PATTERN",
    "RATE_LIMITED_RESPONSE",
    "Decision",
    "MemoryRateLimiter",
    "Rate",
    "RateLimit",
    "RateLimiter",
    "RateLimits",
    "RedisRateLimiter",
    "client_address",
]

log = logging.getLogger("holoshop.rate_limit")

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
_UNITS |= {"d": 86400, "day": 86400}
# "10/minute", "5/30s", "100 / hour": a count, then a window of an optional multiple of a unit.
RATE_PATTERN = (
    r"^\s*[1-9][0-9]{0,8}\s*/\s*([1-9][0-9]{0,5}\s*)?(s|sec|second|m|min|minute|h|hour|d|day)s?\s*$"
)
_RATE = re.compile(RATE_PATTERN)
RATE_LIMITED_RESPONSE: dict[int | str, dict[str, Any]] = {
    429: {"description": "too many requests; the Retry-After header says how many seconds to wait"}
}


@dataclass(frozen=True)
class Rate:
    """At most `limit` hits per `window` seconds."""

    limit: int
    window: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= 0:
            raise ValueError(f"a rate needs a limit of at least 1 and a positive window, not {self}")

    @classmethod
    def parse(cls, text: str) -> Rate:
        """`"10/minute"`, `"5/30s"`, `"1000/day"` -> a Rate; ValueError for anything else."""
        match = _RATE.fullmatch(text)
        if match is None:
            raise ValueError(f"{text!r} is not a rate such as '10/minute' or '5/30s'")
        count = int(text.split("/", 1)[0])
        multiple = int(match.group(1) or 1)
        return cls(count, float(multiple * _UNITS[match.group(2)]))


@dataclass(frozen=True)
class Decision:
    """Whether a hit may pass; if not, the whole seconds until one will (at least 1)."""

    allowed: bool
    retry_after: int = 0


class RateLimiter(Protocol):
    """Counts hits per key within a window of its rate; thread-safe, called off the event loop."""

    rate: Rate

    def hit(self, key: str) -> Decision: ...

    def close(self) -> None: ...


def _retry_after(seconds: float) -> int:
    return max(1, math.ceil(seconds))


class MemoryRateLimiter:
    """Counts in this process: right for the embedded server, wrong behind several replicas.

    At most `max_keys` windows are kept: when full, expired windows go first, then the oldest,
    so a flood of distinct keys costs bounded memory (and at worst forgets some counts).
    """

    def __init__(
        self, rate: Rate, *, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self._max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window ends at, hits), oldest first

    def hit(self, key: str) -> Decision:
        now = self._clock()
        with self._lock:
            ends_at, hits = self._windows.get(key, (0.0, 0))
            if now >= ends_at:
                self._windows.pop(key, None)  # re-inserted below, at the young end
                if len(self._windows) >= self._max_keys:
                    self._prune(now)
                ends_at, hits = now + self.rate.window, 0
            if hits >= self.rate.limit:
                return Decision(False, _retry_after(ends_at - now))
            self._windows[key] = (ends_at, hits + 1)
            return Decision(True)

    def _prune(self, now: float) -> None:
        self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
        excess = len(self._windows) - self._max_keys + max(1, self._max_keys // 10)
        for key in list(self._windows)[: max(0, excess)]:
            del self._windows[key]

    def __len__(self) -> int:
        return len(self._windows)

    def close(self) -> None:
        with self._lock:
            self._windows.clear()


# One round trip, atomic: count the hit, start the window's clock on the first one, report the time
# left. A key that somehow lost its expiry gets one again rather than blocking forever.
_HIT_SCRIPT = """
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
return {hits, ttl}
"""


class RedisRateLimiter:
    """Counts in Redis under `prefix + key`, shared by every replica; keys expire with their window.

    When Redis cannot be reached the hit is allowed and a warning logged (at most once a minute):
    a limiter that is down must not take login and checkout down with it.
    """

    def __init__(self, client: redis.Redis, rate: Rate, *, prefix: str = "holoshop:rate:") -> None:
        self.rate = rate
        self.prefix = prefix
        self._client = client
        self._script = client.register_script(_HIT_SCRIPT)
        self._window_ms = max(1, round(rate.window * 1000))
        self._last_warning = -math.inf

    def hit(self, key: str) -> Decision:
        import redis

        try:
            hits, ttl_ms = cast(list[int], self._script(keys=[self.prefix + key], args=[self._window_ms]))
        except redis.RedisError as exc:
            now = time.monotonic()
            if now - self._last_warning >= 60:
                self._last_warning = now
                log.warning("rate limit not enforced, Redis is unavailable: %s", exc)
            return Decision(True)
        if int(hits) <= self.rate.limit:
            return Decision(True)
        return Decision(False, _retry_after(int(ttl_ms) / 1000))

    def close(self) -> None:
        self._client.close()


def client_address(request: Request) -> str:
    """Who is asking: the peer address (behind a proxy, run uvicorn with --proxy-headers and
    --forwarded-allow-ips so that it is the client's). An IPv6 client is its /64, since one host
    commonly holds a whole /64 and could otherwise step around its limit."""
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(frozen=True)
class RateLimit:
    """A FastAPI dependency applying `limiter` per client address (and per `body_field` of the JSON
    body, lower-cased and hashed, so no email is stored in the clear) under the name `scope`."""

    limiter: RateLimiter
    scope: str
    body_field: str | None = None
    describe: str = "requests"

    async def key(self, request: Request) -> str:
        key = f"{self.scope}:{client_address(request)}"
        if self.body_field is not None:
            try:
                body = await request.json()  # FastAPI has already read and cached it
            except ValueError:
                body = None
            value = body.get(self.body_field) if isinstance(body, dict) else None
            if isinstance(value, str):
                digest = hashlib.sha256(value.strip().lower().encode("utf-8", "replace")).hexdigest()
                key += f":{digest[:32]}"
        return key

    async def __call__(self, request: Request) -> None:
        decision = await run_in_threadpool(self.limiter.hit, await self.key(request))
        if not decision.allowed:
            raise HTTPException(
                429,
                f"too many {self.describe}; try again in {decision.retry_after} seconds",
                headers={"Retry-After": str(decision.retry_after)},
            )


@dataclass(frozen=True)
class RateLimits:
    """The shop's limits, built once per app: `login` and `checkout` dependencies sharing one backend."""

    login: RateLimit
    checkout: RateLimit
    _close: Callable[[], None]

    @classmethod
    def build(
        cls, redis_url: str | None, login: str, checkout: str, *, prefix: str = "holoshop:rate:"
    ) -> RateLimits:
        """In-process limiters, or Redis ones when `redis_url` is set (connecting lazily, on first use)."""
        login_rate, checkout_rate = Rate.parse(login), Rate.parse(checkout)
        limiters: tuple[RateLimiter, RateLimiter]
        if redis_url:
            import redis

            client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
            limiters = (
                RedisRateLimiter(client, login_rate, prefix=prefix),
                RedisRateLimiter(client, checkout_rate, prefix=prefix),
            )
            close: Callable[[], None] = client.close
        else:
            limiters = (MemoryRateLimiter(login_rate), MemoryRateLimiter(checkout_rate))

            def close() -> None:
                for limiter in limiters:
                    limiter.close()

        return cls(
            login=RateLimit(limiters[0], "login", body_field="email", describe="login attempts"),
            checkout=RateLimit(limiters[1], "checkout", describe="checkout attempts"),
            _close=close,
        )

    def close(self) -> None:
        self._close()
