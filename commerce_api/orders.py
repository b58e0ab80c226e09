"""Orders: the state machine, the stock an order holds, and what payments and refunds do to it.

    pending_payment -> paid | cancelled
    paid            -> fulfilled | refunded
    fulfilled       -> refunded
    cancelled       -> paid   (a payment that lands after the reservation lapsed, stock permitting)

Every change writes an `order_event` row in the transaction that makes it, and callers commit
before they answer, so nothing is acknowledged that is not on disk. An unpaid order holds its
units (already taken off `variant.stock`) until `reserved_until`; cancelling gives them back.
Functions here never commit: the caller owns the transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from commerce_api.interactions import account_subject, order_subject, record_order
from commerce_api.models import Order, OrderEvent, Payment, Variant
from commerce_api.order_schemas import OrderLineRead, OrderRead, PaymentRead

__all__ = [
    "TRANSITIONS",
    "InvalidTransition",
    "OrderNotFound",
    "PaymentOutcome",
    "account_orders",
    "apply_payment_status",
    "expire_reservations",
    "get_order",
    "lock_variants",
    "read_order",
    "release_stock",
    "transition",
]

log = logging.getLogger("holoshop.orders")

TRANSITIONS: dict[str, frozenset[str]] = {
    "pending_payment": frozenset({"paid", "cancelled"}),
    "paid": frozenset({"fulfilled", "refunded"}),
    "fulfilled": frozenset({"refunded"}),
    "cancelled": frozenset({"paid"}),
    "refunded": frozenset(),
}


class OrderNotFound(Exception):
    pass


class InvalidTransition(Exception):
    """The order's status does not allow the change (e.g. refunding an unpaid order): 409."""


def _now() -> datetime:
    return datetime.now(UTC)


def transition(
    session: Session, order: Order, to_status: str, reason: str, now: datetime | None = None
) -> None:
    """Moves `order` to `to_status` and records why; releases held stock when an unpaid order ends."""
    if to_status not in TRANSITIONS[order.status]:
        raise InvalidTransition(f"an order that is {order.status} cannot become {to_status}")
    when = now or _now()
    if order.status == "pending_payment" and to_status == "cancelled":
        release_stock(session, order)
    session.add(
        OrderEvent(
            order_id=order.id, from_status=order.status, to_status=to_status, reason=reason, created_at=when
        )
    )
    if to_status == "paid":  # what was bought, for the recommender; in the same transaction
        subject = (
            account_subject(order.account_id) if order.account_id is not None else order_subject(order.id)
        )
        record_order(session, order.id, subject, when)
    order.status = to_status
    order.updated_at = when
    if to_status != "pending_payment":
        order.reserved_until = None


def lock_variants(session: Session, variant_ids: Iterable[int]) -> dict[int, Variant]:
    """The variants, locked for update in primary-key order so concurrent checkouts cannot deadlock."""
    ids = sorted(set(variant_ids))
    if not ids:
        return {}
    rows = session.scalars(select(Variant).where(Variant.id.in_(ids)).order_by(Variant.id).with_for_update())
    return {v.id: v for v in rows}


def release_stock(session: Session, order: Order) -> None:
    """Puts an order's units back on sale (lines whose variant was deleted since are skipped)."""
    quantities = {line.variant_id: line.quantity for line in order.lines if line.variant_id is not None}
    for variant_id, variant in lock_variants(session, quantities).items():
        variant.stock += quantities[variant_id]


def _take_stock(session: Session, order: Order) -> bool:
    """Takes an order's units again (a late payment on a lapsed order); False if any ran out."""
    quantities = {line.variant_id: line.quantity for line in order.lines if line.variant_id is not None}
    variants = lock_variants(session, quantities)
    if len(variants) != len(quantities) or any(v.stock < quantities[i] for i, v in variants.items()):
        return False
    for variant_id, variant in variants.items():
        variant.stock -= quantities[variant_id]
    return True


