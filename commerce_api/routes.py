"""The catalog and search API under /api: validation and status codes here, the logic in services."""

import asyncio
import logging
from collections.abc import Callable, Hashable
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from commerce_api import interactions
from commerce_api.accounts import AccountPolicy, InvalidToken, access_account_id
from commerce_api.catalog import ProductNotFound, get_product, list_products
from commerce_api.read_cache import Lookup, ReadCache
from commerce_api.schema_base import NO_NUL
from commerce_api.schemas import ProductPage, ProductRead, SearchPage
from commerce_api.search import SearchQuery, SearchQueryError, search

__all__ = ["commerce_router"]

log = logging.getLogger("holoshop.catalog")

MAX_PRICE = 2**31 - 1  # minor units: the price column is a 32-bit integer on PostgreSQL
Price = Annotated[int | None, Query(ge=0, le=MAX_PRICE, description="minor units, inclusive")]
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


def commerce_router(
    sessions: sessionmaker[Session],
    *,
    thumbnail_url: str | None = None,
    cache: ReadCache | None = None,
    policy: AccountPolicy | None = None,
) -> APIRouter:
    """`thumbnail_url`: a template with `{id}` and `{index}` for products' thumbnails, or None;
    `cache`: where listing and search answers are kept for a moment (none: every read queries);
    `policy`: to read a Bearer's account on product pages and log the view (none: no views logged)."""
    router = APIRouter(prefix="/api")
    bearer = HTTPBearer(auto_error=False, description="optional: the signed-in shopper, whose views are kept")
    # Each endpoint opens its session in its own body, on its worker thread. A yield dependency
    # would close it in a separate threadpool hop that is skipped when the client goes away
    # mid-request (the task is cancelled), leaking the connection until the pool runs dry.

    refreshing: dict[Hashable, asyncio.Future[bytes]] = {}
    readers = asyncio.Semaphore(2)  # refreshes at once: more would only fight the event loop for the GIL

    async def cached(key: Hashable, read: Callable[[Session], BaseModel]) -> Response:
        """The answer from the cache, or read once (on a worker thread) however many ask at once.

        A lapsed answer is served while a single request refreshes it in the background.
        """
        found = cache.lookup(key) if cache is not None else Lookup(None, False)
        if found.fresh and found.body is not None:
            return Response(found.body, media_type="application/json")
        task = refreshing.get(key)
        if task is None:

            def query() -> bytes:
                with sessions() as db:
                    return read(db).model_dump_json().encode()

            async def refresh() -> bytes:
                async with readers:
                    return await run_in_threadpool(query)

            task = asyncio.ensure_future(refresh())
            refreshing[key] = task

            def done(finished: asyncio.Future[bytes]) -> None:
                refreshing.pop(key, None)
                if cache is not None and not finished.cancelled() and finished.exception() is None:
                    cache.put(key, finished.result())

            task.add_done_callback(done)
        if found.body is not None:
            return Response(found.body, media_type="application/json")
        return Response(await asyncio.shield(task), media_type="application/json")

    @router.get("/catalog/products", response_model=ProductPage, tags=["catalog"])
    async def products(limit: Limit = 50, offset: Offset = 0) -> Response:
        """Products by name with their variants, prices and stock (stock may be a second old)."""
        return await cached(
            ("products", limit, offset),
            lambda db: list_products(db, limit=limit, offset=offset, thumbnail_url=thumbnail_url),
        )

    @router.get(
        "/catalog/products/{product_id}",
        response_model=ProductRead,
        responses={404: {"description": "no such product"}},
        tags=["catalog"],
    )
    def product(
        product_id: Annotated[str, Path(max_length=128, pattern=NO_NUL)],
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> ProductRead:
        """A product with its variants; a signed-in shopper's read is logged as a view."""
        viewer = _viewer(credentials)
        try:
            with sessions() as db:
                found = get_product(db, product_id, thumbnail_url=thumbnail_url)
                if viewer is not None:
                    _log_view(db, viewer, found.id)
        except ProductNotFound:
            raise HTTPException(404, f"no product {product_id!r}") from None
        return found

    def _viewer(credentials: HTTPAuthorizationCredentials | None) -> int | None:
        """The account a Bearer names, by its signature alone; a bad or expired token only goes
        unlogged: the page is public, and refusing it would protect nothing."""
        if policy is None or credentials is None:
            return None
        try:
            return access_account_id(policy, credentials.credentials)
        except InvalidToken:
            return None

    def _log_view(db: Session, account_id: int, product_id: str) -> None:
        """One INSERT on the read's own connection (a view has no effect to share a transaction
        with); a failure costs the log line, never the page."""
        try:
            interactions.record(db, interactions.account_subject(account_id), product_id, "view")
            db.commit()
        except SQLAlchemyError:
            db.rollback()
            log.warning("could not log a view of %s", product_id, exc_info=True)

    @router.get(
        "/search",
        response_model=SearchPage,
        responses={422: {"description": "a query without words, or a price range upside down"}},
        tags=["catalog"],
    )
    async def search_products(
        q: Annotated[
            str | None, Query(min_length=1, max_length=200, description="words, all must match")
        ] = None,
        category: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z0-9-]+$")] = None,
        min_price: Price = None,
        max_price: Price = None,
        in_stock: bool = False,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> Response:
        """Full-text search ranked by relevance, with category, price and stock filters and facets."""
        if min_price is not None and max_price is not None and min_price > max_price:
            raise HTTPException(422, "min_price is above max_price")
        query = SearchQuery(q, category, min_price, max_price, in_stock, limit, offset)
        try:
            return await cached(("search", query), lambda db: search(db, query))
        except SearchQueryError as exc:
            raise HTTPException(422, str(exc)) from None

    return router
