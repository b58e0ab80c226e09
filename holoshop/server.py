"""The embedded server: one process serving the thin client, signaling, a render node and the API."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Annotated

import numpy as np
import numpy.typing as npt
from aiortc import RTCIceServer
from fastapi import FastAPI, Header, HTTPException, Path, Query
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from PIL import Image
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from assets.environment import load_environment
from assets.product import Product
from avatar.voice.base_voice import Voice
from avatar.voice.espeak_voice import EspeakVoice, VoiceUnavailable
from commerce_api.cart_cache import make_cart_cache
from commerce_api.db import database_url, make_engine, migrate, session_factory
from commerce_api.seed import seed_catalog
from holoshop.assistant_routes import assistant_router
from holoshop.assistant_service import AssistantService, CommerceInteractions, running_assistant
from holoshop.cart_adapter import commerce_cart_port
from holoshop.catalog_loading import load_catalog
from holoshop.commerce_app import install_commerce, rate_limits, sweeping_reservations
from holoshop.commerce_seed import seed_products
from holoshop.config import Settings
from holoshop.stills import StillRenderer, StillRequest
from holoshop.thumbnails import MAX_SIZE, MIN_SIZE, ThumbnailCache, variant_count
from render_node.assistant_port import AssistantPort
from render_node.gesture_analyzer import RecognizerAnalyzer
from render_node.ibl import PreparedEnvironment, prepare_environment
from render_node.node import NodeConfig, RenderNode
from render_node.render_thread import RenderThread
from render_node.session import StreamSettings
from scenes.layout import Layout
from signaling.routes import signaling_router

__all__ = ["THUMBNAIL_URL", "ProductOut", "create_app", "scene_key"]

log = logging.getLogger("holoshop.server")

# What the catalog API puts in `thumbnail_url`: commerce_api fills in the product and variant index.
THUMBNAIL_URL = "/api/catalog/products/{id}/thumbnail.png?variant={index}"
THUMBNAIL_MAX_AGE = 3600  # seconds; the URL stays when a model changes, so clients revalidate hourly


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
    catalog_ready: bool = False
    error: str | None = None
    stills: StillRenderer | None = None
    stills_thread: RenderThread | None = None


def assistant_voice(settings: Settings) -> Voice | None:
    """The configured espeak-ng voice; a machine without espeak-ng gets an assistant that only writes."""
    if not settings.assistant_voice:
        return None
    try:
        return EspeakVoice(settings.assistant_voice)
    except (VoiceUnavailable, ValueError) as exc:
        log.warning("the assistant will answer in words only: %s", exc)
        return None


def node_config(settings: Settings, assistant: AssistantPort | None = None) -> NodeConfig:
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
        gesture_analyzer=RecognizerAnalyzer if settings.gestures else None,
        gesture_fps=settings.gesture_fps,
        assistant=assistant,
        voice=assistant_voice(settings) if assistant is not None else None,
    )


def _etag_matches(if_none_match: str, etag: str) -> bool:
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


def scene_key(settings: Settings, layout: Layout) -> str:
    """Everything besides the product that a still depends on, for thumbnail fingerprints."""
    return repr(
        (layout.model_dump_json(), settings.environment, settings.width, settings.height, settings.msaa)
    )


def create_app(settings: Settings) -> FastAPI:
    state = _State()
    db_url = database_url(settings.database_url)
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    cart_cache = make_cart_cache(settings.redis_url)  # one for the API and the render node alike
    limits = rate_limits(settings)
    assistant = AssistantService(sessions, settings) if settings.assistant else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        migrate(db_url)  # a database that cannot be migrated stops the server: nothing would work
        try:
            layout, products = load_catalog(settings.models_dir, settings)
            seeded = seed_catalog(sessions, seed_products(products))
            log.info("catalog seeded: %s", seeded)
            if settings.render:
                environment = prepare_environment(
                    load_environment(settings.environment), layout.lights.environment_rotation_deg
                )
                carts = commerce_cart_port(sessions, cart_cache)
                node = RenderNode(
                    products,
                    layout,
                    environment,
                    node_config(settings, assistant),
                    cart=carts,
                    interactions=CommerceInteractions(sessions),
                )
                await node.start()
                state.node = node
                log.info("render node ready with %d products", len(products))
            else:
                log.info("render node off (HOLOSHOP_RENDER=false): the API alone")
            state.products, state.layout, state.catalog_ready = products, layout, True
        except Exception as exc:  # reported by /readyz rather than killing the process
            state.error = str(exc)
            log.exception("render node failed to start")
        async with (
            sweeping_reservations(sessions, settings.sweep_seconds),
            running_assistant(assistant, settings),
        ):
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
    install_commerce(app, settings, sessions, cart_cache, limits, thumbnail_url=THUMBNAIL_URL)
    if assistant is not None:
        app.include_router(assistant_router(assistant))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> str:
        return resources.files("signaling").joinpath("static/index.html").read_text(encoding="utf-8")

    app.mount("/static", StaticFiles(packages=[("signaling", "static")]), name="static")

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"])
    async def readyz() -> JSONResponse:
        if not settings.render and state.catalog_ready:
            return JSONResponse({"status": "ready", "products": len(state.products), "render": False})
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
        environment: PreparedEnvironment | str = settings.environment
        if settings.render:
            environment = ready_node().environment
        elif not state.catalog_ready:
            raise HTTPException(503, state.error or "the catalog is loading")
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
                    environment=environment,
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

    thumbnails: ThumbnailCache | None = None

    async def render_thumbnail(product: Product, variant: int) -> npt.NDArray[np.uint8]:
        thread, renderer = await stills()
        request = StillRequest(product.id, variant if product.variants else None, inspect=True, alone=True)
        return await thread.run(lambda: renderer.render(request))

    def thumbnail_cache() -> ThumbnailCache:
        nonlocal thumbnails
        if thumbnails is None:
            if not state.catalog_ready or state.layout is None:
                raise HTTPException(503, state.error or "the catalog is loading")
            key = scene_key(settings, state.layout)
            thumbnails = ThumbnailCache(settings.thumbnails_dir, key, render_thumbnail)
        return thumbnails

    @app.get(
        "/api/catalog/products/{product_id}/thumbnail.png",
        response_class=Response,
        responses={
            200: {"content": {"image/png": {}}},
            304: {"description": "If-None-Match matched"},
            404: {"description": "no such product or colourway"},
        },
        tags=["catalog"],
    )
    async def thumbnail(
        product_id: Annotated[str, Path(max_length=128)],
        variant: Annotated[int, Query(ge=0, le=64, description="the variant's position")] = 0,
        size: Annotated[int, Query(ge=MIN_SIZE, le=MAX_SIZE, description="pixels a side")] = 256,
        if_none_match: Annotated[str | None, Header(max_length=1024)] = None,
    ) -> Response:
        """A square PNG of the product alone, close up, in one colourway; drawn once, then cached."""
        cache = thumbnail_cache()
        product = next((p for p in state.products if p.id == product_id), None)
        if product is None:
            raise HTTPException(404, f"no product {product_id!r}")
        if variant >= variant_count(product):
            raise HTTPException(404, f"{product_id} has no variant {variant}")
        headers = {"Cache-Control": f"public, max-age={THUMBNAIL_MAX_AGE}"}
        etag = cache.locate(product, variant, size).etag
        if if_none_match and _etag_matches(if_none_match, etag):
            return Response(status_code=304, headers=headers | {"ETag": etag})
        thumb = await cache.get(product, variant, size)
        return FileResponse(thumb.path, media_type="image/png", headers=headers | {"ETag": thumb.etag})

    return app
