"""The carts API over HTTP on SQLite and PostgreSQL: the contract's shapes and status codes, account
carts behind their Bearer, merging on login, bad input, and a Redis fast path that may be down."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
import redis
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from commerce_api.account_routes import accounts_router
from commerce_api.accounts import AccountPolicy
from commerce_api.cart_cache import CartCache, NullCartCache, RedisCartCache
from commerce_api.cart_routes import carts_router
from holoshop.server import create_app
from tests.test_carts import REDIS_URL, closed_port, stocked_variant
from tests.test_server import settings

PASSWORD = "correct horse battery"
POLICY = AccountPolicy(
    secret="cart-test-secret-" + "k" * 40,
    hasher=PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1),
)
CART_KEYS = {"token", "items", "count", "subtotal_minor", "currency"}
ITEM_KEYS = {
    "variant_id",
    "product_id",
    "product_name",
    "variant_name",
    "sku",
    "unit_price_minor",
    "currency",
    "quantity",
    "line_total_minor",
    "in_stock",
}


def shop_app(sessions: sessionmaker[Session], cache: CartCache) -> FastAPI:
    app = FastAPI()
    app.include_router(accounts_router(sessions, POLICY, cache))
    app.include_router(carts_router(sessions, POLICY, cache))
    return app


@pytest.fixture(scope="module")
def client(demo_shop: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(shop_app(demo_shop, NullCartCache())) as c:
        yield c


def _ok(response: httpx2.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _new_cart(client: TestClient) -> str:
    token: str = _ok(client.post("/api/carts"), 201)["token"]
    return token


def _account(client: TestClient) -> tuple[str, dict[str, str]]:
    """A new account's email and its Bearer header."""
    email = f"cart-{uuid.uuid4().hex[:12]}@example.com"
    _ok(client.post("/api/accounts/register", json={"email": email, "password": PASSWORD}), 201)
    tokens = _ok(client.post("/api/accounts/login", json={"email": email, "password": PASSWORD}))
    return email, {"Authorization": f"Bearer {tokens['access_token']}"}


def test_guest_cart_add_and_add_again(client: TestClient, demo_shop: sessionmaker[Session]) -> None:
    variant_id, sku = stocked_variant(demo_shop, stock=10, price_minor=500)
    created = _ok(client.post("/api/carts"), 201)
    assert set(created) == CART_KEYS and len(created["token"]) == 43 and created["count"] == 0
    token = created["token"]
    _ok(client.post(f"/api/carts/{token}/items", json={"variant_id": variant_id}))
    cart = _ok(client.post(f"/api/carts/{token}/items", json={"variant_id": variant_id, "quantity": 2}))
    assert set(cart) == CART_KEYS and set(cart["items"][0]) == ITEM_KEYS
    assert cart["count"] == 3 and cart["subtotal_minor"] == 1500 and cart["currency"] == "EUR"
    assert cart["items"][0]["sku"] == sku and cart["items"][0]["in_stock"] == 10
    assert _ok(client.get(f"/api/carts/{token}")) == cart


def test_add_by_product_and_variant_index(client: TestClient) -> None:
    token = _new_cart(client)
    cart = _ok(
        client.post(f"/api/carts/{token}/items", json={"product_id": "oslo-lounge-chair", "variant_index": 2})
    )
    assert cart["items"][0]["variant_name"] == "Rust" and cart["count"] == 1


def test_stock_limit_is_409(client: TestClient, demo_shop: sessionmaker[Session]) -> None:
    variant_id, sku = stocked_variant(demo_shop, stock=2)
    token = _new_cart(client)
    response = client.post(f"/api/carts/{token}/items", json={"variant_id": variant_id, "quantity": 3})
    assert response.status_code == 409 and response.json() == {"detail": f"only 2 left of {sku}"}
    dollars, _ = stocked_variant(demo_shop, currency="USD")
    _ok(client.post(f"/api/carts/{token}/items", json={"variant_id": variant_id}))
    assert client.post(f"/api/carts/{token}/items", json={"variant_id": dollars}).status_code == 409


