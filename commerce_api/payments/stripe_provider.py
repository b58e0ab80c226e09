"""Stripe PaymentIntents through the official `stripe` library.

Every request carries the caller's idempotency key as Stripe's `Idempotency-Key`, so a retried
checkout (or the library's own network retries) gets the first PaymentIntent back instead of a
second charge. A card decline is an answer (a failed intent); a network, rate-limit, auth or 5xx
failure is a `ProviderError`: nothing is known, and the same key may be retried.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import stripe

from commerce_api.payments.base_provider import (
    IntentStatus,
    PaymentIntent,
    ProviderError,
    RefundResult,
)

if TYPE_CHECKING:
    from stripe.params import PaymentIntentCreateParams, RefundCreateParams

__all__ = ["StripeProvider", "intent_status"]

log = logging.getLogger("holoshop.payments.stripe")

_PENDING = frozenset({"requires_action", "requires_confirmation", "processing", "requires_capture"})


def intent_status(status: str, *, confirmed: bool) -> IntentStatus:
    """Stripe's intent status as ours: `requires_payment_method` is a failure only after a confirm
    (before one it just waits for the shopper to enter a card with Stripe.js)."""
    if status == "succeeded":
        return "succeeded"
    if status == "canceled" or (status == "requires_payment_method" and confirmed):
        return "failed"
    return "pending"


def _failure(intent: Any) -> str:
    error = intent.get("last_payment_error") if intent is not None else None
    message = error.get("message") if error else None
    return str(message or "the payment was declined")


class StripeProvider:
    """A `PaymentProvider` over Stripe; `api_base` points it at another server (the tests' fake)."""

    name = "stripe"
    instant = False  # a network round trip: never inside a transaction

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str | None = None,
        max_network_retries: int = 2,
    ) -> None:
        if not api_key:
            raise ValueError("a Stripe API key is required")
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else {},
            max_network_retries=max_network_retries,
        )

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
        params: PaymentIntentCreateParams = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "metadata": {"order_id": order_id},
            "receipt_email": email,
        }
        if payment_method:
            params["payment_method"] = payment_method
            params["confirm"] = True
            # confirmed on the server: no redirect-based methods, so no return_url is needed
            params["automatic_payment_methods"] = {"enabled": True, "allow_redirects": "never"}
        else:  # the shopper confirms in the browser with the client secret
            params["automatic_payment_methods"] = {"enabled": True}
        try:
            intent = self._client.v1.payment_intents.create(params, {"idempotency_key": idempotency_key})
        except stripe.CardError as exc:
            declined = exc.error.payment_intent if exc.error is not None else None
            ref = declined.id if declined is not None else f"declined_{idempotency_key}"
            return PaymentIntent(ref, "failed", failure=exc.user_message or "your card was declined")
        except stripe.InvalidRequestError as exc:
            if exc.param == "payment_method":  # an unknown or unusable method: the shopper's to fix
                return PaymentIntent(
                    f"invalid_{idempotency_key}", "failed", failure=exc.user_message or "invalid method"
                )
            raise ProviderError(f"stripe refused the payment: {exc.user_message or exc}") from exc
        except stripe.StripeError as exc:
            raise ProviderError(f"stripe unavailable: {exc.user_message or exc}") from exc
        status = intent_status(intent.status, confirmed=bool(payment_method))
        if status == "failed":
            return PaymentIntent(intent.id, "failed", failure=_failure(intent))
        return PaymentIntent(
            intent.id, status, client_secret=intent.client_secret if status == "pending" else None
        )

    def refund(self, *, provider_ref: str, amount_minor: int, idempotency_key: str) -> RefundResult:
        params: RefundCreateParams = {"payment_intent": provider_ref, "amount": amount_minor}
        try:
            refund = self._client.v1.refunds.create(params, {"idempotency_key": idempotency_key})
        except stripe.StripeError as exc:
            raise ProviderError(f"stripe refund failed: {exc.user_message or exc}") from exc
        status = refund.status
        if status == "succeeded":
            return RefundResult(refund.id, "succeeded")
        if status in ("failed", "canceled"):
            return RefundResult(refund.id, "failed")
        return RefundResult(refund.id, "pending")
