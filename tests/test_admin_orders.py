"""Staff order endpoints over HTTP on SQLite and PostgreSQL with the offline provider: the list and
its filter, one order's audit trail, fulfilment, refunds with and without restock, the 409s of orders
whose status forbids it, a provider failure (502), and that shoppers and strangers are kept out."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from commerce_api import accounts, admin
from commerce_api.accounts import AccountPolicy
from commerce_api.admin_routes import admin_router
from commerce_api.checkout import place_order
from commerce_api.models import Order, Refund
from commerce_api.order_schemas import Address, CheckoutRequest
from commerce_api.payments.base_provider import ProviderError, RefundResult
from commerce_api.payments.offline_provider import DECLINED_METHOD, PENDING_METHOD, OfflineProvider
from tests.shop_helpers import fill_cart, small_shop, stock_of, variant_id

POLICY = AccountPolicy(
    secret="test-secret-" + "o" * 40, hasher=PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
)
ADDRESS = Address(name="Ada Buyer", line1="Hauptstr. 1", city="Berlin", postal_code="10115", country="DE")
OFFLINE = OfflineProvider()


@pytest.fixture(scope="module")
def shop(module_database: str) -> Iterator[sessionmaker[Session]]:
    with small_shop(module_database) as sessions:
        yield sessions


@pytest.fixture(scope="module")
def client(shop: sessionmaker[Session]) -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(admin_router(shop, POLICY, OFFLINE))
    with TestClient(app) as c:
        yield c


def _bearer(shop: sessionmaker[Session], staff: bool) -> dict[str, str]:
    email = f"{'staff' if staff else 'shopper'}-{uuid.uuid4().hex[:10]}@example.com"
    with shop() as session:
        account = accounts.register(session, POLICY, email, "correct horse battery")
        if staff:
            admin.set_staff(session, email, True)
        token = accounts.issue_tokens(session, POLICY, account.id).access_token
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def staff(shop: sessionmaker[Session]) -> dict[str, str]:
    return _bearer(shop, staff=True)


def _order(shop: sessionmaker[Session], product: str = "vase", quantity: int = 1, **changes: Any) -> str:
    """A checked-out order's id: paid by default, or as `payment_method` makes it."""
    token = fill_cart(shop, {variant_id(shop, product): quantity})
    request = CheckoutRequest(cart_token=token, email="ada@example.com", address=ADDRESS, **changes)
    return str(place_order(shop, OFFLINE, request, uuid.uuid4().hex).body["id"])


def test_the_list_is_newest_first_filters_by_status_and_pages(
    client: TestClient, shop: sessionmaker[Session], staff: dict[str, str]
) -> None:
    paid = _order(shop)
    cancelled = _order(shop, payment_method=DECLINED_METHOD)
    pending = _order(shop, payment_method=PENDING_METHOD)
    page = client.get("/api/admin/orders", headers=staff).json()
    assert page["total"] >= 3 and (page["limit"], page["offset"]) == (50, 0)
    ids = [o["id"] for o in page["items"]]
    assert ids.index(pending) < ids.index(cancelled) < ids.index(paid)
    created = [o["created_at"] for o in page["items"]]
    assert created == sorted(created, reverse=True)
    for status, order_id in (("paid", paid), ("cancelled", cancelled), ("pending_payment", pending)):
        only = client.get("/api/admin/orders", params={"status": status}, headers=staff).json()
        assert {o["status"] for o in only["items"]} == {status}
        assert order_id in [o["id"] for o in only["items"]]
    first = client.get("/api/admin/orders", params={"limit": 1}, headers=staff).json()
    second = client.get("/api/admin/orders", params={"limit": 1, "offset": 1}, headers=staff).json()
    assert [first["items"][0]["id"], second["items"][0]["id"]] == ids[:2]
    assert first["total"] == second["total"] == page["total"]
    assert client.get("/api/admin/orders", params={"status": "lost"}, headers=staff).status_code == 422


def test_one_order_with_its_events_and_fulfilment(
    client: TestClient, shop: sessionmaker[Session], staff: dict[str, str]
) -> None:
    order_id = _order(shop, "lamp", 2)
    detail = client.get(f"/api/admin/orders/{order_id}", headers=staff).json()
    assert detail["status"] == "paid" and detail["lines"][0]["quantity"] == 2
    assert [(e["from"], e["to"]) for e in detail["events"]] == [
        (None, "pending_payment"),
        ("pending_payment", "paid"),
    ]
    assert all(e["reason"] and e["at"] for e in detail["events"])
    fulfilled = client.post(f"/api/admin/orders/{order_id}/fulfil", headers=staff)
    assert fulfilled.status_code == 200 and fulfilled.json()["status"] == "fulfilled"
    again = client.post(f"/api/admin/orders/{order_id}/fulfil", headers=staff)
    assert again.status_code == 409
    last = client.get(f"/api/admin/orders/{order_id}", headers=staff).json()["events"][-1]
    assert (last["from"], last["to"]) == ("paid", "fulfilled") and last["reason"].startswith(
        "fulfilled by staff-"
    )
    unpaid = _order(shop, payment_method=PENDING_METHOD)
    assert client.post(f"/api/admin/orders/{unpaid}/fulfil", headers=staff).status_code == 409
    missing = "0" * 32
    assert client.get(f"/api/admin/orders/{missing}", headers=staff).status_code == 404
    assert client.post(f"/api/admin/orders/{missing}/fulfil", headers=staff).status_code == 404
    assert client.post(f"/api/admin/orders/{missing}/refund", json={}, headers=staff).status_code == 404
    assert client.get("/api/admin/orders/not-an-id", headers=staff).status_code == 422