def read_order(order: Order) -> OrderRead:
    payment = order.payments[-1] if order.payments else None
    return OrderRead(
        id=order.id,
        status=order.status,
        email=order.email,
        lines=[OrderLineRead.model_validate(line) for line in order.lines],
        subtotal_minor=order.subtotal_minor,
        shipping_minor=order.shipping_minor,
        tax_minor=order.tax_minor,
        total_minor=order.total_minor,
        currency=order.currency,
        shipping_option=order.shipping_option,
        address=order.address,
        reserved_until=order.reserved_until,
        created_at=order.created_at,
        payment=PaymentRead.model_validate(payment) if payment is not None else None,
    )


def get_order(session: Session, order_id: str, *, for_update: bool = False) -> Order:
    statement = select(Order).where(Order.id == order_id)
    if for_update:
        statement = statement.with_for_update()
    order = session.scalars(statement).first()
    if order is None:
        raise OrderNotFound(order_id)
    return order


def account_orders(session: Session, account_id: int, limit: int = 50, offset: int = 0) -> list[OrderRead]:
    """An account's orders, newest first."""
    rows = session.scalars(
        select(Order)
        .where(Order.account_id == account_id)
        .order_by(Order.created_at.desc(), Order.id)
        .limit(limit)
        .offset(offset)
    )
    return [read_order(order) for order in rows]


@dataclass(frozen=True)
class PaymentOutcome:
    """What a payment update did; `refund_needed` when money arrived for an order that cannot ship."""

    order_id: str
    changed: bool
    refund_needed: bool = False


def apply_payment_status(
    session: Session,
    payment: Payment,
    status: str,
    reason: str,
    now: datetime | None = None,
    order: Order | None = None,
) -> PaymentOutcome:
    """Applies a provider's verdict on `payment` to it and its order, whatever order events came in.

    Out-of-order and repeated updates are harmless: a failure after a success changes nothing, a
    success after the reservation lapsed takes the stock again or asks for a refund. `order`: the
    payment's order when the caller already holds it locked.
    """
    if order is None:
        order = get_order(session, payment.order_id, for_update=True)
    when = now or _now()
    if payment.status == "succeeded" or payment.status == status:
        return PaymentOutcome(order.id, changed=False)
    payment.status = status
    payment.updated_at = when
    if status == "succeeded":
        if order.status == "pending_payment":
            transition(session, order, "paid", reason, when)
            return PaymentOutcome(order.id, changed=True)
        if order.status == "cancelled":
            if _take_stock(session, order):
                transition(session, order, "paid", f"{reason}, after the reservation lapsed", when)
                return PaymentOutcome(order.id, changed=True)
            log.warning("order %s was paid after it lapsed and sold out: refunding", order.id)
            return PaymentOutcome(order.id, changed=True, refund_needed=True)
        return PaymentOutcome(order.id, changed=True)
    if status == "failed" and order.status == "pending_payment":
        transition(session, order, "cancelled", reason, when)
    return PaymentOutcome(order.id, changed=True)


def expire_reservations(session: Session, now: datetime | None = None, batch: int = 100) -> list[str]:
    """Cancels unpaid orders whose reservation lapsed, giving their stock back; returns their ids.

    Rows another transaction holds are skipped (PostgreSQL's SKIP LOCKED), so sweepers on several
    replicas never wait on each other or on a checkout finishing.
    """
    when = now or _now()
    orders = session.scalars(
        select(Order)
        .where(Order.status == "pending_payment", Order.reserved_until < when)
        .order_by(Order.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    # All their variants at once, in key order, before any order releases its own: one batch locking
    # variants order by order could deadlock against a checkout locking the same rows in key order.
    lock_variants(
        session, (line.variant_id for o in orders for line in o.lines if line.variant_id is not None)
    )
    for order in orders:
        transition(session, order, "cancelled", "reservation expired", when)
    return [order.id for order in orders]
