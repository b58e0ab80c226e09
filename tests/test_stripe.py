"""Stripe end to end, on SQLite and PostgreSQL: checkout through the real `stripe` library against a
local fake Stripe (tests/fake_stripe.py), signed webhooks verified by the library, applied once and
in any order, late payments refunded, refunds with either provider, and provider outages."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
import stripe
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from commerce_api.accounts import AccountPolicy
from commerce_api.checkout import PaymentUnavailable, expire_lapsed, place_order
from commerce_api.checkout_routes import checkout_router
from commerce_api.models import OrderEvent, Payment, Refund, WebhookEvent
from commerce_api.order_schemas import Address, CheckoutRequest
from commerce_api.orders import InvalidTransition, get_order, transition
from commerce_api.payments.base_provider import PaymentIntent, ProviderError
from commerce_api.payments.offline_provider import OfflineProvider
from commerce_api.payments.stripe_provider import StripeProvider, intent_status
from commerce_api.refunds import refund_order
from commerce_api.stripe_webhook_routes import MAX_BODY, stripe_webhook_router
from commerce_api.stripe_webhooks import handle_webhook
from holoshop.commerce_app import create_commerce_app, payment_provider
from holoshop.config import Settings
from tests.fake_stripe import FakeStripe, fake_stripe, signature_header, webhook_event
from tests.shop_helpers import fill_cart, order_count, set_stock, small_shop, stock_of, variant_id

SECRET = "whsec_test_" + "s" * 32
POLICY = AccountPolicy(secret="test-secret-" + "k" * 40)
ADDRESS = {
    "name": "Ada Buyer",
    "line1": "Hauptstr. 1",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
}


@dataclass
class Shop:
    sessions: sessionmaker[Session]
    fake: FakeStripe
    provider: StripeProvider
    client: TestClient


@pytest.fixture
def shop(empty_database: str) -> Iterator[Shop]:
    with small_shop(empty_database) as sessions, fake_stripe() as fake:
        provider = StripeProvider(fake.api_key, api_base=fake.url, max_network_retries=0)
        app = FastAPI()
        app.include_router(checkout_router(sessions, POLICY, provider))
        app.include_router(stripe_webhook_router(sessions, provider, SECRET))
        with TestClient(app) as client:
            yield Shop(sessions, fake, provider, client)


def _checkout(
    shop: Shop, items: dict[int, int], method: str | None, key: str | None = None
) -> httpx2.Response:
    token = fill_cart(shop.sessions, items)
    body: dict[str, Any] = {"cart_token": token, "email": "Ada@Example.com", "address": ADDRESS}
    if method is not None:
        body["payment_method"] = method
    response: httpx2.Response = shop.client.post(
        "/api/checkout", json=body, headers={"Idempotency-Key": key or uuid.uuid4().hex}
    )
    return response


def _post(
    shop: Shop,
    payload: bytes,
    secret: str = SECRET,
    timestamp: int | None = None,
    header: str | None = None,
) -> httpx2.Response:
    signature = header if header is not None else signature_header(payload, secret, timestamp)
    headers = {"Content-Type": "application/json"}
    if signature:
        headers["Stripe-Signature"] = signature
    response: httpx2.Response = shop.client.post(
        "/api/payments/stripe/webhook", content=payload, headers=headers
    )
    return response


def _send(shop: Shop, kind: str, obj: dict[str, Any], event_id: str | None = None) -> httpx2.Response:
    response = _post(shop, webhook_event(kind, obj, event_id))
    assert response.status_code == 200, response.text
    return response


def _status(shop: Shop, order_id: str) -> str:
    with shop.sessions() as session:
        return get_order(session, order_id).status


def _events(shop: Shop, order_id: str) -> list[str]:
    with shop.sessions() as session:
        rows = session.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        )
        return [e.to_status for e in rows]


def _count(shop: Shop, model: type[Any]) -> int:
    with shop.sessions() as session:
        return session.scalars(select(func.count()).select_from(model)).one()


def _intent_of(shop: Shop, order_id: str) -> str:
    with shop.sessions() as session:
        ref = session.scalars(select(Payment.provider_ref).where(Payment.order_id == order_id)).one()
        assert ref is not None
        return ref


def _pending_order(shop: Shop, vid: int, quantity: int = 1) -> tuple[str, str]:
    """A 3-D Secure order waiting for its webhook: (order id, intent id)."""
    response = _checkout(shop, {vid: quantity}, "pm_card_threeDSecureRequired")
    assert response.status_code == 201, response.text
    order_id = response.json()["id"]
    return order_id, _intent_of(shop, order_id)


# -- checkout through the real library --------------------------------------------------------


def test_a_card_that_succeeds_pays_the_order_at_stripe(shop: Shop) -> None:
    lamp = variant_id(shop.sessions, "lamp")
    response = _checkout(shop, {lamp: 2}, "pm_card_visa")
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "paid"
    assert order["payment"]["provider"] == "stripe" and order["payment"]["status"] == "succeeded"
    intent = shop.fake.intents[_intent_of(shop, order["id"])]
    assert intent["amount"] == order["total_minor"] and intent["currency"] == "eur"
    assert intent["metadata"] == {"order_id": order["id"]}
    assert intent["receipt_email"] == "ada@example.com" and intent["payment_method"] == "pm_card_visa"
    assert stock_of(shop.sessions, lamp) == 23


def test_a_declined_card_cancels_the_order_and_returns_the_stock(shop: Shop) -> None:
    vase = variant_id(shop.sessions, "vase")
    response = _checkout(shop, {vase: 3}, "pm_card_chargeDeclined")
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "cancelled" and order["payment"]["status"] == "failed"
    assert shop.fake.intents[_intent_of(shop, order["id"])]["status"] == "requires_payment_method"
    assert stock_of(shop.sessions, vase) == 25


def test_three_d_secure_waits_for_the_succeeded_webhook(shop: Shop) -> None:
    chair = variant_id(shop.sessions, "chair")
    response = _checkout(shop, {chair: 1}, "pm_card_threeDSecureRequired")
    order = response.json()
    assert order["status"] == "pending_payment"
    intent_id = _intent_of(shop, order["id"])
    assert order["payment"]["client_secret"] == shop.fake.intents[intent_id]["client_secret"]
    # no payment method at all: the shopper confirms in the browser with the client secret
    open_order = _checkout(shop, {chair: 1}, None).json()
    assert open_order["status"] == "pending_payment" and open_order["payment"]["client_secret"]

    answer = _send(shop, "payment_intent.succeeded", shop.fake.complete_action(intent_id)).json()
    assert answer["status"] == "processed"
    assert shop.client.get(f"/api/orders/{order['id']}").json()["status"] == "paid"
    assert _events(shop, order["id"]) == ["pending_payment", "paid"]
    assert stock_of(shop.sessions, chair) == 23  # both orders hold theirs


def test_a_retried_checkout_makes_one_payment_intent_and_one_order(shop: Shop) -> None:
    lamp = variant_id(shop.sessions, "lamp")
    token = fill_cart(shop.sessions, {lamp: 1})
    body = {
        "cart_token": token,
        "email": "ada@example.com",
        "address": ADDRESS,
        "payment_method": "pm_card_visa",
    }
    first = shop.client.post("/api/checkout", json=body, headers={"Idempotency-Key": "same-key"})
    again = shop.client.post("/api/checkout", json=body, headers={"Idempotency-Key": "same-key"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert len(shop.fake.intents) == 1 and order_count(shop.sessions) == 1
    # the provider itself: the same key at Stripe is the same intent, another amount a 400 there
    ref = _intent_of(shop, first.json()["id"])
    kwargs: dict[str, Any] = {"order_id": "o", "currency": "EUR", "email": "a@b.de", "payment_method": None}
    repeat = shop.provider.create_payment(amount_minor=1000, idempotency_key=f"order-{ref}", **kwargs)
    assert shop.provider.create_payment(amount_minor=1000, idempotency_key=f"order-{ref}", **kwargs) == repeat
    with pytest.raises(ProviderError, match="same parameters"):
        shop.provider.create_payment(amount_minor=999, idempotency_key=f"order-{ref}", **kwargs)
    assert len(shop.fake.intents) == 2


@pytest.mark.parametrize("outage", ["500", "drop"])
def test_an_outage_answers_502_and_a_retry_completes(shop: Shop, outage: Any) -> None:
    chair = variant_id(shop.sessions, "chair")
    token = fill_cart(shop.sessions, {chair: 1})
    body = {
        "cart_token": token,
        "email": "ada@example.com",
        "address": ADDRESS,
        "payment_method": "pm_card_visa",
    }
    shop.fake.outage = outage
    failed = shop.client.post("/api/checkout", json=body, headers={"Idempotency-Key": "outage"})
    assert failed.status_code == 502 and "is held" in failed.json()["detail"]
    assert stock_of(shop.sessions, chair) == 24 and order_count(shop.sessions, "pending_payment") == 1
    shop.fake.outage = "none"
    retried = shop.client.post("/api/checkout", json=body, headers={"Idempotency-Key": "outage"})
    assert retried.status_code == 201 and retried.json()["status"] == "paid"
    assert len(shop.fake.intents) == 1 and order_count(shop.sessions) == 1


def test_the_library_retries_with_the_same_key_after_a_500(shop: Shop) -> None:
    """Stripe's own retries reuse the Idempotency-Key; with one retry a single 500 goes unnoticed."""
    provider = StripeProvider(shop.fake.api_key, api_base=shop.fake.url, max_network_retries=1)
    shop.fake.fail_next = 1
    intent = provider.create_payment(
        order_id="o", amount_minor=500, currency="EUR", email="a@b.de", payment_method="pm_card_visa",
        idempotency_key="lib-retry",
    )  # fmt: skip
    assert intent.status == "succeeded" and len(shop.fake.intents) == 1


