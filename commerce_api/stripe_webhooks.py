"""Stripe's webhook events applied to orders: verified, applied once, in any order.

Stripe signs each delivery (`Stripe-Signature`), retries on any non-2xx for days, may deliver an
event twice (even at once) and in any order. So the signature and its timestamp are checked with
the official library first; then the event id is stored in the same transaction as the event's
effect, so a repeat finds the id and does nothing; and the effects go through
`orders.apply_payment_status`, which copes with stale and out-of-order verdicts. Events about
payments we do not know are answered 200 and logged, never 500: a retry would not help.

A payment that lands after its lapsed order's stock sold out is refunded through the provider
after the commit (never inside a transaction). Whether a refund is still owed is read from the
database (payment succeeded, order cancelled, no refund), so a provider failure there answers 502,
Stripe redelivers, and the redelivery, although a duplicate, settles the refund.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import stripe
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from commerce_api.db import begin_write
from commerce_api.models import Order, Payment, Refund, WebhookEvent
from commerce_api.orders import apply_payment_status, get_order, transition
from commerce_api.payments.base_provider import PaymentProvider
from commerce_api.refunds import settle_late_refund

__all__ = [
    "InvalidWebhook",
    "WebhookResult",
    "handle_event",
    "handle_webhook",
    "settle_late_refund",
    "verify_event",
]

log = logging.getLogger("holoshop.stripe_webhooks")

PROVIDER = "stripe"
TOLERANCE_S = 300
_PAYMENT_EVENTS = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
    "payment_intent.canceled": "failed",
}
_REFUND_EVENTS = frozenset({"refund.created", "refund.updated", "charge.refund.updated"})
_REFUNDABLE = frozenset({"paid", "fulfilled"})


class InvalidWebhook(Exception):
    """A missing or wrong signature, a timestamp outside the tolerance (a replay), or no JSON: 400."""


@dataclass(frozen=True)
class WebhookResult:
    status: Literal["processed", "duplicate", "ignored"]
    event_id: str
    detail: str | None = None


@dataclass(frozen=True)
class _Applied:
    status: Literal["processed", "ignored"]
    detail: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def verify_event(
    payload: bytes, sig_header: str | None, secret: str, tolerance: int = TOLERANCE_S
) -> stripe.Event:
    """The event, once the library has checked its HMAC signature and that it is not older than
    `tolerance` seconds (an intercepted delivery replayed later fails here)."""
    if not sig_header:
        raise InvalidWebhook("missing Stripe-Signature header")
    try:
        event: stripe.Event = stripe.Webhook.construct_event(payload, sig_header, secret, tolerance=tolerance)
        return event
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook(f"invalid Stripe-Signature: {exc.user_message or exc}") from None
    except ValueError:
        raise InvalidWebhook("the payload is not a JSON event") from None


def _payment(session: Session, provider_ref: Any) -> Payment | None:
    if not isinstance(provider_ref, str) or not provider_ref:
        return None
    return session.scalars(select(Payment).where(Payment.provider_ref == provider_ref)).first()


def _refund_order_if_settled(
    session: Session, order: Order, payment: Payment, fully: bool, now: datetime
) -> None:
    """A paid or fulfilled order becomes `refunded` once its payment is refunded in full; idempotent."""
    refunded = sum(r.amount_minor for r in payment.refunds if r.status == "succeeded")
    if (fully or refunded >= payment.amount_minor) and order.status in _REFUNDABLE:
        transition(session, order, "refunded", "refunded at Stripe", now)


def _upsert_refund(session: Session, payment: Payment, refund: dict[str, Any], now: datetime) -> None:
    ref = refund.get("id")
    row = session.scalars(select(Refund).where(Refund.provider_ref == ref)).first() if ref else None
    status = str(refund.get("status") or "pending")
    if row is None:
        row = Refund(
            provider_ref=ref,
            amount_minor=int(refund.get("amount") or 0),
            status=status,
            reason=str(refund.get("reason") or "refunded at Stripe")[:200],
            created_at=now,
        )
        payment.refunds.append(row)
        session.flush()
    elif row.status != status:
        if status == "failed" and row.status == "succeeded":
            log.warning("stripe reports refund %s failed after it succeeded", ref)
        row.status = status


def _adopt(session: Session, intent: dict[str, Any], now: datetime) -> Payment | None:
    """A payment intent of ours that checkout never recorded (it died after Stripe answered): found
    by the order id we put in its metadata, recorded now so that its money is never lost."""
    metadata = intent.get("metadata")
    order_id = metadata.get("order_id") if isinstance(metadata, dict) else None
    ref = intent.get("id")
    if not isinstance(order_id, str) or not isinstance(ref, str):
        return None
    order = session.get(Order, order_id, with_for_update=True)
    if order is None:
        return None
    payment = Payment(
        provider="stripe",
        provider_ref=ref,
        status="pending",
        amount_minor=int(intent.get("amount") or order.total_minor),
        currency=str(intent.get("currency") or order.currency).upper(),
        created_at=now,
        updated_at=now,
    )
    order.payments.append(payment)
    session.flush()
    log.warning("stripe payment intent %s for order %s was not on record: adopted", ref, order_id)
    return payment


def _apply(session: Session, kind: str, obj: dict[str, Any], now: datetime) -> _Applied:
    """The event's effect inside the caller's transaction."""
    if kind in _PAYMENT_EVENTS:
        payment = _payment(session, obj.get("id")) or _adopt(session, obj, now)
        if payment is None:
            log.warning("stripe event %s for unknown payment intent %s: ignored", kind, obj.get("id"))
            return _Applied("ignored", "unknown payment intent")
        outcome = apply_payment_status(session, payment, _PAYMENT_EVENTS[kind], f"stripe {kind}", now)
        return _Applied("processed", "changed" if outcome.changed else "no change")
    if kind == "charge.refunded":
        payment = _payment(session, obj.get("payment_intent"))
        if payment is None:
            log.warning(
                "stripe charge.refunded for unknown payment intent %s: ignored", obj.get("payment_intent")
            )
            return _Applied("ignored", "unknown payment intent")
        order = get_order(session, payment.order_id, for_update=True)  # the order first, as refunds do
        refunds = obj.get("refunds")
        for refund in refunds.get("data", []) if isinstance(refunds, dict) else []:
            _upsert_refund(session, payment, refund, now)
        _refund_order_if_settled(session, order, payment, bool(obj.get("refunded")), now)
        return _Applied("processed")
    if kind in _REFUND_EVENTS:
        payment = _payment(session, obj.get("payment_intent"))
        if payment is None:
            log.warning("stripe %s for unknown payment intent %s: ignored", kind, obj.get("payment_intent"))
            return _Applied("ignored", "unknown payment intent")
        order = get_order(session, payment.order_id, for_update=True)
        _upsert_refund(session, payment, obj, now)
        _refund_order_if_settled(session, order, payment, False, now)
        return _Applied("processed")
    return _Applied("ignored", f"event type {kind} is not handled")


def _seen(sessions: sessionmaker[Session], event_id: str) -> bool:
    with sessions() as session:
        return session.get(WebhookEvent, (PROVIDER, event_id)) is not None


def handle_event(
    sessions: sessionmaker[Session], provider: PaymentProvider, event: stripe.Event
) -> WebhookResult:
    """Applies a verified event once: its id and its effect commit together, or neither does."""
    kind, event_id = str(event.type), str(event.id)
    obj: dict[str, Any] = event.data.object.to_dict() if event.data.object is not None else {}
    for attempt in range(3):
        now = _now()
        try:
            with sessions() as session, session.begin():
                begin_write(session)
                session.add(WebhookEvent(provider=PROVIDER, event_id=event_id, type=kind, received_at=now))
                session.flush()  # a repeat, earlier or concurrent, conflicts here (primary key)
                applied = _apply(session, kind, obj, now)
            result = WebhookResult(applied.status, event_id, applied.detail)
            break
        except IntegrityError:
            if _seen(sessions, event_id):
                log.info("stripe event %s (%s) already handled", event_id, kind)
                result = WebhookResult("duplicate", event_id)
                break
            if attempt == 2:  # another conflict (a concurrent refund row): 500, Stripe redelivers
                raise
    if kind == "payment_intent.succeeded" and isinstance(obj.get("id"), str):
        settle_late_refund(sessions, provider, obj["id"])
    return result


def handle_webhook(
    sessions: sessionmaker[Session],
    provider: PaymentProvider,
    payload: bytes,
    sig_header: str | None,
    secret: str,
    tolerance: int = TOLERANCE_S,
) -> WebhookResult:
    """Verifies and applies one delivery; `InvalidWebhook` (400) changes nothing."""
    return handle_event(sessions, provider, verify_event(payload, sig_header, secret, tolerance))
