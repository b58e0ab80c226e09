"""The embedded server: one process serving the thin client, signaling, a render node and the API."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Annotated

from aiortc import RTCIceServer
from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from PIL import Image
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from assets.environment import load_environment
from assets.product import Product
from commerce_api.cart_cache import make_cart_cache
from commerce_api.db import database_url, make_engine, migrate, session_factory
from commerce_api.seed import seed_catalog
from holoshop.catalog_loading import load_catalog
from holoshop.commerce_app import commerce_routers, rate_limits, sweeping_reservations
from holoshop.commerce_seed import seed_products
from holoshop.config import Settings
from holoshop.security_headers import add_browser_security
from holoshop.stills import StillRenderer, StillRequest
from render_node.ibl import prepare_environment
from render_node.node import NodeConfig, RenderNode
from render_node.render_thread import RenderThread
from render_node.session import StreamSettings
from scenes.layout import Layout
from signaling.routes import signaling_router

__all__ = ["ProductOut", "create_app"]

log = logging.getLogger("holoshop.server")


class ProductOut(BaseModel):
    id: str
    name: str
    category: str
    price_minor: int
    currency: str
    description: str
    variants: list[str]


@dataclass
class _State:
    node: RenderNode | None = None
    products: tuple[Product, ...] = ()
    layout: Layout | None = None
    error: str | None = None
    stills: StillRenderer | None = None
    stills_thread: RenderThread | None = None


def node_config(settings: Settings) -> NodeConfig:
    return NodeConfig(
        stream=StreamSettings(
            width=settings.width,
            height=settings.height,
            fps=settings.fps,
            bitrate=settings.bitrate,
            min_bitrate=settings.min_bitrate,
            max_bitrate=settings.max_bitrate,
            encoder_threads=settings.encoder_threads,
        ),
        ice_servers=tuple(
            RTCIceServer(urls=s.urls, username=s.username, credential=s.credential)
            for s in settings.ice_servers
        ),
        idle_timeout_s=settings.idle_timeout,
        max_sessions=settings.max_sessions,
        msaa=settings.msaa,
    )


def create_app(settings: Settings) -> FastAPI:
    state = _State()
    db_url = database_url(settings.database_url)
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    limits = rate_limits(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        migrate(db_url)  # a database that cannot be migrated stops the server: nothing would work
        try:
            layout, products = load_catalog(settings.models_dir, settings)
            seeded = seed_catalog(sessions, seed_products(products))
            log.info("catalog seeded: %s", seeded)
            environment = prepare_environment(
                load_environment(settings.environment), layout.lights.environment_rotation_deg
            )
            node = RenderNode(products, layout, environment, node_config(settings))
            await node.start()
            state.node, state.products, state.layout = node, products, layout
            log.info("render node ready with %d products", len(products))
        except Exception as exc:  # reported by /readyz rather than killing the process
            state.error = str(exc)
            log.exception("render node failed to start")
        async with sweeping_reservations(sessions, settings.sweep_seconds):
            yield
        if state.node is not None:
            await state.node.close()
        if state.stills_thread is not None:
            state.stills_thread.shutdown()
        engine.dispose()
        limits.close()

    app = FastAPI(
        title="Holoshop",
        version="0.1.0",
        summary="A holographic 3D showroom rendered on the server and streamed over WebRTC.",
        lifespan=lifespan,
    )

    def ready_node() -> RenderNode:
        if state.node is None:
            raise HTTPException(503, state.error or "the render node is starting")
        return state.node

    app.include_router(signaling_router(ready_node))
    cart_cache = make_cart_cache(settings.redis_url)
    for router in commerce_routers(settings, sessions, cart_cache, limits):
        app.include_router(router)
    add_browser_security(app, settings.cors_origins)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> str:
        return resources.files("signaling").joinpath("static/index.html").read_text(encoding="utf-8")

    app.mount("/static", StaticFiles(packages=[("signaling", "static")]), name="static")

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"])
    async def readyz() -> JSONResponse:
        if state.node is None:
            return JSONResponse(
                {"status": "error" if state.error else "starting", "detail": state.error}, 503
            )
        return JSONResponse(
            {"status": "ready", "products": len(state.products), "sessions": len(state.node.sessions)}
        )

    @app.get("/metrics", tags=["ops"], response_class=Response)
    async def metrics() -> Response:
        """Prometheus metrics: sessions, viewers, frames rendered/sent/dropped, stage times, bitrate."""
        return Response(generate_latest(ready_node().metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/api/products", response_model=list[ProductOut], tags=["showroom"])
    async def products() -> list[ProductOut]:
        ready_node()
        return [
            ProductOut(
                id=p.id,
                name=p.name,
                category=p.category,
                price_minor=p.price_minor,
                currency=p.currency,
                description=p.description,
                variants=list(p.variants),
            )
            for p in state.products
        ]

    async def stills() -> tuple[RenderThread, StillRenderer]:
        node = ready_node()
        if state.stills is None or state.stills_thread is None:
            thread = state.stills_thread or RenderThread("stills")
            state.stills_thread = thread
            layout = state.layout
            assert layout is not None
            state.stills = await thread.run(
                lambda: StillRenderer(
                    state.products,
                    layout,
                    (settings.width, settings.height),
                    environment=node.environment,
                    msaa=settings.msaa,
                )
            )
        return state.stills_thread, state.stills

    @app.get(
        "/api/view.png",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
        tags=["showroom"],
    )
    async def view(
        focus: Annotated[str | None, Query(max_length=100)] = None,
        variant: Annotated[int | None, Query(ge=0, le=64)] = None,
        inspect: bool = False,
        orbit: Annotated[float, Query(allow_inf_nan=False, description="degrees, any value")] = 0.0,
        zoom: Annotated[float, Query(gt=0.05, le=20)] = 1.0,
    ) -> Response:
        """A still of the showroom in the given state, as a PNG (thumbnails, previews, sharing)."""
        thread, renderer = await stills()
        request = StillRequest(focus, variant, inspect, orbit, zoom)
        try:
            pixels = await thread.run(lambda: renderer.render(request))
        except KeyError as exc:
            raise HTTPException(404, str(exc.args[0])) from None
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)
        return Response(buffer.getvalue(), media_type="image/png", headers={"Cache-Control": "no-store"})

    return app