def test_unknowns_are_404(client: TestClient) -> None:
    token = _new_cart(client)
    assert client.post(f"/api/carts/{token}/items", json={"variant_id": 2**31 - 1}).status_code == 404
    assert client.post(f"/api/carts/{token}/items", json={"product_id": "nope"}).status_code == 404
    unknown = "A" * 43
    assert client.get(f"/api/carts/{unknown}").status_code == 404
    assert client.post(f"/api/carts/{unknown}/items", json={"variant_id": 1}).status_code == 404


def test_set_quantity_zero_removes_and_delete(client: TestClient, demo_shop: sessionmaker[Session]) -> None:
    a, _ = stocked_variant(demo_shop)
    b, _ = stocked_variant(demo_shop)
    token = _new_cart(client)
    _ok(client.post(f"/api/carts/{token}/items", json={"variant_id": a}))
    cart = _ok(client.put(f"/api/carts/{token}/items/{b}", json={"quantity": 4}))
    assert [(i["variant_id"], i["quantity"]) for i in cart["items"]] == [(a, 1), (b, 4)]
    cart = _ok(client.put(f"/api/carts/{token}/items/{a}", json={"quantity": 0}))
    assert [i["variant_id"] for i in cart["items"]] == [b]
    cart = _ok(client.delete(f"/api/carts/{token}/items/{b}"))
    assert cart["items"] == [] and cart["count"] == 0 and cart["currency"] is None


def test_account_cart_needs_its_bearer(client: TestClient, demo_shop: sessionmaker[Session]) -> None:
    _, owner = _account(client)
    _, other = _account(client)
    assert client.get("/api/cart").status_code == 401
    bad = client.get("/api/cart", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401 and "invalid_token" in bad.headers["WWW-Authenticate"]
    mine = _ok(client.get("/api/cart", headers=owner))
    assert _ok(client.post("/api/carts", headers=owner), 201)["token"] == mine["token"]
    token = mine["token"]
    variant_id, _ = stocked_variant(demo_shop)
    assert _ok(client.post(f"/api/carts/{token}/items", json={"variant_id": variant_id}, headers=owner))[
        "count"
    ]
    for headers in ({}, other):
        assert client.get(f"/api/carts/{token}", headers=headers).status_code == 403
        add = client.post(f"/api/carts/{token}/items", json={"variant_id": variant_id}, headers=headers)
        assert add.status_code == 403
        assert client.delete(f"/api/carts/{token}/items/{variant_id}", headers=headers).status_code == 403
    assert _ok(client.get(f"/api/carts/{token}", headers=owner))["count"] == 1
    # A guest cart stays open to anyone holding its token, signed in or not.
    guest = _new_cart(client)
    assert _ok(client.get(f"/api/carts/{guest}", headers=other))["token"] == guest


def test_merge_on_login(client: TestClient, demo_shop: sessionmaker[Session]) -> None:
    email, bearer = _account(client)
    scarce, scarce_sku = stocked_variant(demo_shop, stock=3)
    other, other_sku = stocked_variant(demo_shop)
    mine = _ok(client.get("/api/cart", headers=bearer))["token"]
    _ok(client.post(f"/api/carts/{mine}/items", json={"variant_id": scarce, "quantity": 2}, headers=bearer))
    guest = _new_cart(client)
    _ok(client.post(f"/api/carts/{guest}/items", json={"variant_id": scarce, "quantity": 2}))
    _ok(client.post(f"/api/carts/{guest}/items", json={"variant_id": other, "quantity": 1}))
    login = {"email": email, "password": PASSWORD, "cart_token": guest}
    tokens = _ok(client.post("/api/accounts/login", json=login))
    merged = _ok(client.get("/api/cart", headers={"Authorization": f"Bearer {tokens['access_token']}"}))
    assert merged["token"] == mine
    assert {i["sku"]: i["quantity"] for i in merged["items"]} == {scarce_sku: 3, other_sku: 1}
    assert client.get(f"/api/carts/{guest}").status_code == 404
    # The same token again (a second tab), or nonsense: the login still succeeds, nothing changes.
    for cart_token in (guest, "x"):
        _ok(client.post("/api/accounts/login", json=login | {"cart_token": cart_token}))
    assert _ok(client.get("/api/cart", headers=bearer)) == merged
    refused = client.post("/api/accounts/login", json=login | {"password": "wrong password!"})
    assert refused.status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/items", {"variant_id": 1, "quantity": 0}),
        ("post", "/items", {"variant_id": 1, "quantity": 100}),
        ("post", "/items", {"variant_id": 1, "product_id": "oslo-lounge-chair"}),
        ("post", "/items", {"variant_id": 1, "variant_index": 1}),
        ("post", "/items", {}),
        ("post", "/items", {"variant_id": 1, "price_minor": 0}),
        ("post", "/items", {"product_id": "x" * 129}),
        ("post", "/items", {"variant_id": "one"}),
        ("put", "/items/1", {"quantity": -1}),
        ("put", "/items/1", {"quantity": 100}),
        ("put", "/items/1", {}),
        ("put", "/items/0", {"quantity": 1}),
    ],
)
def test_bad_input_is_422(client: TestClient, method: str, path: str, body: dict[str, Any]) -> None:
    token = _new_cart(client)
    response = client.request(method, f"/api/carts/{token}{path}", json=body)
    assert response.status_code == 422, response.text


