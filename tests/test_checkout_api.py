"""Checkout and orders over HTTP, on SQLite and PostgreSQL: what each bad request gets, idempotent
retries, order reads by guests and accounts, and an account's order history."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from commerce_api.account_routes import accounts_router
from commerce_api.accounts import AccountPolicy
from commerce_api.checkout_routes import checkout_router
from commerce_api.payments.offline_provider import DECLINED_METHOD, OfflineProvider
from tests.shop_helpers import fill_cart, order_count, set_stock, small_shop, stock_of, variant_id

POLICY = AccountPolicy(
    secret="test-secret-" + "k" * 40, hasher=PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
)
ADDRESS = {"name": "Ada Buyer", "line1": "Rue 1", "city": "Paris", "postal_code": "75001", "country": "FR"}


@pytest.fixture(scope="module")
def shop(module_database: str) -> Iterator[sessionmaker[Session]]:
    with small_shop(module_database) as sessions:
        yield sessions


@pytest.fixture(scope="module")
def client(shop: sessionmaker[Session]) -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(accounts_router(shop, POLICY))
    app.include_router(checkout_router(shop, POLICY, OfflineProvider()))
    with TestClient(app) as c:
        yield c


def _body(token: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"cart_token": token, "email": "ada@example.com", "address": ADDRESS}
    body.update(changes)
    return body


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _login(client: TestClient) -> tuple[int, dict[str, str]]:
    email, password = f"buyer-{uuid.uuid4().hex[:10]}@example.com", "correct horse battery"
    account = client.post("/api/accounts/register", json={"email": email, "password": password}).json()
    tokens = client.post("/api/accounts/login", json={"email": email, "password": password}).json()
    return int(account["id"]), {"Authorization": f"Bearer {tokens['access_token']}"}


def test_shipping_options_and_a_quote(client: TestClient, shop: sessionmaker[Session]) -> None:
    options = client.get("/api/checkout/shipping-options").json()
    assert [o["id"] for o in options] == ["standard", "express", "pickup"]
    assert all(o["currency"] == "EUR" for o in options)
    token = fill_cart(shop, {variant_id(shop, "vase"): 2})
    quote = client.post("/api/checkout/quote", json=_body(token, shipping_option="pickup"))
    assert quote.status_code == 200
    assert quote.json()["total_minor"] == 3_980 + 796  # FR VAT 20%, pickup is free


def test_checkout_answers_201_and_replays_a_retry(client: TestClient, shop: sessionmaker[Session]) -> None:
    lamp = variant_id(shop, "lamp")
    before = stock_of(shop, lamp)
    token = fill_cart(shop, {lamp: 1})
    key = _key()
    first = client.post("/api/checkout", json=_body(token), headers=key)
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "paid" and "Idempotent-Replayed" not in first.headers
    retry = client.post("/api/checkout", json=_body(token), headers=key)
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert stock_of(shop, lamp) == before - 1
    other = client.post("/api/checkout", json=_body(token, email="eve@example.com"), headers=key)
    assert other.status_code == 409 and "different request" in other.json()["detail"]
    order = client.get(f"/api/orders/{first.json()['id']}")
    assert order.status_code == 200 and order.json()["status"] == "paid"


@pytest.mark.parametrize(
    ("change", "status", "detail"),
    [
        ({"shipping_option": "teleport"}, 422, "no shipping option"),
        ({"address": {**ADDRESS, "country": "ZZ"}}, 422, "do not ship"),
        ({"email": "not-an-email"}, 422, None),
        ({"surprise": 1}, 422, None),
        ({"cart_token": "no-such-cart"}, 404, "no such cart"),
    ],
)
def test_bad_checkouts_get_clear_errors_and_take_nothing(
    client: TestClient, shop: sessionmaker[Session], change: dict[str, Any], status: int, detail: str | None
) -> None:
    vase = variant_id(shop, "vase")
    before, orders = stock_of(shop, vase), order_count(shop)
    response = client.post("/api/checkout", json=_body(fill_cart(shop, {vase: 1}), **change), headers=_key())
    assert response.status_code == status, response.text
    if detail is not None:
        assert detail in response.json()["detail"]
    assert (stock_of(shop, vase), order_count(shop)) == (before, orders)


def test_missing_key_invalid_json_empty_cart_and_sold_out(
    client: TestClient, shop: sessionmaker[Session]
) -> None:
    chair = variant_id(shop, "chair")
    token = fill_cart(shop, {chair: 2})
    assert client.post("/api/checkout", json=_body(token)).status_code == 422  # no Idempotency-Key
    junk = client.post(
        "/api/checkout", content=b"{not json", headers={**_key(), "Content-Type": "application/json"}
    )
    assert junk.status_code == 422
    assert client.post("/api/checkout", json=_body(fill_cart(shop, {})), headers=_key()).status_code == 422
    set_stock(shop, chair, 1)
    sold_out = client.post("/api/checkout", json=_body(token), headers=_key())
    assert sold_out.status_code == 409 and "only 1 left" in sold_out.json()["detail"]
    set_stock(shop, chair, 25)


def test_a_declined_card_is_a_cancelled_order(client: TestClient, shop: sessionmaker[Session]) -> None:
    vase = variant_id(shop, "vase")
    before = stock_of(shop, vase)
    token = fill_cart(shop, {vase: 1})
    response = client.post("/api/checkout", json=_body(token, payment_method=DECLINED_METHOD), headers=_key())
    assert response.status_code == 201
    assert response.json()["status"] == "cancelled" and response.json()["payment"]["status"] == "failed"
    assert stock_of(shop, vase) == before


def test_an_accounts_orders_are_its_own(client: TestClient, shop: sessionmaker[Session]) -> None:
    account_id, auth = _login(client)
    lamp = variant_id(shop, "lamp")
    ids = []
    for _ in range(2):
        token = fill_cart(shop, {lamp: 1}, account_id=account_id)
        response = client.post("/api/checkout", json=_body(token), headers={**_key(), **auth})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    history = client.get("/api/accounts/me/orders", headers=auth)
    assert history.status_code == 200
    assert [o["id"] for o in history.json()] == ids[::-1]  # newest first
    assert client.get(f"/api/orders/{ids[0]}", headers=auth).status_code == 200
    assert client.get(f"/api/orders/{ids[0]}").status_code == 404  # an account's order needs its token
    _, stranger = _login(client)
    assert client.get(f"/api/orders/{ids[0]}", headers=stranger).status_code == 404
    assert client.get("/api/accounts/me/orders", headers=stranger).json() == []
    assert client.get("/api/accounts/me/orders").status_code == 401
    assert client.get("/api/accounts/me/orders", headers={"Authorization": "Bearer junk"}).status_code == 401
    # an account's cart cannot be checked out by someone else
    token = fill_cart(shop, {lamp: 1}, account_id=account_id)
    assert client.post("/api/checkout", json=_body(token), headers={**_key(), **stranger}).status_code == 404


def test_unknown_and_malformed_order_ids(client: TestClient) -> None:
    assert client.get(f"/api/orders/{uuid.uuid4().hex}").status_code == 404
    assert client.get("/api/orders/not-hex").status_code == 422
