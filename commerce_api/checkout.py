"""Checkout: a cart becomes an order, its stock reserved under row locks, then paid through a provider.

Three short transactions, so no lock is held across a provider's network round trip:
1. reserve: take the idempotency key, lock the variants in key order (`SELECT ... FOR UPDATE` on
   PostgreSQL; `BEGIN IMMEDIATE` on SQLite, whose writers are serial anyway), check and take the
   stock, write the order (pending_payment, reserved until a deadline) and empty the cart;
2. pay: ask the provider, with an idempotency key derived from the order, outside any transaction;
3. record: store the payment, move the order (paid, or cancelled with its stock back on a decline)
   and complete the idempotency record with the answer. A payment that succeeds for an order whose
   reservation lapsed meanwhile and whose stock sold out is refunded after this commit.
A crash between steps leaves a pending order that either a retry with the same key completes (the
provider returns the same payment for the same key) or the reservation sweeper cancels.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, sessionmaker

from commerce_api.db import begin_write
from commerce_api.idempotency import IN_FLIGHT, IdempotencyConflict, request_hash
from commerce_api.models import (
    Cart,
    CartItem,
    IdempotencyRecord,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    Variant,
)
from commerce_api.order_schemas import CheckoutRequest, OrderRead, OrderSummary, SummaryLine
from commerce_api.orders import apply_payment_status, expire_reservations, get_order, read_order
from commerce_api.payments.base_provider import PaymentIntent, PaymentProvider, ProviderError
from commerce_api.pricing import totals
from commerce_api.refunds import settle_late_refund

__all__ = [
    "CartMissing",
    "CheckoutPolicy",
    "CheckoutResult",
    "EmptyCart",
    "InsufficientStock",
    "MixedCurrencies",
    "PaymentUnavailable",
    "begin_write",
    "expire_lapsed",
    "place_order",
    "provider_key",
    "quote",
]

log = logging.getLogger("holoshop.checkout")

SCOPE = "checkout"


class CartMissing(Exception):
    """No cart with this token (or it belongs to another account): 404."""


class EmptyCart(Exception):
    """Nothing to buy: 422."""


class InsufficientStock(Exception):
    """Some line wants more than is left: 409, naming the SKUs."""


class MixedCurrencies(Exception):
    pass


class PaymentUnavailable(Exception):
    """The provider could not be reached; the order stays reserved and the same key may be retried: 502."""

    def __init__(self, order_id: str, message: str) -> None:
        super().__init__(message)
        self.order_id = order_id


@dataclass(frozen=True)
class CheckoutPolicy:
    reservation: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class _ToPay:
    """What step 2 needs of the order step 1 wrote (or found in flight), read while it was at hand."""

    order_id: str
    amount_minor: int
    currency: str
    email: str
    settled: bool = False  # a crashed attempt got as far as the provider's verdict


@dataclass(frozen=True)
class CheckoutResult:
    status_code: int
    body: dict[str, Any]
    replayed: bool


def _now() -> datetime:
    return datetime.now(UTC)


def _cart_variants(
    session: Session, token: str, account_id: int | None, *, lock: bool
) -> tuple[list[tuple[Variant, int]], str]:
    cart = session.get(Cart, token)
    if cart is None or (cart.account_id is not None and cart.account_id != account_id):
        raise CartMissing(token)
    rows = session.execute(select(CartItem.variant_id, CartItem.quantity).where(CartItem.cart_token == token))
    quantities = {variant_id: quantity for variant_id, quantity in rows}
    if not quantities:
        raise EmptyCart("the cart is empty")
    statement = (
        select(Variant)
        .options(joinedload(Variant.product))
        .where(Variant.id.in_(quantities))
        .order_by(Variant.id)
    )
    if lock:
        statement = statement.with_for_update(of=Variant)
    variants = session.scalars(statement).unique().all()
    currencies = {v.currency for v in variants}
    if len(currencies) != 1:
        raise MixedCurrencies("the cart mixes currencies")
    return [(v, quantities[v.id]) for v in variants], currencies.pop()


def _summary_lines(items: list[tuple[Variant, int]]) -> list[SummaryLine]:
    return [
        SummaryLine(
            variant_id=v.id,
            sku=v.sku,
            name=f"{v.product.name} ({v.name})",
            unit_price_minor=v.price_minor,
            quantity=quantity,
            line_total_minor=v.price_minor * quantity,
        )
        for v, quantity in items
    ]


def quote(session: Session, request: CheckoutRequest, account_id: int | None = None) -> OrderSummary:
    """The order's lines and totals as checkout would charge them now; nothing is reserved."""
    items, currency = _cart_variants(session, request.cart_token, account_id, lock=False)
    lines = _summary_lines(items)
    t = totals(sum(line.line_total_minor for line in lines), request.shipping_option, request.address.country)
    return OrderSummary(
        lines=lines,
        subtotal_minor=t.subtotal_minor,
        shipping_minor=t.shipping_minor,
        tax_minor=t.tax_minor,
        tax_rate_bp=t.tax_rate_bp,
        total_minor=t.total_minor,
        currency=currency,
    )


