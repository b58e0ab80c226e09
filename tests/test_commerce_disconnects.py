"""Clients that hang up mid-request leave no pooled connection behind, on SQLite and PostgreSQL.

The API benchmark once drained the pool this way (a `yield` dependency's session close skipped for
requests whose clients went away), so every router now opens its session in the endpoint body. Here
a real uvicorn server runs every commerce router over a pool of two connections with every query
slowed down; clients give up before the answer; then the pool must be whole again and the next
requests answered at once. Note: with FastAPI 0.165 and uvicorn 0.54 the old yield dependencies
pass this too (a hang-up does not cancel a plain request there, and the dependency's exit is
shielded), so this guards the outcome on every router, not that one mechanism.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import Engine, event

from commerce_api import accounts, admin
from commerce_api.account_routes import accounts_router
from commerce_api.accounts import AccountPolicy
from commerce_api.admin_routes import admin_router
from commerce_api.cart_cache import NullCartCache
from commerce_api.cart_routes import carts_router
from commerce_api.checkout_routes import checkout_router
from commerce_api.db import make_engine, migrate, session_factory
from commerce_api.payments.offline_provider import OfflineProvider
from commerce_api.routes import commerce_router
from commerce_api.seed import seed_catalog
from tests.net import free_port
from tests.shop_helpers import RECORDS, fill_cart, variant_id

POLICY = AccountPolicy(
    secret="test-secret-" + "d" * 40, hasher=PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
)
ADDRESS = {"name": "Ada Buyer", "line1": "Rue 1", "city": "Paris", "postal_code": "75001", "country": "FR"}
POOL_SIZE = 2
SLOW_QUERY_S = 0.4
HANG_UP_AFTER_S = 0.1
HANG_UPS = 6  # three times the pool: one leak per hang-up would drain it three times over


@contextmanager
def _serving(app: FastAPI) -> Iterator[str]:
    """`app` under a real uvicorn server (real sockets, real hang-ups) in a thread; its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


_SLOW = threading.Event()


def _maybe_sleep(*_: Any) -> None:
    if _SLOW.is_set():
        time.sleep(SLOW_QUERY_S)


@contextmanager
def _slow_queries() -> Iterator[None]:
    """Every statement takes SLOW_QUERY_S meanwhile, so a request holds its connection when its
    client leaves (a flag, not a listener added and removed under running requests)."""
    _SLOW.set()
    try:
        yield
    finally:
        _SLOW.clear()


@pytest.fixture(scope="module")
def engine(module_database: str) -> Iterator[Engine]:
    migrate(module_database)
    engine = make_engine(module_database, pool_size=POOL_SIZE, max_overflow=0, pool_timeout=3)
    event.listen(engine, "before_cursor_execute", _maybe_sleep)
    seed_catalog(session_factory(engine), RECORDS)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def base_url(engine: Engine) -> Iterator[str]:
    sessions = session_factory(engine)
    cache = NullCartCache()
    app = FastAPI()
    app.include_router(commerce_router(sessions))
    app.include_router(accounts_router(sessions, POLICY, cache))
    app.include_router(carts_router(sessions, POLICY, cache))
    app.include_router(checkout_router(sessions, POLICY, OfflineProvider(), cart_cache=cache))
    app.include_router(admin_router(sessions, POLICY, OfflineProvider()))
    with _serving(app) as url:
        yield url


def _bearer(engine: Engine, staff: bool) -> dict[str, str]:
    sessions = session_factory(engine)
    email = f"hangup-{uuid.uuid4().hex[:10]}@example.com"
    with sessions() as session:
        account = accounts.register(session, POLICY, email, "correct horse battery")
        if staff:
            admin.set_staff(session, email, True)
        token = accounts.issue_tokens(session, POLICY, account.id).access_token
    return {"Authorization": f"Bearer {token}"}


def _requests(engine: Engine) -> dict[str, tuple[str, str, dict[str, Any], dict[str, str]]]:
    """One request per router (and per session-taking dependency): method, path, JSON body, headers."""
    sessions = session_factory(engine)
    shopper, staff = _bearer(engine, staff=False), _bearer(engine, staff=True)
    token = fill_cart(sessions, {variant_id(sessions, "vase"): 1})
    checkout = {"cart_token": token, "email": "ada@example.com", "address": ADDRESS}
    return {
        "catalog": ("GET", "/api/catalog/products", {}, {}),
        "account": ("GET", "/api/accounts/me", {}, shopper),
        "login": ("POST", "/api/accounts/login", {"email": "nobody@example.com", "password": "wrong"}, {}),
        "cart": ("GET", f"/api/carts/{token}", {}, {}),
        "account cart": ("GET", "/api/cart", {}, shopper),
        "quote": ("POST", "/api/checkout/quote", checkout, {}),
        "orders": ("GET", "/api/accounts/me/orders", {}, shopper),
        "admin": ("GET", "/api/admin/orders", {}, staff),
    }


def _hang_up(
    base_url: str, method: str, path: str, body: dict[str, Any], headers: dict[str, str]
) -> list[str]:
    """HANG_UPS clients at once, each closing its connection before the answer; what each got."""
    outcomes: list[str] = []

    def one() -> None:
        with httpx.Client(base_url=base_url, timeout=HANG_UP_AFTER_S) as client:
            try:
                response = client.request(method, path, json=body or None, headers=headers)
            except httpx.TimeoutException:
                outcomes.append("hung up")
            else:
                outcomes.append(f"answered {response.status_code}")

    threads = [threading.Thread(target=one) for _ in range(HANG_UPS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _settled(engine: Engine, within_s: float) -> int:
    """The connections still checked out once the abandoned requests had time to finish."""
    deadline = time.monotonic() + within_s
    while engine.pool.checkedout() and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.05)
    checked_out: int = engine.pool.checkedout()  # type: ignore[attr-defined]
    return checked_out


def test_hang_ups_mid_request_leak_no_connection(engine: Engine, base_url: str) -> None:
    requests = _requests(engine)
    for name, (method, path, body, headers) in requests.items():
        with _slow_queries():
            outcomes = _hang_up(base_url, method, path, body, headers)
        assert outcomes == ["hung up"] * HANG_UPS, f"{name}: {outcomes}"
        # every abandoned request finishes its queries (at most HANG_UPS of them, a few each)
        assert _settled(engine, within_s=HANG_UPS * 6 * SLOW_QUERY_S) == 0, f"{name} leaked a connection"
    with httpx.Client(base_url=base_url, timeout=2) as client:  # well under pool_timeout per request
        for name, (method, path, body, headers) in requests.items():
            for _ in range(POOL_SIZE + 1):
                response = client.request(method, path, json=body or None, headers=headers)
                assert response.status_code < 500, f"{name}: {response.status_code} {response.text}"
