"""Renders still images of the showroom: the CLI's `render` and the page's preview share this."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

from assets.environment import load_environment
from assets.product import Product
from render_node.gl_context import create_context
from render_node.ibl import PreparedEnvironment
from render_node.renderer import Renderer
from render_node.showroom_content import load_products, showroom_for
from scenes.actions import Action, FocusProduct, Inspect, Orbit, SelectVariant, Zoom
from scenes.layout import Layout

__all__ = ["StillRequest", "StillRenderer", "save_png"]

SETTLE_SECONDS = 10.0  # long enough for every camera ease to arrive


@dataclass(frozen=True)
class StillRequest:
    focus: str | None = None
    variant: int | None = None
    inspect: bool = False
    orbit_deg: float = 0.0
    zoom: float = 1.0
    alone: bool = False  # only the focused product and its plinth: thumbnails


class StillRenderer:
    """One GL context and renderer with the catalog loaded; not thread-safe: one caller at a time."""

    def __init__(
        self,
        products: tuple[Product, ...],
        layout: Layout,
        size: tuple[int, int],
        *,
        environment: str | PreparedEnvironment = "studio",
        msaa: int | None = None,
    ) -> None:
        self.products = products
        self.layout = layout
        env = load_environment(environment) if isinstance(environment, str) else environment
        self.renderer = Renderer(create_context(), layout, size, msaa=msaa, environment=env)
        load_products(self.renderer, products)

    def render(self, request: StillRequest) -> npt.NDArray[np.uint8]:
        """RGB pixels (H, W, 3) of the showroom settled in the requested state."""
        by_id = {p.id: p for p in self.products}
        if request.focus is not None and request.focus not in by_id:
            raise KeyError(f"no product {request.focus!r}; products are: {', '.join(sorted(by_id))}")
        if request.variant is not None:
            focused = by_id[request.focus] if request.focus else (self.products[0] if self.products else None)
            count = len(focused.variants) if focused else 0
            if not 0 <= request.variant < count:
                name = focused.id if focused else "the showroom"
                raise ValueError(f"{name} has {count} colourways; variant {request.variant} does not exist")
        # A still shows each product from the front: no turntable spin while the camera settles.
        showroom = showroom_for(self.products, self.layout.model_copy(update={"turntable_speed_deg": 0.0}))
        actions: list[Action] = []
        if request.focus is not None:
            actions.append(FocusProduct(request.focus))
        if request.variant is not None:
            actions.append(SelectVariant(request.variant))
        if request.inspect:
            yaw = float(np.radians(request.orbit_deg % 360.0))
            actions += [Inspect(), Orbit(yaw=yaw), Zoom(request.zoom)]
        showroom.update(0.0, actions)
        showroom.update(SETTLE_SECONDS)
        scene = showroom.frame()
        if request.alone and request.focus is not None:
            keep = [i for i, p in enumerate(scene.products) if p.product_id == request.focus]
            scene = dataclasses.replace(
                scene,
                products=tuple(scene.products[i] for i in keep),
                plinths=tuple(scene.plinths[i] for i in keep),
            )
        return self.renderer.render(scene)[..., :3].copy()


def save_png(pixels: npt.NDArray[np.uint8], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