def _refunds(shop: sessionmaker[Session], order_id: str) -> list[tuple[int, str]]:
    with shop() as session:
        rows = session.scalars(select(Refund).where(Refund.payment.has(order_id=order_id)))
        return [(r.amount_minor, r.status) for r in rows]


@pytest.mark.parametrize("restock", [False, True])
def test_a_refund_goes_through_the_provider_and_restocks_on_request(
    client: TestClient, shop: sessionmaker[Session], staff: dict[str, str], restock: bool
) -> None:
    chair = variant_id(shop, "chair")
    order_id = _order(shop, "chair", 2)
    if restock:  # a fulfilled order is refundable too (returned goods)
        assert client.post(f"/api/admin/orders/{order_id}/fulfil", headers=staff).status_code == 200
    before = stock_of(shop, chair)
    response = client.post(
        f"/api/admin/orders/{order_id}/refund", json={"reason": "damaged", "restock": restock}, headers=staff
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "refunded"
    assert stock_of(shop, chair) == before + (2 if restock else 0)
    assert _refunds(shop, order_id) == [(body["total_minor"], "succeeded")]
    events = client.get(f"/api/admin/orders/{order_id}", headers=staff).json()["events"]
    assert events[-1]["to"] == "refunded" and "damaged" in events[-1]["reason"]
    again = client.post(f"/api/admin/orders/{order_id}/refund", json={"restock": restock}, headers=staff)
    assert again.status_code == 409 and "refunded already" in again.json()["detail"]
    assert stock_of(shop, chair) == before + (2 if restock else 0)  # never restocked twice
    assert len(_refunds(shop, order_id)) == 1


def test_unpaid_orders_cannot_be_refunded(
    client: TestClient, shop: sessionmaker[Session], staff: dict[str, str]
) -> None:
    vase = variant_id(shop, "vase")
    for method in (PENDING_METHOD, DECLINED_METHOD):
        order_id = _order(shop, payment_method=method)
        before = stock_of(shop, vase)
        response = client.post(f"/api/admin/orders/{order_id}/refund", json={"restock": True}, headers=staff)
        assert response.status_code == 409, response.text
        assert stock_of(shop, vase) == before and _refunds(shop, order_id) == []


class _BrokenRefunds(OfflineProvider):
    def __init__(self, error: bool) -> None:
        self.error = error

    def refund(self, *, provider_ref: str, amount_minor: int, idempotency_key: str) -> RefundResult:
        if self.error:
            raise ProviderError("connection reset")
        return RefundResult("re_declined", "failed")


@pytest.mark.parametrize("error", [True, False], ids=["unreachable", "declined"])
def test_a_provider_failure_is_502_and_changes_nothing(
    shop: sessionmaker[Session], staff: dict[str, str], error: bool
) -> None:
    app = FastAPI()
    app.include_router(admin_router(shop, POLICY, _BrokenRefunds(error)))
    order_id = _order(shop)
    with TestClient(app) as client:
        response = client.post(f"/api/admin/orders/{order_id}/refund", json={}, headers=staff)
        assert response.status_code == 502, response.text
        assert client.get(f"/api/admin/orders/{order_id}", headers=staff).json()["status"] == "paid"
    assert _refunds(shop, order_id) == []


def test_only_staff_may_use_the_order_endpoints(client: TestClient, shop: sessionmaker[Session]) -> None:
    order_id = _order(shop)
    shopper = _bearer(shop, staff=False)
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "/api/admin/orders", None),
        ("GET", f"/api/admin/orders/{order_id}", None),
        ("POST", f"/api/admin/orders/{order_id}/fulfil", None),
        ("POST", f"/api/admin/orders/{order_id}/refund", {}),
    ]
    for method, path, body in calls:
        assert client.request(method, path, json=body).status_code == 401
        assert (
            client.request(method, path, json=body, headers={"Authorization": "Bearer nope"}).status_code
            == 401
        )
        assert client.request(method, path, json=body, headers=shopper).status_code == 403
    with shop() as session:
        assert session.get_one(Order, order_id).status == "paid"


def test_the_bearer_scheme_stays_documented(client: TestClient) -> None:
    """The routes take no session dependency any more, but /docs still offers the Bearer login."""
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert spec["paths"]["/api/admin/orders"]["get"]["security"] == [{"HTTPBearer": []}]
