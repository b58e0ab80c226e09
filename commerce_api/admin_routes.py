"""The staff API under /api/admin: every route needs the Bearer access token of a staff account
(none or a bad one: 401; a shopper's: 403). Status codes here, the logic in admin.py."""

# No `from __future__ import annotations`: FastAPI must see the router-local aliases at definition.

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from commerce_api import accounts, admin
from commerce_api.accounts import AccountPolicy, InvalidToken
from commerce_api.admin import Conflict, ProductNotFound, VariantNotFound
from commerce_api.admin_schemas import (
    ProductCreate,
    ProductUpdate,
    StockAdjust,
    StockSet,
    VariantCreate,
    VariantUpdate,
)
from commerce_api.schemas import AccountRead, ProductRead, VariantRead

__all__ = ["admin_router", "require_staff"]

ProductId = Annotated[str, Path(max_length=128)]
VariantId = Annotated[int, Path(ge=1, le=2**31 - 1)]
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no valid Bearer access token"},
    403: {"description": "the account is not staff"},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such product or variant"}}
_CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": "id, SKU or variant name in use"}}


def require_staff(sessions: sessionmaker[Session], policy: AccountPolicy) -> Callable[..., AccountRead]:
    """A dependency yielding the staff account of the request's Bearer token, or 401/403."""
    bearer = HTTPBearer(auto_error=False, description="an access token of a staff account")

    def staff(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> AccountRead:
        if credentials is None:
            raise HTTPException(
                401, "a Bearer access token is required", headers={"WWW-Authenticate": "Bearer"}
            )
        try:
            with sessions() as session:
                account = accounts.current_account(session, policy, credentials.credentials)
        except InvalidToken:
            raise HTTPException(
                401, "invalid or expired token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
            ) from None
        if not account.is_staff:
            raise HTTPException(403, "staff only")
        return account

    return staff


def admin_router(sessions: sessionmaker[Session], policy: AccountPolicy) -> APIRouter:
    staff = require_staff(sessions, policy)
    router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Depends(staff)], responses=_ERRORS)

    # Each endpoint opens its session in its own body (see routes.py): a yield dependency's close
    # runs in a separate threadpool hop that a cancelled request skips, leaking the connection.

    @router.post("/products", status_code=201, response_model=ProductRead, responses=_CONFLICT)
    def create_product(body: ProductCreate) -> ProductRead:
        """A product with its category (created when new), variants, prices and stock; searchable at once."""
        try:
            with sessions() as db:
                return admin.create_product(db, body)
        except Conflict as exc:
            raise HTTPException(409, str(exc)) from None

    @router.patch("/products/{product_id}", response_model=ProductRead, responses=_NOT_FOUND | _CONFLICT)
    def update_product(product_id: ProductId, body: ProductUpdate) -> ProductRead:
        """Name, description, category or model; the search index follows."""
        try:
            with sessions() as db:
                return admin.update_product(db, product_id, body)
        except ProductNotFound:
            raise HTTPException(404, f"no product {product_id!r}") from None
        except Conflict as exc:
            raise HTTPException(409, str(exc)) from None

    @router.post(
        "/products/{product_id}/variants",
        status_code=201,
        response_model=VariantRead,
        responses=_NOT_FOUND | _CONFLICT,
    )
    def add_variant(product_id: ProductId, body: VariantCreate) -> VariantRead:
        """A new variant at the next position, i.e. the next glTF variant index of the model."""
        try:
            with sessions() as db:
                return admin.add_variant(db, product_id, body)
        except ProductNotFound:
            raise HTTPException(404, f"no product {product_id!r}") from None
        except Conflict as exc:
            raise HTTPException(409, str(exc)) from None

    @router.patch(
        "/products/{product_id}/variants/{variant_id}",
        response_model=VariantRead,
        responses=_NOT_FOUND | _CONFLICT,
    )
    def update_variant(product_id: ProductId, variant_id: VariantId, body: VariantUpdate) -> VariantRead:
        """Name, SKU, price, currency or stock of one variant."""
        try:
            with sessions() as db:
                return admin.update_variant(db, product_id, variant_id, body)
        except VariantNotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except Conflict as exc:
            raise HTTPException(409, str(exc)) from None

    @router.put(
        "/products/{product_id}/variants/{variant_id}/stock", response_model=VariantRead, responses=_NOT_FOUND
    )
    def set_stock(product_id: ProductId, variant_id: VariantId, body: StockSet) -> VariantRead:
        """Sets the count (a stock take); deliveries and corrections are safer as `stock/adjust`."""
        try:
            with sessions() as db:
                return admin.set_stock(db, product_id, variant_id, body.stock)
        except VariantNotFound as exc:
            raise HTTPException(404, str(exc)) from None

    @router.post(
        "/products/{product_id}/variants/{variant_id}/stock/adjust",
        response_model=VariantRead,
        responses=_NOT_FOUND | {409: {"description": "the stock would go below zero"}},
    )
    def adjust_stock(product_id: ProductId, variant_id: VariantId, body: StockAdjust) -> VariantRead:
        """Adds `delta` atomically (negative removes): reservations made meanwhile are kept."""
        try:
            with sessions() as db:
                return admin.adjust_stock(db, product_id, variant_id, body.delta)
        except VariantNotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except Conflict as exc:
            raise HTTPException(409, str(exc)) from None

    # Orders: the lead adds these here over commerce_api/orders.py, behind the same staff dependency:
    #   GET  /api/admin/orders               list, newest first, filter by status
    #   POST /api/admin/orders/{id}/refund   through the payment provider, stock restored

    return router