# -- webhooks ------------------------------------------------------------------------------------


def test_a_repeated_event_is_applied_once(shop: Shop) -> None:
    vase = variant_id(shop.sessions, "vase")
    order_id, intent_id = _pending_order(shop, vase, 2)
    payload = webhook_event(
        "payment_intent.payment_failed", shop.fake.complete_action(intent_id, succeed=False)
    )
    assert _post(shop, payload).json()["status"] == "processed"
    assert _status(shop, order_id) == "cancelled" and stock_of(shop.sessions, vase) == 25
    again = _post(shop, payload)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert _events(shop, order_id) == ["pending_payment", "cancelled"]
    assert stock_of(shop.sessions, vase) == 25 and _count(shop, WebhookEvent) == 1


def test_concurrent_deliveries_of_one_event_apply_it_once(shop: Shop) -> None:
    lamp = variant_id(shop.sessions, "lamp")
    order_id, intent_id = _pending_order(shop, lamp)
    payload = webhook_event("payment_intent.succeeded", shop.fake.complete_action(intent_id))
    deliveries = 8
    start = threading.Barrier(deliveries)

    def deliver(_: int) -> str:
        start.wait()
        header = signature_header(payload, SECRET)
        return handle_webhook(shop.sessions, shop.provider, payload, header, SECRET).status

    with ThreadPoolExecutor(deliveries) as pool:
        outcomes = list(pool.map(deliver, range(deliveries)))
    assert sorted(outcomes) == ["duplicate"] * (deliveries - 1) + ["processed"]
    assert _events(shop, order_id) == ["pending_payment", "paid"] and _count(shop, WebhookEvent) == 1


