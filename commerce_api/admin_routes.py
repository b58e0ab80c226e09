"""The staff API under /api/admin: every route needs the Bearer access token of a staff account
(none or a bad one: 401; a shopper's: 403). Status codes here, the logic in admin.py."""

# No `from __future__ import annotations`: FastAPI must see the router-local aliases at definition.

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from commerce_api import accounts, admin, admin_orders
from commerce_api.accounts import AccountPolicy, InvalidToken
from commerce_api.admin import Conflict, ProductNotFound, VariantNotFound
from commerce_api.admin_order_schemas import AdminOrderPage, AdminOrderRead
from commerce_api.admin_schemas import (
    ProductCreate,
    ProductUpdate,
    StockAdjust,
    StockSet,
    VariantCreate,
    VariantUpdate,
)
from commerce_api.bearer import unauthorized
from commerce_api.order_schemas import OrderRead, OrderStatus, RefundRequest
from commerce_api.orders import InvalidTransition, OrderNotFound
from commerce_api.payments.base_provider import PaymentProvider, ProviderError
from commerce_api.refunds import RefundFailed
from commerce_api.schema_base import NO_NUL
from commerce_api.schemas import AccountRead, ProductRead, VariantRead

__all__ = ["admin_router", "require_staff"]

ProductId = Annotated[str, Path(max_length=128, pattern=NO_NUL)]
VariantId = Annotated[int, Path(ge=1, le=2**31 - 1)]
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no valid Bearer access token"},
    403: {"description": "the account is not staff"},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such product or variant"}}
_CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": "id, SKU or variant name in use"}}
_NO_ORDER: dict[int | str, dict[str, Any]] = {404: {"description": "no such order"}}
_ORDER_CHANGE: dict[int | str, dict[str, Any]] = _NO_ORDER | {
    409: {"description": "the order's status does not allow it"}
}
OrderId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


def require_staff(sessions: sessionmaker[Session], policy: AccountPolicy) -> Callable[..., AccountRead]:
    """A dependency yielding the staff account of the request's Bearer token, or 401/403."""
    bearer = HTTPBearer(auto_error=False, description="an access token of a staff account")

    def staff(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> AccountRead:
        if credentials is None:
            raise unauthorized("a Bearer access token is required", "Bearer")
        try:
            with sessions() as session:
                account = accounts.current_account(session, policy, credentials.credentials)
        except InvalidToken:
            raise unauthorized() from None
        if not account.is_staff:
            raise HTTPException(403, "staff only")
        return account

    return staff


def admin_router(
    sessions: sessionmaker[Session], policy: AccountPolicy, provider: PaymentProvider
) -> APIRouter:
    """`provider`: the app's payment provider, through which staff refunds go."""
    staff = require_staff(sessions, policy)
    Staff = Annotated[AccountRead, Depends(staff)]  # the router's dependency, solved once per request
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

    @router.get("/orders", response_model=AdminOrderPage)
    def orders(
        status: OrderStatus | None = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> AdminOrderPage:
        """Every order, newest first, optionally of one status, with the total for paging."""
        with sessions() as db:
            return admin_orders.list_orders(db, status, limit, offset)

    @router.get("/orders/{order_id}", response_model=AdminOrderRead, responses=_NO_ORDER)
    def order(order_id: OrderId) -> AdminOrderRead:
        """One order with its account and every status change (from, to, reason, at)."""
        try:
            with sessions() as db:
                return admin_orders.order_detail(db, order_id)
        except OrderNotFound:
            raise HTTPException(404, "no such order") from None

    @router.post("/orders/{order_id}/fulfil", response_model=OrderRead, responses=_ORDER_CHANGE)
    def fulfil(order_id: OrderId, account: Staff) -> OrderRead:
        """Marks a paid order shipped (`paid -> fulfilled`); any other status is 409."""
        try:
            return admin_orders.fulfil_order(sessions, order_id, by=account.email)
        except OrderNotFound:
            raise HTTPException(404, "no such order") from None
        except InvalidTransition as exc:
            raise HTTPException(409, str(exc)) from None

    @router.post(
        "/orders/{order_id}/refund",
        response_model=OrderRead,
        responses=_ORDER_CHANGE | {502: {"description": "the provider failed or declined; retry is safe"}},
    )
    def refund(order_id: OrderId, body: RefundRequest) -> OrderRead:
        """Refunds a paid or fulfilled order in full through the payment provider, optionally putting
        its units back on sale; an order refunded already is 409, and no retry ever pays twice."""
        try:
            return admin_orders.refund(sessions, provider, order_id, body.reason, body.restock)
        except OrderNotFound:
            raise HTTPException(404, "no such order") from None
        except InvalidTransition as exc:
            raise HTTPException(409, str(exc)) from None
        except (ProviderError, RefundFailed) as exc:
            raise HTTPException(502, f"the refund failed at the payment provider: {exc}") from None

    return router
