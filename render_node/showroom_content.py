"""Puts catalog products into a showroom: fitted to the layout's display box, one slot each."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from assets.normalize import fit_to_display
from assets.product import Product
from render_node.renderer import Renderer
from scenes.layout import Layout
from scenes.showroom import ProductSlot, Showroom

__all__ = ["fit_products", "load_products", "showroom_for"]


def fit_products(products: Sequence[Product], layout: Layout) -> tuple[Product, ...]:
    box = layout.display_box
    return tuple(
        dataclasses.replace(p, model=fit_to_display(p.model, box.footprint, box.height)) for p in products
    )


def showroom_for(products: Sequence[Product], layout: Layout) -> Showroom:
    """The interaction state for fitted products, in catalog order."""
    slots = []
    for p in products:
        lo, hi = p.model.bounds()
        slots.append(ProductSlot(p.id, len(p.variants), float(hi[1] - lo[1])))
    return Showroom(layout, slots)


def load_products(renderer: Renderer, products: Sequence[Product]) -> None:
    for product in products:
        renderer.add_product(product.id, product.model)