def _reserve(
    session: Session, request: CheckoutRequest, account_id: int | None, policy: CheckoutPolicy, now: datetime
) -> Order:
    items, currency = _cart_variants(session, request.cart_token, account_id, lock=True)
    short = [f"only {v.stock} left of {v.sku}" for v, quantity in items if v.stock < quantity]
    if short:
        raise InsufficientStock("; ".join(short))
    lines = _summary_lines(items)
    t = totals(sum(line.line_total_minor for line in lines), request.shipping_option, request.address.country)
    for variant, quantity in items:
        variant.stock -= quantity
    order = Order(
        id=secrets.token_hex(16),
        account_id=account_id,
        email=request.email.lower(),
        status="pending_payment",
        currency=currency,
        subtotal_minor=t.subtotal_minor,
        shipping_minor=t.shipping_minor,
        tax_minor=t.tax_minor,
        total_minor=t.total_minor,
        shipping_option=request.shipping_option,
        address=request.address.model_dump(),
        reserved_until=now + policy.reservation,
        created_at=now,
        updated_at=now,
        payments=[],  # known empty: appending the payment later needs no query
    )
    session.add(order)
    # One multi-row INSERT whatever the cart's size (the relationship would insert row by row).
    session.execute(insert(OrderLine), [{"order_id": order.id, **line.model_dump()} for line in lines])
    session.add(
        OrderEvent(
            order_id=order.id,
            from_status=None,
            to_status="pending_payment",
            reason="checkout",
            created_at=now,
        )
    )
    session.execute(delete(CartItem).where(CartItem.cart_token == request.cart_token))
    # A newer version, so cached copies of the full cart are replaced.
    session.execute(update(Cart).where(Cart.token == request.cart_token).values(updated_at=now))
    return order


def provider_key(order_id: str) -> str:
    """The idempotency key every attempt to pay an order uses with the provider: one order, one charge."""
    return f"order-{order_id}"


def _used_key(session: Session, key: str, digest: str) -> IdempotencyRecord | None:
    """The key's record, locked, when the key was used before; a different request's key is a 409."""
    record = session.get(IdempotencyRecord, (SCOPE, key), with_for_update=True)
    if record is not None and record.request_hash != digest:
        raise IdempotencyConflict("this Idempotency-Key was used for a different request")
    return record