def test_invalid_json_and_bad_tokens_are_422(client: TestClient) -> None:
    token = _new_cart(client)
    broken = client.post(
        f"/api/carts/{token}/items", content=b'{"variant_id": ', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422
    for bad in ("short", "A" * 44, "A" * 42 + "!"):
        assert client.get(f"/api/carts/{bad}").status_code in (404, 422)
    assert client.get(f"/api/carts/{'A' * 44}").status_code == 422
    too_long = {"email": "a@example.com", "password": "x", "cart_token": "A" * 65}
    assert client.post("/api/accounts/login", json=too_long).status_code == 422


# The fast path over HTTP.


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = f"holoshop-test:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


def test_api_with_redis_writes_through(demo_shop: sessionmaker[Session], redis_prefix: str) -> None:
    cache = RedisCartCache(REDIS_URL, prefix=redis_prefix)
    variant_id, _ = stocked_variant(demo_shop)
    with TestClient(shop_app(demo_shop, cache)) as client:
        token = _new_cart(client)
        cart = _ok(client.post(f"/api/carts/{token}/items", json={"variant_id": variant_id}))
        cached = cache.get(token)
        assert cached is not None and cached.model_dump(mode="json") == cart
        assert _ok(client.get(f"/api/carts/{token}")) == cart
        email, bearer = _account(client)
        mine = _ok(client.get("/api/cart", headers=bearer))["token"]
        assert client.get(f"/api/carts/{mine}").status_code == 403  # the owner is checked on a hit
        login = {"email": email, "password": PASSWORD, "cart_token": token}
        _ok(client.post("/api/accounts/login", json=login))
        assert client.get(f"/api/carts/{token}").status_code == 404  # merged: gone from the cache too
        assert _ok(client.get(f"/api/carts/{mine}", headers=bearer))["count"] == 1
    cache.close()


def test_api_with_redis_down_still_works(demo_shop: sessionmaker[Session]) -> None:
    cache = RedisCartCache(f"redis://127.0.0.1:{closed_port()}/0")
    variant_id, _ = stocked_variant(demo_shop)
    with TestClient(shop_app(demo_shop, cache)) as client:
        token = _new_cart(client)
        _ok(client.post(f"/api/carts/{token}/items", json={"variant_id": variant_id, "quantity": 2}))
        assert _ok(client.get(f"/api/carts/{token}"))["count"] == 2
    cache.close()


def test_carts_are_wired_into_the_app(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    with TestClient(create_app(settings(database_url=url))) as client:
        token = _new_cart(client)
        cart = _ok(client.post(f"/api/carts/{token}/items", json={"product_id": "oslo-lounge-chair"}))
        assert cart["count"] == 1
        assert isinstance(client.app.state.cart_cache, NullCartCache)  # type: ignore[attr-defined]
