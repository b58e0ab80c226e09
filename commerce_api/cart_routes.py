"""The carts API under /api/carts and /api/cart: status codes here, the logic in carts.py.

A cart's token is its capability. An account's cart is also reachable by its token, but then only
with its owner's Bearer token: without it 403 (whoever holds the token already knows the cart
exists, so a 404 would hide nothing). A Bearer token that is present but bad is 401 everywhere.
"""

# No `from __future__ import annotations`: FastAPI must see the router-local aliases at definition.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from commerce_api import carts
from commerce_api.accounts import AccountPolicy
from commerce_api.bearer import optional_account_id, unauthorized
from commerce_api.cart_cache import CartCache
from commerce_api.cart_schemas import (
    CART_TOKEN_PATTERN,
    MAX_VARIANT_ID,
    AddItemRequest,
    CartRead,
    SetQuantityRequest,
)
from commerce_api.carts import (
    CartError,
    CartForbidden,
    CartLimit,
    CartNotFound,
    CurrencyMismatch,
    ItemNotFound,
    OutOfStock,
)

__all__ = ["carts_router"]

_STATUS: dict[type[CartError], int] = {
    CartNotFound: 404,
    ItemNotFound: 404,
    CartForbidden: 403,
    OutOfStock: 409,
    CartLimit: 409,
    CurrencyMismatch: 409,
}
_CART_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "a Bearer token that is invalid or expired"},
    403: {"description": "an account's cart without its owner's Bearer token"},
    404: {"description": "no such cart"},
}
_CHANGE_ERRORS: dict[int | str, dict[str, Any]] = _CART_ERRORS | {
    404: {"description": "no such cart, variant or product"},
    409: {"description": "not enough stock ('only N left of SKU'), a limit, or another currency"},
}


def _http(exc: CartError) -> HTTPException:
    return HTTPException(_STATUS[type(exc)], str(exc))


def carts_router(sessions: sessionmaker[Session], policy: AccountPolicy, cache: CartCache) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["carts"])
    bearer = HTTPBearer(auto_error=False, description="an access token from /api/accounts/login")

    # Each endpoint opens its session in its own body (see routes.py): a yield dependency's close
    # runs in a separate threadpool hop that a cancelled request skips, leaking the connection. So the
    # Bearer is a dependency (documented in OpenAPI) and its account is looked up in that session.
    Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

    def account_id(db: Session, credentials: HTTPAuthorizationCredentials | None) -> int | None:
        return optional_account_id(db, policy, credentials)

    Token = Annotated[str, Path(pattern=CART_TOKEN_PATTERN, description="the cart's 43-character token")]
    VariantId = Annotated[int, Path(ge=1, le=MAX_VARIANT_ID)]

    @router.post("/carts", status_code=201, response_model=CartRead, responses=_CART_ERRORS)
    def create(credentials: Bearer) -> CartRead:
        """A new guest cart; with a Bearer token, the account's cart (created on demand)."""
        try:
            with sessions() as db:
                return carts.create_cart(db, account_id(db, credentials), cache=cache)
        except CartError as exc:
            raise _http(exc) from None

    @router.get("/carts/{token}", response_model=CartRead, responses=_CART_ERRORS)
    def read(token: Token, credentials: Bearer) -> CartRead:
        try:
            with sessions() as db:
                return carts.get_cart(db, token, account_id(db, credentials), cache=cache)
        except CartError as exc:
            raise _http(exc) from None

    @router.post("/carts/{token}/items", response_model=CartRead, responses=_CHANGE_ERRORS)
    def add(token: Token, credentials: Bearer, body: AddItemRequest) -> CartRead:
        """Adds a variant, by `variant_id` or by `product_id` and `variant_index`; quantities add up."""
        try:
            with sessions() as db:
                return carts.add_item(
                    db,
                    token,
                    variant_id=body.variant_id,
                    product_id=body.product_id,
                    variant_index=body.variant_index,
                    quantity=body.quantity,
                    account_id=account_id(db, credentials),
                    cache=cache,
                )
        except CartError as exc:
            raise _http(exc) from None

    @router.put("/carts/{token}/items/{variant_id}", response_model=CartRead, responses=_CHANGE_ERRORS)
    def set_quantity(
        token: Token, variant_id: VariantId, credentials: Bearer, body: SetQuantityRequest
    ) -> CartRead:
        """Sets a line's quantity; 0 removes it."""
        try:
            with sessions() as db:
                owner = account_id(db, credentials)
                return carts.set_quantity(db, token, variant_id, body.quantity, account_id=owner, cache=cache)
        except CartError as exc:
            raise _http(exc) from None

    @router.delete("/carts/{token}/items/{variant_id}", response_model=CartRead, responses=_CART_ERRORS)
    def remove(token: Token, variant_id: VariantId, credentials: Bearer) -> CartRead:
        """Removes a line; one that is not in the cart is no error."""
        try:
            with sessions() as db:
                owner = account_id(db, credentials)
                return carts.remove_item(db, token, variant_id, account_id=owner, cache=cache)
        except CartError as exc:
            raise _http(exc) from None

    @router.get("/cart", response_model=CartRead, responses={401: {"description": "no or a bad Bearer"}})
    def mine(credentials: Bearer) -> CartRead:
        """The Bearer's account cart, created on demand."""
        if credentials is None:
            raise unauthorized("a Bearer access token is required", "Bearer")
        try:
            with sessions() as db:
                owner = account_id(db, credentials)
                assert owner is not None  # a Bearer was given: an account, or 401 raised
                return carts.account_cart(db, owner, cache=cache)
        except CartError as exc:
            raise _http(exc) from None

    return router