def _reserve_or_replay(
    sessions: sessionmaker[Session],
    request: CheckoutRequest,
    key: str,
    digest: str,
    account_id: int | None,
    policy: CheckoutPolicy,
) -> CheckoutResult | _ToPay:
    """Step 1: the finished answer for a repeated key, or the order to pay."""
    now = _now()
    with sessions() as session, session.begin():
        begin_write(session)
        record = _used_key(session, key, digest)
        if record is not None:
            if record.status_code != IN_FLIGHT:
                return CheckoutResult(record.status_code, record.response, replayed=True)
            # a crashed or concurrent attempt: finish it
            order = get_order(session, str(record.response["order_id"]))
            # Settled once the provider's verdict is on record. An order the sweeper cancelled with no
            # payment recorded is not: the attempt may have been charged before it died, so the
            # provider is asked again (the same key gives the same payment) and its answer applied,
            # which takes the stock again or refunds.
            settled = any(p.status != "pending" for p in order.payments) or order.status in (
                "paid",
                "fulfilled",
                "refunded",
            )
            return _ToPay(order.id, order.total_minor, order.currency, order.email, settled)
        order = _reserve(session, request, account_id, policy, now)
        session.add(
            IdempotencyRecord(
                scope=SCOPE,
                key=key,
                request_hash=digest,
                status_code=IN_FLIGHT,
                response={"order_id": order.id},
                created_at=now,
            )
        )
        return _ToPay(order.id, order.total_minor, order.currency, order.email)


def _settle(session: Session, order: Order, provider: str, intent: PaymentIntent, now: datetime) -> bool:
    """The intent on record as the order's payment (once, whatever the retries) and its verdict
    applied to the order; whether the money is owed back (it landed after the reservation lapsed
    and the stock sold out)."""
    row = next((p for p in order.payments if p.provider_ref == intent.provider_ref), None)
    if row is None:
        row = Payment(
            provider=provider,
            provider_ref=intent.provider_ref,
            status="pending",
            amount_minor=order.total_minor,
            currency=order.currency,
            client_secret=intent.client_secret,
            created_at=now,
            updated_at=now,
        )
        order.payments.append(row)  # inserted with its final status below, in one statement
    if intent.status not in ("succeeded", "failed"):
        return False
    reason = f"{provider} payment {intent.status}"
    return apply_payment_status(session, row, intent.status, reason, now, order).refund_needed


def _record(
    sessions: sessionmaker[Session], order_id: str, key: str, provider: str, intent: PaymentIntent
) -> tuple[OrderRead, bool]:
    """Step 3: the payment on record, the order moved, the key's answer stored; one transaction."""
    now = _now()
    with sessions() as session, session.begin():
        begin_write(session)
        order = get_order(session, order_id, for_update=True)
        refund_needed = _settle(session, order, provider, intent, now)
        answer = read_order(order)
        _complete(session, key, answer.model_dump(mode="json"))
        return answer, refund_needed


def _complete(session: Session, key: str, answer: dict[str, Any]) -> None:
    """Stores the answer for a key still in flight (a concurrent attempt may have stored it first)."""
    session.execute(
        update(IdempotencyRecord)
        .where(
            IdempotencyRecord.scope == SCOPE,
            IdempotencyRecord.key == key,
            IdempotencyRecord.status_code == IN_FLIGHT,
        )
        .values(status_code=201, response=answer)
    )


