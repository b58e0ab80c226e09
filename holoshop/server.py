"""The embedded server: one process serving the showroom page, product data and rendered views.

Until the WebRTC stream lands (issue 3) the page shows server-rendered stills of the live
showroom state it asks for; the render thread and catalog here are the ones the stream will use.
"""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from PIL import Image
from pydantic import BaseModel

from holoshop.catalog_loading import load_catalog
from holoshop.config import Settings
from holoshop.stills import StillRenderer, StillRequest
from render_node.render_thread import RenderThread

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
    thread: RenderThread
    stills: StillRenderer | None = None
    error: str | None = None


def create_app(settings: Settings) -> FastAPI:
    state = _State(RenderThread())

    def start_renderer() -> StillRenderer:
        layout, products = load_catalog(settings.models_dir, settings)
        return StillRenderer(
            products,
            layout,
            (settings.width, settings.height),
            environment=settings.environment,
            msaa=settings.msaa,
        )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            state.stills = await state.thread.run(start_renderer)
            log.info("renderer ready with %d products", len(state.stills.products))
        except Exception as exc:  # reported by /readyz rather than killing the process
            state.error = str(exc)
            log.exception("renderer failed to start")
        yield
        state.thread.shutdown()

    app = FastAPI(title="Holoshop", version="0.1.0", lifespan=lifespan)

    def stills() -> StillRenderer:
        if state.stills is None:
            raise HTTPException(503, state.error or "renderer is starting")
        return state.stills

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> str:
        return resources.files("signaling").joinpath("static/index.html").read_text(encoding="utf-8")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        if state.stills is None:
            return JSONResponse(
                {"status": "error" if state.error else "starting", "detail": state.error}, 503
            )
        return JSONResponse({"status": "ready", "products": len(state.stills.products)})

    @app.get("/api/products", response_model=list[ProductOut])
    async def products() -> list[ProductOut]:
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
            for p in stills().products
        ]

    @app.get("/api/view.png", response_class=Response, responses={200: {"content": {"image/png": {}}}})
    async def view(
        focus: Annotated[str | None, Query(max_length=100)] = None,
        variant: Annotated[int | None, Query(ge=0, le=64)] = None,
        inspect: bool = False,
        orbit: Annotated[float, Query(allow_inf_nan=False, description="degrees, any value")] = 0.0,
        zoom: Annotated[float, Query(gt=0.05, le=20)] = 1.0,
    ) -> Response:
        """The showroom rendered in the given state, as a PNG."""
        renderer = stills()
        request = StillRequest(focus, variant, inspect, orbit, zoom)
        try:
            pixels = await state.thread.run(lambda: renderer.render(request))
        except KeyError as exc:
            raise HTTPException(404, str(exc.args[0])) from None
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)
        return Response(buffer.getvalue(), media_type="image/png", headers={"Cache-Control": "no-store"})

    return app
