"""Loads the layout and the catalog the way every command does, reporting skipped models."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from assets.catalog import build_catalog
from assets.product import Product
from holoshop.config import Settings
from render_node.showroom_content import fit_products
from scenes.layout import Layout, default_layout, load_layout

__all__ = ["load_catalog"]

log = logging.getLogger("holoshop")


def load_catalog(models_dir: Path | None, settings: Settings) -> tuple[Layout, tuple[Product, ...]]:
    """The layout plus every product fitted to it; bad model files are logged and skipped."""
    layout = load_layout(settings.layout) if settings.layout else default_layout()
    started = time.perf_counter()
    result = build_catalog(models_dir, max_texture_size=settings.max_texture_size)
    for error in result.errors:
        log.warning("skipped %s", error)
    log.info("catalog: %d products in %.1f s", len(result.products), time.perf_counter() - started)
    return layout, fit_products(result.products, layout)
