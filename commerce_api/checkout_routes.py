"""Checkout and orders under /api: shipping options, quotes, idempotent checkout, order reads."""

# No `from __future__ import annotations`: FastAPI must see the router-local aliases at definition.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from commerce_api.accounts import AccountPolicy
from commerce_api.bearer import BAD_TOKEN, optional_account_id, unauthorized
from commerce_api.cart_cache import CartCache, NullCartCache
from commerce_api.carts import get_cart
from commerce_api.checkout import (
    CartMissing,
    CheckoutPolicy,
    EmptyCart,
    InsufficientStock,
    MixedCurrencies,
    PaymentUnavailable,
    place_order,
    quote,
)
from commerce_api.idempotency import IdempotencyConflict
from commerce_api.order_schemas import CheckoutRequest, OrderRead, OrderSummary, ShippingOptionRead
from commerce_api.orders import OrderNotFound, account_orders, get_order, read_order
from commerce_api.payments.base_provider import PaymentProvider
from commerce_api.pricing import SHIPPING_OPTIONS, UnknownShippingOption, UnsupportedCountry
from commerce_api.rate_limit import RATE_LIMITED_RESPONSE, RateLimit

__all__ = ["checkout_router"]

_CHECKOUT_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": BAD_TOKEN},
    404: {"description": "no such cart"},
    409: {"description": "not enough stock, or the Idempotency-Key was used for another request"},
    422: {"description": "an empty cart, an unknown shipping option or a country not shipped to"},
    502: {"description": "the payment provider failed; retry with the same Idempotency-Key"},
}


def checkout_router(
    sessions: sessionmaker[Session],
    policy: AccountPolicy,
    provider: PaymentProvider,
    checkout_policy: CheckoutPolicy | None = None,
    currency: str = "EUR",
    cart_cache: CartCache | None = None,
    checkout_limit: RateLimit | None = None,
) -> APIRouter:
    router = APIRouter(prefix="/api")
    bearer = HTTPBearer(auto_error=False, description="an access token from /api/accounts/login")

    # Each endpoint opens its session in its own body (see routes.py): a yield dependency's close
    # runs in a separate threadpool hop that a cancelled request skips, leaking the connection. So the
    # Bearer is a dependency (documented in OpenAPI) and its account is looked up in that session.
    Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

    def optional_account(db: Session, credentials: HTTPAuthorizationCredentials | None) -> int | None:
        return optional_account_id(db, policy, credentials)

    cache = cart_cache or NullCartCache()

    def recache_cart(token: str, account_id: int | None) -> None:
        """Checkout emptied the cart in the database: the cached copy must follow."""
        if isinstance(cache, NullCartCache):
            return
        with sessions() as db:
            cache.put(get_cart(db, token, account_id))

    @router.get("/checkout/shipping-options", response_model=list[ShippingOptionRead], tags=["checkout"])
    def shipping_options() -> list[ShippingOptionRead]:
        return [
            ShippingOptionRead(
                id=o.id,
                name=o.name,
                price_minor=o.price_minor,
                currency=currency,
                days=o.days,
                free_from_minor=o.free_from_minor,
            )
            for o in SHIPPING_OPTIONS
        ]

    @router.post(
        "/checkout/quote", response_model=OrderSummary, responses=_CHECKOUT_ERRORS, tags=["checkout"]
    )
    def checkout_quote(credentials: Bearer, body: CheckoutRequest) -> OrderSummary:
        """Lines, shipping, tax and total as checkout would charge them now; nothing is reserved."""
        try:
            with sessions() as db:
                return quote(db, body, optional_account(db, credentials))
        except CartMissing:
            raise HTTPException(404, "no such cart") from None
        except (EmptyCart, MixedCurrencies, UnknownShippingOption, UnsupportedCountry) as exc:
            raise HTTPException(422, str(exc)) from None

    @router.post(
        "/checkout",
        status_code=201,
        response_model=OrderRead,
        responses=_CHECKOUT_ERRORS | RATE_LIMITED_RESPONSE,
        tags=["checkout"],
        dependencies=[Depends(checkout_limit)] if checkout_limit else [],
    )
    def checkout(
        credentials: Bearer,
        body: CheckoutRequest,
        idempotency_key: Annotated[
            str,
            Header(
                min_length=1,
                max_length=255,
                pattern=r"^[\x21-\x7e]+$",
                description="a unique key per purchase attempt, reused on retries (e.g. a UUID)",
            ),
        ],
    ) -> JSONResponse:
        """Reserves the cart's stock, creates the order and takes the payment, once per Idempotency-Key.

        The same key with the same body answers the first result again (`Idempotent-Replayed: true`);
        with a different body, 409. An order paid offline is `paid` at once; a Stripe one stays
        `pending_payment` with a client secret until the provider's webhook confirms it.
        """
        with sessions() as db:
            account_id = optional_account(db, credentials)
        try:
            result = place_order(sessions, provider, body, idempotency_key, account_id, checkout_policy)
        except IdempotencyConflict as exc:
            raise HTTPException(409, str(exc)) from None
        except CartMissing:
            raise HTTPException(404, "no such cart") from None
        except InsufficientStock as exc:
            raise HTTPException(409, str(exc)) from None
        except (EmptyCart, MixedCurrencies, UnknownShippingOption, UnsupportedCountry) as exc:
            raise HTTPException(422, str(exc)) from None
        except PaymentUnavailable as exc:
            raise HTTPException(502, f"payment provider unavailable; order {exc.order_id} is held") from None
        if not result.replayed:
            recache_cart(body.cart_token, account_id)
        headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
        return JSONResponse(result.body, status_code=result.status_code, headers=headers)

    @router.get(
        "/orders/{order_id}",
        response_model=OrderRead,
        responses={404: {"description": "no such order"}, 401: {"description": BAD_TOKEN}},
        tags=["orders"],
    )
    def order(credentials: Bearer, order_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]) -> OrderRead:
        """A guest's order by its id (the id is the secret); an account's order also needs its token."""
        with sessions() as db:
            account_id = optional_account(db, credentials)
            try:
                found = get_order(db, order_id)
            except OrderNotFound:
                raise HTTPException(404, "no such order") from None
            if found.account_id is not None and found.account_id != account_id:
                raise HTTPException(404, "no such order")  # not 403: an id alone reveals nothing
            return read_order(found)

    @router.get(
        "/accounts/me/orders",
        response_model=list[OrderRead],
        responses={401: {"description": BAD_TOKEN}},
        tags=["orders"],
    )
    def my_orders(
        credentials: Bearer,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> list[OrderRead]:
        """The account's order history, newest first."""
        if credentials is None:
            raise unauthorized("a Bearer access token is required")
        with sessions() as db:
            account_id = optional_account(db, credentials)
            assert account_id is not None  # a Bearer was given: an account, or 401 raised
            return account_orders(db, account_id, limit, offset)

    return router