def test_a_replayed_delivery_outside_the_tolerance_is_refused(shop: Shop) -> None:
    lamp = variant_id(shop.sessions, "lamp")
    order_id, intent_id = _pending_order(shop, lamp)
    payload = webhook_event("payment_intent.succeeded", shop.fake.complete_action(intent_id))
    stale = _post(shop, payload, timestamp=int(time.time()) - 600)  # correctly signed, 10 minutes old
    assert stale.status_code == 400 and "tolerance" in stale.json()["detail"]
    assert _status(shop, order_id) == "pending_payment" and _count(shop, WebhookEvent) == 0


def test_forged_deliveries_are_refused_and_change_nothing(shop: Shop) -> None:
    lamp = variant_id(shop.sessions, "lamp")
    order_id, intent_id = _pending_order(shop, lamp)
    payload = webhook_event("payment_intent.succeeded", shop.fake.complete_action(intent_id))
    wrong_secret = _post(shop, payload, secret="whsec_someone_else")
    tampered = _post(
        shop, payload.replace(b'"amount"', b'"amount" '), header=signature_header(payload, SECRET)
    )
    missing = _post(shop, payload, header="")
    garbage = _post(shop, payload, header="t=1,v0=nothing")
    for response in (wrong_secret, tampered, missing, garbage):
        assert response.status_code == 400, response.text
    assert "signature" in wrong_secret.json()["detail"].lower()
    assert missing.json()["detail"] == "missing Stripe-Signature header"
    assert _status(shop, order_id) == "pending_payment" and _count(shop, WebhookEvent) == 0


