"""A provider that needs no network, for the embedded default, demos and tests.

It answers like Stripe's test mode: `pm_card_visa` (or no method) succeeds, `pm_card_chargeDeclined`
is declined, `pm_card_threeDSecureRequired` stays pending. Its references derive from the
idempotency key, so a retried call returns the same payment, as Stripe's would.
"""

from __future__ import annotations

import hashlib

from commerce_api.payments.base_provider import PaymentIntent, RefundResult

__all__ = ["DECLINED_METHOD", "OfflineProvider", "PENDING_METHOD", "SUCCEEDING_METHOD"]

SUCCEEDING_METHOD = "pm_card_visa"
DECLINED_METHOD = "pm_card_chargeDeclined"
PENDING_METHOD = "pm_card_threeDSecureRequired"


def _ref(prefix: str, key: str) -> str:
    return f"{prefix}_offline_{hashlib.sha256(key.encode()).hexdigest()[:24]}"


class OfflineProvider:
    name = "offline"
    instant = True

    def create_payment(
        self,
        *,
        order_id: str,
        amount_minor: int,
        currency: str,
        email: str,
        payment_method: str | None,
        idempotency_key: str,
    ) -> PaymentIntent:
        ref = _ref("pi", idempotency_key)
        method = payment_method or SUCCEEDING_METHOD
        if method == DECLINED_METHOD:
            return PaymentIntent(ref, "failed", failure="your card was declined")
        if method == PENDING_METHOD:
            return PaymentIntent(ref, "pending", client_secret=f"{ref}_secret")
        if method != SUCCEEDING_METHOD:
            return PaymentIntent(ref, "failed", failure=f"unknown test payment method {method!r}")
        return PaymentIntent(ref, "succeeded")

    def refund(self, *, provider_ref: str, amount_minor: int, idempotency_key: str) -> RefundResult:
        return RefundResult(_ref("re", idempotency_key), "succeeded")
