"""Stripe's webhook endpoint, POST /api/payments/stripe/webhook: the raw body to the service.

The body is read raw because the signature covers its exact bytes; any reparsing would break it.
"""

# No `from __future__ import annotations`: FastAPI must see the route's annotations at definition.

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from commerce_api.payments.base_provider import PaymentProvider, ProviderError
from commerce_api.stripe_webhooks import TOLERANCE_S, InvalidWebhook, handle_webhook

__all__ = ["MAX_BODY", "stripe_webhook_router"]

MAX_BODY = 1024 * 1024  # Stripe's events are a few KiB; anything near this is not one of them

_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "a missing or invalid Stripe-Signature, or one too old (a replay)"},
    413: {"description": "a body larger than any Stripe event"},
    502: {"description": "a refund the event calls for failed at the provider; Stripe redelivers"},
}


def stripe_webhook_router(
    sessions: sessionmaker[Session],
    provider: PaymentProvider,
    webhook_secret: str,
    tolerance_s: int = TOLERANCE_S,
) -> APIRouter:
    router = APIRouter(prefix="/api")

    @router.post("/payments/stripe/webhook", responses=_RESPONSES, tags=["payments"])
    async def stripe_webhook(request: Request) -> dict[str, str]:
        """Applies a signed Stripe event once: `processed`, `duplicate` (seen before) or `ignored`
        (a type we do not handle, or a payment we do not know); all 200 so Stripe stops retrying."""
        payload = await request.body()
        if len(payload) > MAX_BODY:
            raise HTTPException(413, "the body is larger than any Stripe event")
        signature = request.headers.get("stripe-signature")
        try:
            result = await run_in_threadpool(
                handle_webhook, sessions, provider, payload, signature, webhook_secret, tolerance_s
            )
        except InvalidWebhook as exc:
            raise HTTPException(400, str(exc)) from None
        except ProviderError as exc:
            raise HTTPException(502, f"payment provider unavailable: {exc}") from None
        answer = {"status": result.status, "event_id": result.event_id}
        if result.detail:
            answer["detail"] = result.detail
        return answer

    return router
