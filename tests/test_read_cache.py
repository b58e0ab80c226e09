"""The catalog read cache: answers kept for their moment and no longer, bounded, and cleared by a
staff edit through the app (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from commerce_api import accounts, admin
from commerce_api.db import make_engine, session_factory
from commerce_api.models import Variant
from commerce_api.read_cache import ReadCache
from commerce_api.routes import commerce_router
from holoshop.commerce_app import account_policy, create_commerce_app
from holoshop.config import Settings
from tests.shop_helpers import small_shop


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_entries_live_for_their_ttl_only() -> None:
    clock = _Clock()
    cache = ReadCache(1.0, clock=clock, jitter=0.0)
    assert cache.get("a") is None
    cache.put("a", b"1")
    assert cache.get("a") == b"1"
    clock.now += 0.99
    assert cache.get("a") == b"1"
    clock.now += 0.02
    assert cache.get("a") is None
    assert cache.lookup("a") == (b"1", False), "just lapsed: served while one request refreshes it"
    clock.now += 1.0
    assert cache.lookup("a") == (None, False), "lapsed more than a ttl ago: not served at all"
    assert cache.hits == 2


def test_lifetimes_are_spread_over_the_last_part_of_the_ttl() -> None:
    clock = _Clock()
    cache = ReadCache(10.0, clock=clock, jitter=0.2)
    for key in range(200):
        cache.put(key, b"x")
    clock.now += 7.99
    assert all(cache.get(key) == b"x" for key in range(200))
    clock.now += 1.0  # 8.99 s: about half of the lifetimes, spread over 8 to 10 s, are over
    lapsed = sum(cache.get(key) is None for key in range(200))
    assert 0 < lapsed < 200, "some lapsed by 9 s, not all at once"
    clock.now += 1.02
    assert all(cache.get(key) is None for key in range(200))


def test_the_least_recently_used_entries_go_first() -> None:
    cache = ReadCache(60.0, max_entries=2)
    cache.put("a", b"1")
    cache.put("b", b"2")
    assert cache.get("a") == b"1"  # "b" is now the oldest use
    cache.put("c", b"3")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"1", None, b"3")
    cache.clear()
    assert cache.get("a") is None


def test_a_zero_ttl_keeps_nothing() -> None:
    cache = ReadCache(0.0)
    cache.put("a", b"1")
    assert cache.get("a") is None


@pytest.fixture
def app_and_url(empty_database: str) -> Iterator[tuple[TestClient, str, Settings]]:
    settings = Settings(database_url=empty_database, catalog_cache_seconds=3600, sweep_seconds=3600)
    with TestClient(create_commerce_app(settings)) as client:
        yield client, empty_database, settings


def test_listing_is_served_from_the_cache_until_a_staff_edit(
    app_and_url: tuple[TestClient, str, Settings],
) -> None:
    client, url, settings = app_and_url
    first = client.get("/api/catalog/products?limit=1").json()["items"][0]
    variant = first["variants"][0]
    engine = make_engine(url)
    try:
        sessions = session_factory(engine)
        with sessions() as session, session.begin():  # a change behind the API's back
            session.scalars(select(Variant).where(Variant.id == variant["id"])).one().stock = 7
        cached = client.get("/api/catalog/products?limit=1").json()["items"][0]
        assert cached["variants"][0]["stock"] == variant["stock"], "answered from the cache"
        uncached = client.get(f"/api/catalog/products/{first['id']}").json()
        assert uncached["variants"][0]["stock"] == 7, "single products are always read fresh"

        policy = account_policy(settings)
        email = f"staff-{uuid.uuid4().hex[:8]}@example.com"
        with sessions() as session:
            account = accounts.register(session, policy, email, "correct horse battery")
            admin.set_staff(session, email, True)
            token = accounts.issue_tokens(session, policy, account.id).access_token
        edit = client.put(
            f"/api/admin/products/{first['id']}/variants/{variant['id']}/stock",
            json={"stock": 9},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert edit.status_code == 200, edit.text
        fresh = client.get("/api/catalog/products?limit=1").json()["items"][0]
        assert fresh["variants"][0]["stock"] == 9
    finally:
        engine.dispose()


def test_concurrent_readers_share_one_query(empty_database: str) -> None:
    """With nothing cached (ttl 0), 32 simultaneous identical searches still cost one search."""
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "FROM product" in statement:
            statements.append(statement)

    async def burst(app: FastAPI) -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
            answers = await asyncio.gather(*(client.get("/api/search?q=lamp") for _ in range(32)))
        return [a.status_code for a in answers]

    with small_shop(empty_database) as sessions:
        app = FastAPI()
        app.include_router(commerce_router(sessions, cache=ReadCache(0.0)))
        event.listen(sessions.kw["bind"], "before_cursor_execute", count)
        statuses = asyncio.run(burst(app))
        alone = len(statements)
        statements.clear()
        asyncio.run(burst(app))
    assert statuses == [200] * 32
    assert 0 < alone <= 4, f"{alone} statements: one search's, not one per reader"
    assert 0 < len(statements) <= 4
