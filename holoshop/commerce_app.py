"""The commerce API on its own (`holoshop commerce`, the distributed mode's shop service), and the
routers and background work it shares with the embedded server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assets.catalog import build_catalog
from commerce_api.account_routes import accounts_router
from commerce_api.accounts import AccountPolicy, persistent_secret
from commerce_api.admin_routes import admin_router
from commerce_api.cart_cache import CartCache, make_cart_cache
from commerce_api.cart_routes import carts_router
from commerce_api.checkout import CheckoutPolicy, expire_lapsed
from commerce_api.checkout_routes import checkout_router
from commerce_api.db import database_url, make_engine, migrate, session_factory
from commerce_api.payments.base_provider import PaymentProvider
from commerce_api.payments.offline_provider import OfflineProvider
from commerce_api.payments.stripe_provider import StripeProvider
from commerce_api.rate_limit import RateLimits
from commerce_api.read_cache import ReadCache
from commerce_api.routes import commerce_router
from commerce_api.seed import seed_catalog
from commerce_api.stripe_webhook_routes import stripe_webhook_router
from holoshop.commerce_seed import seed_products
from holoshop.config import Settings
from holoshop.security_headers import add_browser_security

__all__ = [
    "ClearOnAdminWrites",
    "account_policy",
    "install_commerce",
    "commerce_routers",
    "create_commerce_app",
    "payment_provider",
    "stripe_webhook_secret",
    "rate_limits",
    "sweeping_reservations",
]

log = logging.getLogger("holoshop.commerce")


def account_policy(settings: Settings) -> AccountPolicy:
    """Token signing and lifetimes from the settings; the kept secret when none is configured."""
    secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else persistent_secret()
    return AccountPolicy(
        secret=secret,
        access_ttl=timedelta(minutes=settings.access_token_minutes),
        refresh_ttl=timedelta(days=settings.refresh_token_days),
    )


def payment_provider(settings: Settings) -> PaymentProvider:
    """The configured provider; Stripe without its key or webhook secret stops the server at startup."""
    if settings.payment_provider == "offline":
        return OfflineProvider()
    if settings.payment_provider == "stripe":
        stripe_webhook_secret(settings)
        if settings.stripe_api_key is None or not settings.stripe_api_key.get_secret_value():
            raise ValueError("payment_provider 'stripe' needs HOLOSHOP_STRIPE_API_KEY")
        return StripeProvider(settings.stripe_api_key.get_secret_value(), api_base=settings.stripe_api_base)
    raise ValueError(f"payment provider {settings.payment_provider!r} is not available")


def stripe_webhook_secret(settings: Settings) -> str:
    if settings.stripe_webhook_secret is None or not settings.stripe_webhook_secret.get_secret_value():
        raise ValueError("payment_provider 'stripe' needs HOLOSHOP_STRIPE_WEBHOOK_SECRET")
    return settings.stripe_webhook_secret.get_secret_value()


def rate_limits(settings: Settings) -> RateLimits:
    """The login and checkout limits: in this process, or in Redis when HOLOSHOP_REDIS_URL is set."""
    return RateLimits.build(settings.redis_url, settings.login_rate_limit, settings.checkout_rate_limit)


def commerce_routers(
    settings: Settings,
    sessions: sessionmaker[Session],
    cart_cache: CartCache,
    limits: RateLimits,
    *,
    thumbnail_url: str | None = None,
    read_cache: ReadCache | None = None,
) -> list[APIRouter]:
    """Every router of the shop's API, wired to one database, one cart cache, the provider and the
    login and checkout rate limits.

    `thumbnail_url` (a template with {product_id} and {variant}) is given where a renderer serves
    product thumbnails; the commerce service alone has none. `read_cache` keeps listing and search
    answers for a moment (see `catalog_cache`).
    """
    policy = account_policy(settings)
    provider = payment_provider(settings)
    routers = [
        commerce_router(sessions, thumbnail_url=thumbnail_url, cache=read_cache, policy=policy),
        accounts_router(sessions, policy, cart_cache, login_limit=limits.login),
        carts_router(sessions, policy, cart_cache),
        checkout_router(
            sessions,
            policy,
            provider,
            CheckoutPolicy(reservation=timedelta(minutes=settings.reservation_minutes)),
            cart_cache=cart_cache,
            checkout_limit=limits.checkout,
        ),
        admin_router(sessions, policy, provider),
    ]
    if settings.payment_provider == "stripe":
        routers.append(stripe_webhook_router(sessions, provider, stripe_webhook_secret(settings)))
    return routers


class ClearOnAdminWrites:
    """ASGI middleware: a successful write under /api/admin clears the catalog read cache, so staff
    see their edit at once (other processes' caches lapse within their few seconds)."""

    def __init__(self, app: ASGIApp, cache: ReadCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in ("GET", "HEAD", "OPTIONS")
            or not scope["path"].startswith("/api/admin/")
        ):
            await self.app(scope, receive, send)
            return

        async def clearing_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                self.cache.clear()
            await send(message)

        await self.app(scope, receive, clearing_send)


def install_commerce(
    app: FastAPI,
    settings: Settings,
    sessions: sessionmaker[Session],
    cart_cache: CartCache,
    limits: RateLimits,
    *,
    thumbnail_url: str | None = None,
) -> None:
    """The shop's API on `app`, as both servers have it: every router, the catalog read cache that
    staff edits clear, and the browser security headers and CORS."""
    app.state.cart_cache = cart_cache  # for in-process callers of commerce_api.carts (the render node)
    reads = ReadCache(settings.catalog_cache_seconds)
    for router in commerce_routers(
        settings, sessions, cart_cache, limits, thumbnail_url=thumbnail_url, read_cache=reads
    ):
        app.include_router(router)
    app.add_middleware(ClearOnAdminWrites, cache=reads)
    add_browser_security(app, settings.cors_origins)


async def _sweep(sessions: sessionmaker[Session], every_s: float) -> None:
    while True:
        try:
            expired = await run_in_threadpool(expire_lapsed, sessions)
            if expired:
                log.info("released the stock of %d lapsed orders", len(expired))
        except Exception:
            log.exception("sweeping lapsed reservations failed")
        await asyncio.sleep(every_s)


@asynccontextmanager
async def sweeping_reservations(sessions: sessionmaker[Session], every_s: float) -> AsyncIterator[None]:
    """Releases the stock of unpaid orders whose reservation lapsed, every `every_s`, while open."""
    task = asyncio.create_task(_sweep(sessions, every_s))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def create_commerce_app(settings: Settings) -> FastAPI:
    """The shop alone: catalog, search, accounts, carts, checkout and orders; no render node."""
    db_url = database_url(settings.database_url)
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    limits = rate_limits(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        migrate(db_url)
        result = await run_in_threadpool(
            lambda: build_catalog(settings.models_dir, max_texture_size=settings.max_texture_size)
        )
        for error in result.errors:
            log.warning("skipped %s", error)
        log.info("catalog seeded: %s", seed_catalog(sessions, seed_products(result.products)))
        async with sweeping_reservations(sessions, settings.sweep_seconds):
            yield
        engine.dispose()
        limits.close()

    app = FastAPI(
        title="Holoshop commerce",
        version="0.1.0",
        summary="The shop behind the showroom: catalog, search, accounts, carts, checkout, orders.",
        lifespan=lifespan,
    )
    install_commerce(app, settings, sessions, make_cart_cache(settings.redis_url), limits)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"])
    def readyz() -> JSONResponse:
        try:
            with sessions() as session:
                session.execute(text("SELECT 1"))
        except Exception as exc:
            return JSONResponse({"status": "error", "detail": type(exc).__name__}, 503)
        return JSONResponse({"status": "ready"})

    return app