def test_the_library_accepts_the_fakes_signatures() -> None:
    payload = webhook_event("payment_intent.created", {"id": "pi_x", "object": "payment_intent"}, "evt_1")
    event = stripe.Webhook.construct_event(payload, signature_header(payload, SECRET), SECRET, tolerance=300)
    assert event.id == "evt_1" and event.type == "payment_intent.created"


def test_unknown_types_and_unknown_intents_are_ignored_with_200(shop: Shop) -> None:
    unknown_type = _send(shop, "customer.created", {"id": "cus_1", "object": "customer"}).json()
    assert unknown_type["status"] == "ignored"
    unknown_intent = _send(shop, "payment_intent.succeeded", {"id": "pi_nobody", "object": "payment_intent"})
    assert unknown_intent.json() == {
        "status": "ignored",
        "event_id": unknown_intent.json()["event_id"],
        "detail": "unknown payment intent",
    }
    assert _count(shop, WebhookEvent) == 2  # recorded all the same: a redelivery is a duplicate


def test_an_intent_checkout_never_recorded_is_adopted_by_its_order_id(shop: Shop) -> None:
    """Checkout died after Stripe answered and before it wrote the payment: the webhook finds the
    order by the id in the intent's metadata, records the payment and pays the order."""
    chair = variant_id(shop.sessions, "chair")
    order_id, intent_id = _pending_order(shop, chair)
    with shop.sessions() as session, session.begin():  # as if the payment had never been written
        session.execute(delete(Payment).where(Payment.order_id == order_id))
    answer = _send(shop, "payment_intent.succeeded", shop.fake.complete_action(intent_id)).json()
    assert answer["status"] == "processed"
    assert _status(shop, order_id) == "paid"
    assert _intent_of(shop, order_id) == intent_id


def test_a_failure_after_the_success_changes_nothing(shop: Shop) -> None:
    lamp = variant_id(shop.sessions, "lamp")
    order_id, intent_id = _pending_order(shop, lamp)
    succeeded = shop.fake.complete_action(intent_id)
    _send(shop, "payment_intent.succeeded", succeeded)
    late = _send(shop, "payment_intent.payment_failed", {**succeeded, "status": "requires_payment_method"})
    assert late.json()["detail"] == "no change"
    _send(shop, "payment_intent.canceled", {**succeeded, "status": "canceled"})
    assert _status(shop, order_id) == "paid" and stock_of(shop.sessions, lamp) == 24


def test_a_success_after_the_reservation_lapsed_takes_the_stock_again(shop: Shop) -> None:
    lamp = variant_id(shop.sessions, "lamp")
    order_id, intent_id = _pending_order(shop, lamp, 2)
    assert expire_lapsed(shop.sessions, datetime.now(UTC) + timedelta(hours=1)) == [order_id]
    assert stock_of(shop.sessions, lamp) == 25
    _send(shop, "payment_intent.succeeded", shop.fake.complete_action(intent_id))
    assert _status(shop, order_id) == "paid" and stock_of(shop.sessions, lamp) == 23
    assert shop.fake.refunds == {}


def test_a_success_after_the_stock_sold_out_is_refunded_once(shop: Shop) -> None:
    vase = variant_id(shop.sessions, "vase")
    order_id, intent_id = _pending_order(shop, vase, 2)
    expire_lapsed(shop.sessions, datetime.now(UTC) + timedelta(hours=1))
    set_stock(shop.sessions, vase, 1)
    intent = shop.fake.complete_action(intent_id)
    shop.fake.outage = "500"  # the refund fails at first: 502, and Stripe redelivers
    payload = webhook_event("payment_intent.succeeded", intent)
    assert _post(shop, payload).status_code == 502
    assert shop.fake.refunds == {}
    shop.fake.outage = "none"
    redelivered = _post(shop, payload)
    assert redelivered.status_code == 200 and redelivered.json()["status"] == "duplicate"
    _send(shop, "payment_intent.succeeded", intent)  # another event for it: no second refund
    [refund] = shop.fake.refunds_of(intent_id)
    assert refund["amount"] == intent["amount"]
    with shop.sessions() as session:
        [row] = session.scalars(select(Refund)).all()
        assert row.provider_ref == refund["id"] and row.amount_minor == intent["amount"]
    assert _status(shop, order_id) == "cancelled" and stock_of(shop.sessions, vase) == 1


