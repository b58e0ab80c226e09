"""Refunding a paid order, with any provider: the money first, then the order, once; and refunding a
payment that landed after its order lapsed and sold out (checkout and Stripe's webhook both find those).

The provider is called outside any transaction with the key `refund-{order_id}`, so a retry after a
crash or a timeout gets the same refund back, never a second one; the refund row (unique by the
provider's reference), the `refunded` transition and an optional restock then commit together.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from commerce_api.db import begin_write
from commerce_api.models import Payment, Refund
from commerce_api.order_schemas import OrderRead
from commerce_api.orders import InvalidTransition, get_order, lock_variants, read_order, transition
from commerce_api.payments.base_provider import PaymentProvider

__all__ = ["RefundFailed", "refund_order", "settle_late_refund"]

log = logging.getLogger("holoshop.refunds")

_REFUNDABLE = frozenset({"paid", "fulfilled"})


class RefundFailed(Exception):
    """The provider declined the refund; the order is unchanged: 502 (or 409) for the caller."""


def _now() -> datetime:
    return datetime.now(UTC)


def _record(
    sessions: sessionmaker[Session],
    order_id: str,
    payment_id: int,
    refund_ref: str,
    refund_status: str,
    amount: int,
    reason: str,
    restock: bool,
) -> OrderRead:
    now = _now()
    with sessions() as session, session.begin():
        begin_write(session)
        order = get_order(session, order_id, for_update=True)  # the order before its refund rows
        exists = session.scalars(select(Refund).where(Refund.provider_ref == refund_ref)).first()
        if exists is None:
            session.add(
                Refund(
                    payment_id=payment_id,
                    provider_ref=refund_ref,
                    amount_minor=amount,
                    status=refund_status,
                    reason=reason[:200],
                    created_at=now,
                )
            )
        if order.status in _REFUNDABLE:
            transition(session, order, "refunded", f"refund: {reason}", now)
            if restock:  # only by the call that refunds, so a repeat never restocks twice
                quantities = {line.variant_id: line.quantity for line in order.lines if line.variant_id}
                for variant_id, variant in lock_variants(session, quantities).items():
                    variant.stock += quantities[variant_id]
        elif order.status != "refunded":
            raise InvalidTransition(f"an order that is {order.status} cannot become refunded")
        return read_order(order)


def refund_order(
    sessions: sessionmaker[Session],
    provider: PaymentProvider,
    order_id: str,
    reason: str,
    restock: bool = False,
) -> OrderRead:
    """Refunds a `paid` or `fulfilled` order in full and marks it `refunded`; a refunded one is
    answered as it is. `InvalidTransition` for other orders, `OrderNotFound`, `ProviderError` when
    the provider is unreachable (retry: the same refund comes back), `RefundFailed` on a decline."""
    with sessions() as session:
        order = get_order(session, order_id)
        if order.status == "refunded":
            return read_order(order)
        if order.status not in _REFUNDABLE:
            raise InvalidTransition(f"an order that is {order.status} cannot be refunded")
        paid = [p for p in order.payments if p.status == "succeeded" and p.provider_ref]
        if not paid:
            raise InvalidTransition("the order has no succeeded payment to refund")
        payment_id, provider_ref, amount = paid[-1].id, str(paid[-1].provider_ref), order.total_minor
    result = provider.refund(
        provider_ref=provider_ref, amount_minor=amount, idempotency_key=f"refund-{order_id}"
    )
    if result.status == "failed":
        log.warning("refund of order %s failed at the provider (%s)", order_id, result.provider_ref)
        raise RefundFailed(f"the provider declined the refund {result.provider_ref}")
    for attempt in range(3):
        try:
            return _record(
                sessions, order_id, payment_id, result.provider_ref, result.status, amount, reason, restock
            )
        except IntegrityError:  # a webhook stored the same refund row first: read it again
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _late_refund_due(session: Session, payment: Payment) -> bool:
    """Money kept for an order that will not ship: succeeded, order cancelled, nothing refunded."""
    if payment.status != "succeeded" or get_order(session, payment.order_id).status != "cancelled":
        return False
    return not any(r.status != "failed" for r in payment.refunds)


def settle_late_refund(sessions: sessionmaker[Session], provider: PaymentProvider, provider_ref: str) -> bool:
    """Refunds a payment that arrived after its order lapsed and sold out, once; True if it refunded.

    The provider is called outside any transaction with a key derived from the payment, so a
    repeat (a redelivered event, a concurrent one) gets the same refund; `ProviderError` propagates.
    """
    with sessions() as session:
        payment = session.scalars(select(Payment).where(Payment.provider_ref == provider_ref)).first()
        if payment is None or not _late_refund_due(session, payment):
            return False
        payment_id, amount = payment.id, payment.amount_minor
    result = provider.refund(
        provider_ref=provider_ref, amount_minor=amount, idempotency_key=f"refund-late-{provider_ref}"
    )
    try:
        with sessions() as session, session.begin():
            begin_write(session)
            if session.scalars(select(Refund).where(Refund.provider_ref == result.provider_ref)).first():
                return False
            session.add(
                Refund(
                    payment_id=payment_id,
                    provider_ref=result.provider_ref,
                    amount_minor=amount,
                    status=result.status,
                    reason="paid after the reservation lapsed and the stock sold out",
                    created_at=_now(),
                )
            )
    except IntegrityError:  # a concurrent delivery recorded the same refund first
        return False
    log.warning("refunded late payment %s (%s)", provider_ref, result.provider_ref)
    return True
