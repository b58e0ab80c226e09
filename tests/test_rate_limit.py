"""Rate limits in memory and in the real Redis at 127.0.0.1:6379: windows, keys, 429 with Retry-After
on login (per client and email) and on any route that takes the dependency, and a Redis that is down.

Every Redis test counts under its own random prefix and deletes only its own keys afterwards, so
parallel runs on one server never meet."""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import redis
from argon2 import PasswordHasher
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from commerce_api.account_routes import accounts_router
from commerce_api.accounts import AccountPolicy
from commerce_api.db import make_engine, migrate, session_factory
from commerce_api.rate_limit import (
    Decision,
    MemoryRateLimiter,
    Rate,
    RateLimit,
    RateLimiter,
    RateLimits,
    RedisRateLimiter,
)
from holoshop.config import Settings

REDIS_URL = os.environ.get("HOLOSHOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "correct horse battery"
POLICY = AccountPolicy(
    secret="test-secret-" + "r" * 40, hasher=PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
)
LIMITERS = ("memory", "redis")

MakeLimiter = Callable[[Rate], RateLimiter]


class Clock:
    """A clock the test moves by hand, for the memory limiter's windows."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client: redis.Redis) -> Iterator[str]:
    """A key prefix no other test or run uses; its keys are deleted after the test (never FLUSHALL)."""
    prefix = f"holoshop-test:{uuid.uuid4().hex}:"
    yield prefix
    keys = list(redis_client.scan_iter(match=prefix + "*"))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture(params=LIMITERS)
def make_limiter(request: pytest.FixtureRequest) -> MakeLimiter:
    if request.param == "memory":
        return MemoryRateLimiter
    client: redis.Redis = request.getfixturevalue("redis_client")
    prefix: str = request.getfixturevalue("prefix")
    return lambda rate: RedisRateLimiter(client, rate, prefix=prefix)


# --- rates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("10/minute", Rate(10, 60)),
        ("20/min", Rate(20, 60)),
        ("5/30s", Rate(5, 30)),
        (" 3 / 2 hours ", Rate(3, 7200)),
        ("1000/day", Rate(1000, 86400)),
        ("1/second", Rate(1, 1)),
    ],
)
def test_rates_parse(text: str, rate: Rate) -> None:
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["", "10", "0/minute", "10/0s", "10/fortnight", "-1/minute", "ten/minute"])
def test_bad_rates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Rate.parse(text)


def test_settings_validate_rates_and_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings()
    assert settings.redis_url is None and settings.cors_origins == []
    assert Rate.parse(settings.login_rate_limit) == Rate(10, 60)
    assert Rate.parse(settings.checkout_rate_limit) == Rate(20, 60)
    monkeypatch.setenv("HOLOSHOP_LOGIN_RATE_LIMIT", "3/30s")
    monkeypatch.setenv("HOLOSHOP_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("HOLOSHOP_CORS_ORIGINS", '["https://shop.example", "http://localhost:5173"]')
    settings = Settings()
    assert settings.login_rate_limit == "3/30s" and settings.redis_url == REDIS_URL
    assert settings.cors_origins == ["https://shop.example", "http://localhost:5173"]
    for name, value in [
        ("HOLOSHOP_LOGIN_RATE_LIMIT", "0/minute"),
        ("HOLOSHOP_CHECKOUT_RATE_LIMIT", "lots"),
        ("HOLOSHOP_CORS_ORIGINS", '["https://shop.example/"]'),  # a path never matches an Origin
    ]:
        monkeypatch.setenv(name, value)
        with pytest.raises(ValidationError):
            Settings()
        monkeypatch.delenv(name)


# --- limiters --------------------------------------------------------------------------------------


def test_limit_then_refuse_with_retry_after(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(Rate(3, 60))
    assert [limiter.hit("a").allowed for _ in range(3)] == [True, True, True]
    refused = limiter.hit("a")
    assert not refused.allowed and 59 <= refused.retry_after <= 60
    assert limiter.hit("b") == Decision(True)  # keys count apart
    assert not limiter.hit("a").allowed  # refusals do not open a new window


def test_window_ends_and_counting_starts_again(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(Rate(2, 1))
    assert limiter.hit("k").allowed and limiter.hit("k").allowed
    refused = limiter.hit("k")
    assert not refused.allowed and refused.retry_after == 1
    time.sleep(1.1)
    assert limiter.hit("k").allowed


def test_memory_windows_follow_the_clock_and_stay_bounded() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(Rate(1, 10), max_keys=100, clock=clock)
    assert limiter.hit("x").allowed
    clock.now += 7.2
    assert limiter.hit("x") == Decision(False, 3)
    clock.now += 2.8
    assert limiter.hit("x").allowed  # the window ended exactly now
    for i in range(1000):
        limiter.hit(f"flood-{i}")
    assert len(limiter) <= 100
    clock.now += 11
    limiter.hit("after")
    assert len(limiter) <= 100


def test_redis_keys_expire_with_their_window(redis_client: redis.Redis, prefix: str) -> None:
    limiter = RedisRateLimiter(redis_client, Rate(5, 30), prefix=prefix)
    limiter.hit("login:203.0.113.9")
    keys = [k.decode() for k in redis_client.scan_iter(match=prefix + "*")]
    assert keys == [prefix + "login:203.0.113.9"]
    assert 29_000 <= int(redis_client.pttl(keys[0])) <= 30_000
    assert int(redis_client.get(keys[0]) or 0) == 1


def test_redis_limiters_share_counts_like_replicas(redis_client: redis.Redis, prefix: str) -> None:
    replica_a = RedisRateLimiter(redis_client, Rate(2, 60), prefix=prefix)
    replica_b = RedisRateLimiter(redis.Redis.from_url(REDIS_URL), Rate(2, 60), prefix=prefix)
    assert replica_a.hit("k").allowed and replica_b.hit("k").allowed
    assert not replica_a.hit("k").allowed and not replica_b.hit("k").allowed
    replica_b.close()


def test_unreachable_redis_lets_requests_through_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    client = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, socket_timeout=0.2)
    limiter = RedisRateLimiter(client, Rate(1, 60), prefix="unused:")
    with caplog.at_level(logging.WARNING, "holoshop.rate_limit"):
        decisions = [limiter.hit("k") for _ in range(3)]
    assert decisions == [Decision(True)] * 3
    warnings = [r for r in caplog.records if "Redis is unavailable" in r.getMessage()]
    assert len(warnings) == 1  # not once per request
    client.close()


# --- over HTTP -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shop(module_database: str) -> Iterator[sessionmaker[Session]]:
    migrate(module_database)
    engine = make_engine(module_database)
    yield session_factory(engine)
    engine.dispose()


def _app(shop: sessionmaker[Session], limits: RateLimits) -> FastAPI:
    """The accounts API with the login limit, and a checkout-like route taking the checkout one."""
    app = FastAPI()
    app.include_router(accounts_router(shop, POLICY, login_limit=limits.login))
    router = APIRouter()

    @router.post("/api/checkout", status_code=201, dependencies=[Depends(limits.checkout)])
    def checkout() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(router)
    return app


@pytest.fixture(params=LIMITERS)
def limits(request: pytest.FixtureRequest) -> Iterator[RateLimits]:
    if request.param == "memory":
        built = RateLimits.build(None, "3/minute", "2/minute")
    else:
        prefix: str = request.getfixturevalue("prefix")
        built = RateLimits.build(REDIS_URL, "3/minute", "2/minute", prefix=prefix)
        assert isinstance(built.login.limiter, RedisRateLimiter)
    yield built
    built.close()


def _login(client: TestClient, email: str, password: str = PASSWORD) -> int:
    status: int = client.post("/api/accounts/login", json={"email": email, "password": password}).status_code
    return status


def test_login_is_limited_per_client_and_email(shop: sessionmaker[Session], limits: RateLimits) -> None:
    email = f"limited-{uuid.uuid4().hex[:10]}@example.com"
    other = f"other-{uuid.uuid4().hex[:10]}@example.com"
    app = _app(shop, limits)
    with (
        TestClient(app, client=("198.51.100.7", 4000)) as client,
        TestClient(app, client=("198.51.100.8", 4000)) as neighbour,
    ):
        created = client.post("/api/accounts/register", json={"email": email, "password": PASSWORD})
        assert created.status_code == 201
        assert [_login(client, email, "wrong password!") for _ in range(3)] == [401, 401, 401]
        refused = client.post("/api/accounts/login", json={"email": email.upper(), "password": PASSWORD})
        assert refused.status_code == 429  # even the right password, and the address's case is no way out
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        detail = refused.json()["detail"]
        assert detail.startswith("too many login attempts; try again in ") and detail.endswith(" seconds")
        assert _login(client, other) == 401  # another email from the same client still gets through
        assert _login(neighbour, email) == 200  # and the same email from another client
        # Registration is not login: it is not counted or refused by this limit.
        again = client.post("/api/accounts/register", json={"email": email, "password": PASSWORD})
        assert again.status_code == 409


def test_checkout_dependency_limits_per_client(shop: sessionmaker[Session], limits: RateLimits) -> None:
    app = _app(shop, limits)
    with (
        TestClient(app, client=("2001:db8:1:2::10", 4000)) as client,
        TestClient(app, client=("2001:db8:1:2::99", 4000)) as same_subnet,
        TestClient(app, client=("2001:db8:1:3::10", 4000)) as elsewhere,
    ):
        assert [client.post("/api/checkout").status_code for _ in range(2)] == [201, 201]
        refused = same_subnet.post("/api/checkout")  # one /64 is one client
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert refused.json() == {
            "detail": f"too many checkout attempts; try again in {refused.headers['Retry-After']} seconds"
        }
        assert elsewhere.post("/api/checkout").status_code == 201


def test_limit_key_is_bounded_and_hides_the_email() -> None:
    limit = RateLimit(MemoryRateLimiter(Rate(1, 60)), "login", body_field="email")
    body = b'{"email": "' + b"A" * 5000 + b'@Example.com", "password": "x"}'

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [], "client": ("::ffff:192.0.2.1", 1)}
    key = asyncio.run(limit.key(Request(scope, receive)))
    assert key.startswith("login:192.0.2.1:") and len(key) == len("login:192.0.2.1:") + 32
    assert "example" not in key.lower()