def test_a_payment_checkout_recorded_on_a_lapsed_sold_out_order_is_refunded_once(
    shop: Shop,
) -> None:
    """The sweeper cancels the order while Stripe is charging and the stock sells out: checkout records
    the money on a cancelled order and refunds it after its commit; Stripe's succeeded event then
    finds nothing owed (the same function, the same key), so the money goes back once."""
    vase = variant_id(shop.sessions, "vase")

    class SlowStripe(StripeProvider):
        def create_payment(self, **kwargs: Any) -> PaymentIntent:
            expire_lapsed(shop.sessions, datetime.now(UTC) + timedelta(hours=1))
            set_stock(shop.sessions, vase, 0)
            return super().create_payment(**kwargs)

    slow = SlowStripe(shop.fake.api_key, api_base=shop.fake.url, max_network_retries=0)
    request = CheckoutRequest(
        cart_token=fill_cart(shop.sessions, {vase: 1}),
        email="a@b.de",
        address=Address(**ADDRESS),
        payment_method="pm_card_visa",
    )
    body = place_order(shop.sessions, slow, request, "lapsed-while-paying").body
    assert body["status"] == "cancelled" and body["payment"]["status"] == "succeeded"
    intent_id = _intent_of(shop, body["id"])
    [refund] = shop.fake.refunds_of(intent_id)
    assert refund["amount"] == body["total_minor"] and _count(shop, Refund) == 1
    _send(shop, "payment_intent.succeeded", shop.fake.intents[intent_id])
    assert len(shop.fake.refunds_of(intent_id)) == 1 and _count(shop, Refund) == 1


def test_an_oversized_body_is_refused(shop: Shop) -> None:
    assert _post(shop, b"{" + b" " * MAX_BODY + b"}").status_code == 413


def test_a_refund_made_at_stripe_refunds_the_order(shop: Shop) -> None:
    lamp = variant_id(shop.sessions, "lamp")
    order = _checkout(shop, {lamp: 1}, "pm_card_visa").json()
    intent_id = _intent_of(shop, order["id"])
    refund = shop.fake.create_refund({"payment_intent": intent_id})[1]  # from Stripe's dashboard
    pending = {**refund, "status": "pending"}
    _send(shop, "refund.created", pending)
    assert _status(shop, order["id"]) == "paid"  # not yet: the money has not gone back
    _send(shop, "refund.updated", refund)
    assert _status(shop, order["id"]) == "refunded"
    charge = {
        "id": refund["charge"],
        "object": "charge",
        "payment_intent": intent_id,
        "amount_refunded": refund["amount"],
        "refunded": True,
        "refunds": {"object": "list", "data": [refund]},
    }
    _send(shop, "charge.refunded", charge)
    assert _events(shop, order["id"]) == ["pending_payment", "paid", "refunded"]
    with shop.sessions() as session:
        [row] = session.scalars(select(Refund)).all()
        assert row.provider_ref == refund["id"] and row.status == "succeeded"


# -- refunds -------------------------------------------------------------------------------------


def test_refund_order_refunds_at_stripe_once(shop: Shop) -> None:
    chair = variant_id(shop.sessions, "chair")
    order = _checkout(shop, {chair: 2}, "pm_card_visa").json()
    refunded = refund_order(shop.sessions, shop.provider, order["id"], "damaged in transit", restock=True)
    assert refunded.status == "refunded" and stock_of(shop.sessions, chair) == 25
    again = refund_order(shop.sessions, shop.provider, order["id"], "damaged in transit", restock=True)
    assert again.status == "refunded" and stock_of(shop.sessions, chair) == 25
    [refund] = shop.fake.refunds.values()
    assert refund["amount"] == order["total_minor"]
    # Stripe's own event for that refund arrives after: nothing more happens
    charge = {"id": refund["charge"], "object": "charge", "payment_intent": refund["payment_intent"],
              "refunded": True, "refunds": {"object": "list", "data": [refund]}}  # fmt: skip
    _send(shop, "charge.refunded", charge)
    assert _count(shop, Refund) == 1 and _events(shop, order["id"])[-1] == "refunded"
    assert len(_events(shop, order["id"])) == 3


