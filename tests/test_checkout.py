"""Checkout as a service, on SQLite and PostgreSQL: totals, reservations under row locks, idempotent
retries, declines, provider outages, lapsed reservations, and many buyers racing for the last units."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from commerce_api.checkout import (
    CartMissing,
    EmptyCart,
    InsufficientStock,
    PaymentUnavailable,
    expire_lapsed,
    place_order,
    quote,
)
from commerce_api.idempotency import IdempotencyConflict
from commerce_api.models import CartItem, OrderEvent, Payment
from commerce_api.order_schemas import Address, CheckoutRequest
from commerce_api.orders import InvalidTransition, apply_payment_status, get_order, transition
from commerce_api.payments.base_provider import PaymentIntent, ProviderError, RefundResult
from commerce_api.payments.offline_provider import DECLINED_METHOD, PENDING_METHOD, OfflineProvider
from commerce_api.pricing import UnsupportedCountry
from commerce_api.refunds import settle_late_refund
from tests.shop_helpers import fill_cart, order_count, set_stock, small_shop, stock_of, variant_id

ADDRESS = Address(name="Ada Buyer", line1="Hauptstr. 1", city="Berlin", postal_code="10115", country="DE")
OFFLINE = OfflineProvider()


@pytest.fixture
def shop(empty_database: str) -> Iterator[sessionmaker[Session]]:
    with small_shop(empty_database) as sessions:
        yield sessions


def _request(token: str, **changes: Any) -> CheckoutRequest:
    fields: dict[str, Any] = {
        "cart_token": token,
        "email": "ada@example.com",
        "address": ADDRESS,
        "shipping_option": "standard",
    }
    fields.update(changes)
    return CheckoutRequest(**fields)


def _events(sessions: sessionmaker[Session], order_id: str) -> list[tuple[str | None, str]]:
    with sessions() as session:
        rows = session.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        )
        return [(e.from_status, e.to_status) for e in rows]


def test_quote_prices_goods_shipping_and_tax_without_reserving(shop: sessionmaker[Session]) -> None:
    lamp, vase = variant_id(shop, "lamp"), variant_id(shop, "vase")
    token = fill_cart(shop, {lamp: 1, vase: 2})
    with shop() as session:
        summary = quote(session, _request(token, shipping_option="express"))
    assert summary.subtotal_minor == 8_900 + 2 * 1_990
    assert summary.shipping_minor == 1_495
    assert summary.tax_rate_bp == 1900
    assert summary.tax_minor == 2_731  # 19% of 143.75 is 27.3125: rounded once, per order
    assert summary.total_minor == 12_880 + 1_495 + 2_731
    assert [line.quantity for line in summary.lines] == [1, 2]
    assert stock_of(shop, lamp) == 25  # nothing held
    with shop() as session:
        free = quote(session, _request(token, shipping_option="standard"))
        assert free.shipping_minor == 0  # standard is free from 100 EUR
        small = quote(session, _request(fill_cart(shop, {vase: 1}), shipping_option="standard"))
        assert small.shipping_minor == 495
        assert small.tax_minor == 472  # 19% of 24.85 is 4.7215
        with pytest.raises(UnsupportedCountry):
            quote(session, _request(token, address=ADDRESS.model_copy(update={"country": "ZZ"})))


def test_checkout_pays_offline_takes_stock_and_empties_the_cart(shop: sessionmaker[Session]) -> None:
    lamp = variant_id(shop, "lamp", 1)
    token = fill_cart(shop, {lamp: 3})
    result = place_order(shop, OFFLINE, _request(token), "key-1")
    assert result.status_code == 201 and not result.replayed
    body = result.body
    assert body["status"] == "paid"
    assert body["payment"]["status"] == "succeeded" and body["payment"]["provider"] == "offline"
    assert body["lines"][0]["name"] == "Arc Lamp (Black)" and body["lines"][0]["quantity"] == 3
    assert body["total_minor"] == body["subtotal_minor"] + body["shipping_minor"] + body["tax_minor"]
    assert body["reserved_until"] is None  # paid: the units are sold, not held
    assert stock_of(shop, lamp) == 22
    with shop() as session:
        assert session.scalars(select(CartItem).where(CartItem.cart_token == token)).all() == []
    assert _events(shop, body["id"]) == [(None, "pending_payment"), ("pending_payment", "paid")]


def test_a_retried_key_gets_the_same_order_and_one_charge(shop: sessionmaker[Session]) -> None:
    lamp = variant_id(shop, "lamp")
    token = fill_cart(shop, {lamp: 1})
    first = place_order(shop, OFFLINE, _request(token), "retry-key")
    again = place_order(shop, OFFLINE, _request(token), "retry-key")
    assert again.replayed and again.body == first.body
    assert order_count(shop) == 1 and stock_of(shop, lamp) == 24
    with shop() as session:
        assert len(session.scalars(select(Payment)).all()) == 1
    with pytest.raises(IdempotencyConflict):
        place_order(shop, OFFLINE, _request(token, shipping_option="express"), "retry-key")
    assert order_count(shop) == 1


def test_a_declined_card_cancels_the_order_and_gives_the_stock_back(shop: sessionmaker[Session]) -> None:
    vase = variant_id(shop, "vase")
    token = fill_cart(shop, {vase: 5})
    body = place_order(shop, OFFLINE, _request(token, payment_method=DECLINED_METHOD), "declined").body
    assert body["status"] == "cancelled" and body["payment"]["status"] == "failed"
    assert stock_of(shop, vase) == 25
    assert _events(shop, body["id"])[-1] == ("pending_payment", "cancelled")


def test_not_enough_stock_changes_nothing(shop: sessionmaker[Session]) -> None:
    lamp, vase = variant_id(shop, "lamp"), variant_id(shop, "vase")
    set_stock(shop, vase, 1)
    token = fill_cart(shop, {lamp: 2, vase: 2})
    with pytest.raises(InsufficientStock, match=r"only 1 left of vase"):
        place_order(shop, OFFLINE, _request(token), "short")
    assert (stock_of(shop, lamp), stock_of(shop, vase)) == (25, 1)
    assert order_count(shop) == 0
    with shop() as session:  # the cart is kept for the shopper to adjust
        assert len(session.scalars(select(CartItem).where(CartItem.cart_token == token)).all()) == 2
    # nothing was stored for the key: after a restock the same key goes through
    set_stock(shop, vase, 5)
    assert place_order(shop, OFFLINE, _request(token), "short").body["status"] == "paid"


def test_empty_and_unknown_carts_are_refused(shop: sessionmaker[Session]) -> None:
    with pytest.raises(EmptyCart):
        place_order(shop, OFFLINE, _request(fill_cart(shop, {})), "empty")
    with pytest.raises(CartMissing):
        place_order(shop, OFFLINE, _request("no-such-cart"), "unknown")
    assert order_count(shop) == 0


class _FlakyProvider(OfflineProvider):
    """The offline provider behind a network that fails the first `failures` calls."""

    instant = False  # behind a network: checkout pays in three steps

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def create_payment(self, **kwargs: Any) -> PaymentIntent:
        self.calls += 1
        if self.calls <= self.failures:
            raise ProviderError("connection reset")
        return super().create_payment(**kwargs)

    def refund(self, *, provider_ref: str, amount_minor: int, idempotency_key: str) -> RefundResult:
        return super().refund(
            provider_ref=provider_ref, amount_minor=amount_minor, idempotency_key=idempotency_key
        )


def test_a_provider_outage_holds_the_order_and_a_retry_completes_it(shop: sessionmaker[Session]) -> None:
    chair = variant_id(shop, "chair")
    token = fill_cart(shop, {chair: 1})
    provider = _FlakyProvider(failures=1)
    with pytest.raises(PaymentUnavailable) as failure:
        place_order(shop, provider, _request(token), "outage")
    with shop() as session:
        held = get_order(session, failure.value.order_id)
        assert held.status == "pending_payment" and held.reserved_until is not None
    assert stock_of(shop, chair) == 24  # held for the retry
    result = place_order(shop, provider, _request(token), "outage")
    assert result.body["id"] == failure.value.order_id and result.body["status"] == "paid"
    assert order_count(shop) == 1 and stock_of(shop, chair) == 24


def test_a_lapsed_reservation_is_released_and_a_late_payment_takes_stock_again(
    shop: sessionmaker[Session],
) -> None:
    lamp = variant_id(shop, "lamp")
    body = place_order(
        shop, OFFLINE, _request(fill_cart(shop, {lamp: 2}), payment_method=PENDING_METHOD), "p"
    ).body
    assert body["status"] == "pending_payment" and body["payment"]["client_secret"]
    assert stock_of(shop, lamp) == 23
    assert expire_lapsed(shop) == []  # not yet
    later = datetime.now(UTC) + timedelta(minutes=16)
    assert expire_lapsed(shop, later) == [body["id"]]
    assert stock_of(shop, lamp) == 25
    with shop() as session, session.begin():  # the provider confirms after all: stock is taken again
        payment = session.scalars(select(Payment).where(Payment.order_id == body["id"])).one()
        outcome = apply_payment_status(session, payment, "succeeded", "webhook")
    assert outcome.changed and not outcome.refund_needed
    assert stock_of(shop, lamp) == 23
    assert [e[1] for e in _events(shop, body["id"])] == ["pending_payment", "cancelled", "paid"]


def test_a_late_payment_for_sold_out_stock_asks_for_a_refund(shop: sessionmaker[Session]) -> None:
    vase = variant_id(shop, "vase")
    body = place_order(
        shop, OFFLINE, _request(fill_cart(shop, {vase: 1}), payment_method=PENDING_METHOD), "v"
    ).body
    expire_lapsed(shop, datetime.now(UTC) + timedelta(hours=1))
    set_stock(shop, vase, 0)
    with shop() as session, session.begin():
        payment = session.scalars(select(Payment).where(Payment.order_id == body["id"])).one()
        outcome = apply_payment_status(session, payment, "succeeded", "webhook")
        assert outcome.refund_needed
        assert get_order(session, body["id"]).status == "cancelled"
    assert stock_of(shop, vase) == 0


class _SlowProvider(OfflineProvider):
    """Answers only after the reservation lapsed (the sweeper ran) and the last units sold meanwhile."""

    instant = False  # behind a network: checkout pays in three steps

    def __init__(self, shop: sessionmaker[Session], variant: int) -> None:
        self.shop, self.variant, self.refunds = shop, variant, 0

    def create_payment(self, **kwargs: Any) -> PaymentIntent:
        expire_lapsed(self.shop, datetime.now(UTC) + timedelta(hours=1))
        set_stock(self.shop, self.variant, 0)
        return super().create_payment(**kwargs)

    def refund(self, *, provider_ref: str, amount_minor: int, idempotency_key: str) -> RefundResult:
        self.refunds += 1
        return super().refund(
            provider_ref=provider_ref, amount_minor=amount_minor, idempotency_key=idempotency_key
        )


def test_a_payment_landing_after_the_order_lapsed_and_sold_out_is_refunded(
    shop: sessionmaker[Session],
) -> None:
    vase = variant_id(shop, "vase")
    provider = _SlowProvider(shop, vase)
    request = _request(fill_cart(shop, {vase: 1}))
    result = place_order(shop, provider, request, "late")
    assert result.body["status"] == "cancelled"
    assert stock_of(shop, vase) == 0  # the units were not taken again: there were none
    assert provider.refunds == 1
    with shop() as session:
        payment = session.scalars(select(Payment).where(Payment.order_id == result.body["id"])).one()
        assert payment.status == "succeeded"
        assert [(r.amount_minor, r.status) for r in payment.refunds] == [
            (result.body["total_minor"], "succeeded")
        ]
    replay = place_order(shop, provider, request, "late")  # a retry gets the answer, no second refund
    assert replay.replayed and replay.body == result.body
    assert provider.refunds == 1
    assert settle_late_refund(shop, provider, str(payment.provider_ref)) is False  # settled once
    assert provider.refunds == 1


def test_repeated_and_out_of_order_payment_updates_are_harmless(shop: sessionmaker[Session]) -> None:
    lamp = variant_id(shop, "lamp")
    body = place_order(
        shop, OFFLINE, _request(fill_cart(shop, {lamp: 1}), payment_method=PENDING_METHOD), "o"
    ).body
    with shop() as session, session.begin():
        payment = session.scalars(select(Payment).where(Payment.order_id == body["id"])).one()
        assert apply_payment_status(session, payment, "succeeded", "webhook").changed
        assert not apply_payment_status(session, payment, "succeeded", "webhook again").changed
        assert not apply_payment_status(session, payment, "failed", "a stale failure").changed
        assert get_order(session, body["id"]).status == "paid"
    assert stock_of(shop, lamp) == 24


def test_the_state_machine_refuses_impossible_transitions(shop: sessionmaker[Session]) -> None:
    lamp = variant_id(shop, "lamp")
    body = place_order(shop, OFFLINE, _request(fill_cart(shop, {lamp: 1})), "sm").body
    with shop() as session, session.begin():
        order = get_order(session, body["id"], for_update=True)
        with pytest.raises(InvalidTransition):
            transition(session, order, "pending_payment", "back in time")
        with pytest.raises(InvalidTransition):
            transition(session, order, "cancelled", "too late to cancel a paid order")
        transition(session, order, "fulfilled", "shipped")
        transition(session, order, "refunded", "returned")
        with pytest.raises(InvalidTransition):
            transition(session, order, "paid", "refunded is final")


def test_two_hundred_buyers_race_for_the_last_ten_units(shop: sessionmaker[Session]) -> None:
    chair = variant_id(shop, "chair")
    set_stock(shop, chair, 10)
    buyers = 200
    tokens = [fill_cart(shop, {chair: 1}) for _ in range(buyers)]
    start = threading.Barrier(buyers)

    def buy(i: int) -> str:
        start.wait()
        try:
            return str(place_order(shop, OFFLINE, _request(tokens[i]), f"race-{i}").body["status"])
        except InsufficientStock:
            return "sold out"

    with ThreadPoolExecutor(buyers) as pool:
        outcomes = list(pool.map(buy, range(buyers)))
    assert outcomes.count("paid") == 10
    assert outcomes.count("sold out") == buyers - 10
    assert stock_of(shop, chair) == 0
    assert order_count(shop) == 10 and order_count(shop, "paid") == 10


def test_a_checkout_costs_a_small_fixed_number_of_statements(shop: sessionmaker[Session]) -> None:
    """The statement count does not grow with the cart (no query per line): two lines or five."""
    engine = shop.kw["bind"]
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    ids = [
        variant_id(shop, "lamp", 0),
        variant_id(shop, "lamp", 1),
        variant_id(shop, "chair"),
        variant_id(shop, "vase"),
    ]
    counts = []
    for n, items in enumerate(({ids[0]: 1, ids[1]: 1}, {i: 2 for i in ids})):
        token = fill_cart(shop, items)
        event.listen(engine, "before_cursor_execute", count)
        try:
            place_order(shop, OFFLINE, _request(token), f"count-{n}")
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts.append(len(statements))
        statements.clear()
    print(f"statements per checkout: {counts}")
    assert counts[0] == counts[1], "no statement per cart line"
    assert counts[0] <= 17  # 16, and one INSERT ... SELECT logging what was bought (any cart size)


class _LostAnswerProvider(OfflineProvider):
    """Charges, then loses the answer (a timeout after the provider took the money)."""

    instant = False  # behind a network: checkout pays in three steps

    def __init__(self) -> None:
        self.charged: list[str] = []

    def create_payment(self, **kwargs: Any) -> PaymentIntent:
        intent = super().create_payment(**kwargs)
        self.charged.append(intent.provider_ref)
        raise ProviderError("read timed out")


def test_a_charge_whose_answer_was_lost_is_recorded_even_after_the_reservation_lapsed(
    shop: sessionmaker[Session],
) -> None:
    lamp = variant_id(shop, "lamp")
    token = fill_cart(shop, {lamp: 1})
    lost = _LostAnswerProvider()
    with pytest.raises(PaymentUnavailable) as failure:
        place_order(shop, lost, _request(token), "lost")
    assert expire_lapsed(shop, datetime.now(UTC) + timedelta(hours=1)) == [failure.value.order_id]
    assert stock_of(shop, lamp) == 25
    retry = place_order(shop, OFFLINE, _request(token), "lost")  # the shopper presses Pay again
    assert retry.body["id"] == failure.value.order_id
    assert retry.body["status"] == "paid", "the money taken is on record and the order revived"
    with shop() as session:
        payments = session.scalars(select(Payment).where(Payment.order_id == failure.value.order_id)).all()
    assert [p.provider_ref for p in payments] == lost.charged, "the same payment, not a second charge"
    assert stock_of(shop, lamp) == 24