def place_order(
    sessions: sessionmaker[Session],
    provider: PaymentProvider,
    request: CheckoutRequest,
    key: str,
    account_id: int | None = None,
    policy: CheckoutPolicy | None = None,
) -> CheckoutResult:
    """Checks out `request` once per `key`: a repeat gets the first answer; a different body, 409."""
    digest = request_hash(request.model_dump(mode="json"), f"account:{account_id}" if account_id else "guest")
    if provider.instant:
        done = _place_at_once(
            sessions, provider, request, key, digest, account_id, policy or CheckoutPolicy()
        )
        if done is not None:
            return done
    for attempt in range(3):
        try:
            step = _reserve_or_replay(sessions, request, key, digest, account_id, policy or CheckoutPolicy())
            break
        except IntegrityError:  # a concurrent request took the same key first: read its outcome
            if attempt == 2:
                raise
    if isinstance(step, CheckoutResult):
        return step
    order_id, amount, currency, email = step.order_id, step.amount_minor, step.currency, step.email
    if step.settled:  # finished by an attempt that died before storing its answer
        return CheckoutResult(201, _record_answer(sessions, order_id, key), replayed=True)
    try:
        intent = provider.create_payment(
            order_id=order_id,
            amount_minor=amount,
            currency=currency,
            email=email,
            payment_method=request.payment_method,
            idempotency_key=provider_key(order_id),
        )
    except ProviderError as exc:
        log.warning("payment provider failed for order %s: %s", order_id, exc)
        raise PaymentUnavailable(order_id, str(exc)) from exc
    for attempt in range(3):
        try:
            answer, refund_needed = _record(sessions, order_id, key, provider.name, intent)
            break
        except IntegrityError:  # a concurrent retry stored the same payment first
            if attempt == 2:
                raise
    if refund_needed:
        _settle_late_payment(sessions, provider, order_id, intent.provider_ref)
    return CheckoutResult(201, answer.model_dump(mode="json"), replayed=False)


def _place_at_once(
    sessions: sessionmaker[Session],
    provider: PaymentProvider,
    request: CheckoutRequest,
    key: str,
    digest: str,
    account_id: int | None,
    policy: CheckoutPolicy,
) -> CheckoutResult | None:
    """All three steps in one transaction, for a provider that needs no network: nothing can fall
    between them, and the order, its payment and the key's answer are written together or not at
    all. None when the key belongs to an attempt still in flight (made with a networked provider):
    the three-step path finishes that one.
    """
    for attempt in range(3):
        try:
            now = _now()
            with sessions() as session, session.begin():
                begin_write(session)
                record = _used_key(session, key, digest)
                if record is not None:
                    if record.status_code == IN_FLIGHT:
                        return None
                    return CheckoutResult(record.status_code, record.response, replayed=True)
                order = _reserve(session, request, account_id, policy, now)
                intent = provider.create_payment(
                    order_id=order.id,
                    amount_minor=order.total_minor,
                    currency=order.currency,
                    email=order.email,
                    payment_method=request.payment_method,
                    idempotency_key=provider_key(order.id),
                )
                if _settle(session, order, provider.name, intent, now):
                    raise AssertionError("an order paid in its own transaction cannot have lapsed")
                answer = read_order(order).model_dump(mode="json")
                session.add(
                    IdempotencyRecord(
                        scope=SCOPE,
                        key=key,
                        request_hash=digest,
                        status_code=201,
                        response=answer,
                        created_at=now,
                    )
                )
            return CheckoutResult(201, answer, replayed=False)
        except IntegrityError:  # a concurrent request took the same key first: read its outcome
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _settle_late_payment(
    sessions: sessionmaker[Session], provider: PaymentProvider, order_id: str, provider_ref: str
) -> None:
    """Refunds money taken for an order that lapsed while the provider answered and sold out since.

    After the commit, as Stripe's webhook does (the same function, the same provider key, so the two
    refund once between them). The answer stays the cancelled order either way; a provider failure
    is logged, not raised: the order is settled on disk, and for Stripe the webhook retries the refund.
    """
    try:
        settle_late_refund(sessions, provider, provider_ref)
    except ProviderError:
        log.exception("order %s was paid after it lapsed and sold out; its refund failed", order_id)


def _record_answer(sessions: sessionmaker[Session], order_id: str, key: str) -> dict[str, Any]:
    with sessions() as session, session.begin():
        begin_write(session)
        answer = read_order(get_order(session, order_id)).model_dump(mode="json")
        _complete(session, key, answer)
        return answer


def expire_lapsed(sessions: sessionmaker[Session], now: datetime | None = None) -> list[str]:
    """Cancels the unpaid orders whose reservation lapsed, in its own transaction; returns their ids."""
    with sessions() as session, session.begin():
        begin_write(session)
        return expire_reservations(session, now)