def test_refund_order_with_the_offline_provider(shop: Shop) -> None:
    lamp = variant_id(shop.sessions, "lamp")
    offline = OfflineProvider()
    request = CheckoutRequest(
        cart_token=fill_cart(shop.sessions, {lamp: 3}), email="a@b.de", address=Address(**ADDRESS)
    )
    order_id = place_order(shop.sessions, offline, request, "offline").body["id"]
    with shop.sessions() as session, session.begin():
        transition(session, get_order(session, order_id, for_update=True), "fulfilled", "shipped")
    assert refund_order(shop.sessions, offline, order_id, "returned").status == "refunded"
    assert refund_order(shop.sessions, offline, order_id, "returned").status == "refunded"
    assert stock_of(shop.sessions, lamp) == 22  # not restocked unless asked
    assert _count(shop, Refund) == 1


def test_only_paid_orders_can_be_refunded(shop: Shop) -> None:
    lamp = variant_id(shop.sessions, "lamp")
    pending_id, _ = _pending_order(shop, lamp)
    declined = _checkout(shop, {lamp: 1}, "pm_card_chargeDeclined").json()
    for order_id in (pending_id, declined["id"]):
        with pytest.raises(InvalidTransition):
            refund_order(shop.sessions, shop.provider, order_id, "changed my mind")
    assert shop.fake.refunds == {} and _count(shop, Refund) == 0


def test_a_refund_outage_changes_nothing_and_a_retry_completes(shop: Shop) -> None:
    lamp = variant_id(shop.sessions, "lamp")
    order = _checkout(shop, {lamp: 1}, "pm_card_visa").json()
    shop.fake.outage = "drop"
    with pytest.raises(ProviderError):
        refund_order(shop.sessions, shop.provider, order["id"], "returned")
    assert _status(shop, order["id"]) == "paid" and _count(shop, Refund) == 0
    shop.fake.outage = "none"
    assert refund_order(shop.sessions, shop.provider, order["id"], "returned").status == "refunded"
    assert len(shop.fake.refunds) == 1


# -- configuration ---------------------------------------------------------------------------------


def test_stripe_statuses_map_to_ours() -> None:
    assert intent_status("succeeded", confirmed=True) == "succeeded"
    assert intent_status("requires_payment_method", confirmed=True) == "failed"
    assert intent_status("requires_payment_method", confirmed=False) == "pending"
    assert intent_status("canceled", confirmed=False) == "failed"
    for status in ("requires_action", "requires_confirmation", "processing"):
        assert intent_status(status, confirmed=True) == "pending"


def test_the_server_needs_stripes_key_and_webhook_secret() -> None:
    key, whsec = SecretStr("sk_test_x"), SecretStr(SECRET)
    with pytest.raises(ValueError, match="STRIPE_API_KEY"):
        payment_provider(Settings(payment_provider="stripe", stripe_webhook_secret=whsec))
    with pytest.raises(ValueError, match="STRIPE_WEBHOOK_SECRET"):
        payment_provider(Settings(payment_provider="stripe", stripe_api_key=key))
    chosen = payment_provider(
        Settings(payment_provider="stripe", stripe_api_key=key, stripe_webhook_secret=whsec)
    )
    assert isinstance(chosen, StripeProvider)
    assert isinstance(payment_provider(Settings()), OfflineProvider)
    app = create_commerce_app(
        Settings(payment_provider="stripe", stripe_api_key=key, stripe_webhook_secret=whsec)
    )
    assert "/api/payments/stripe/webhook" in app.openapi()["paths"]


def test_place_order_reports_an_outage_as_payment_unavailable(shop: Shop) -> None:
    lamp = variant_id(shop.sessions, "lamp")
    request = CheckoutRequest(
        cart_token=fill_cart(shop.sessions, {lamp: 1}),
        email="a@b.de",
        address=Address(**ADDRESS),
        payment_method="pm_card_visa",
    )
    shop.fake.outage = "500"
    with pytest.raises(PaymentUnavailable):
        place_order(shop.sessions, shop.provider, request, "svc-outage")
    shop.fake.outage = "none"
    assert place_order(shop.sessions, shop.provider, request, "svc-outage").body["status"] == "paid"
