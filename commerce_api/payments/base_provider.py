"""The one interface every payment provider implements, and the outcomes it reports.

A provider is called outside any database transaction (it may be a network round trip) and
always with an idempotency key derived from the order, so a retry after a crash or a timeout asks
for the same payment again and is never charged twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = ["PaymentIntent", "PaymentProvider", "ProviderError", "RefundResult"]

IntentStatus = Literal["succeeded", "pending", "failed"]


class ProviderError(Exception):
    """The provider could not be reached or refused the request; nothing is known to be charged."""


@dataclass(frozen=True)
class PaymentIntent:
    """A provider's payment: `pending` waits for the shopper (3-D Secure, a wallet) and a webhook."""

    provider_ref: str
    status: IntentStatus
    client_secret: str | None = None
    failure: str | None = None


@dataclass(frozen=True)
class RefundResult:
    provider_ref: str
    status: Literal["succeeded", "pending", "failed"]


class PaymentProvider(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def instant(self) -> bool:
        """True for a provider that answers at once without a network (the offline one): checkout
        may then ask it inside its own transaction, paying in one step instead of three."""
        ...

    def create_payment(
        self,
        *,
        order_id: str,
        amount_minor: int,
        currency: str,
        email: str,
        payment_method: str | None,
        idempotency_key: str,
    ) -> PaymentIntent: ...

    def refund(self, *, provider_ref: str, amount_minor: int, idempotency_key: str) -> RefundResult: ...
