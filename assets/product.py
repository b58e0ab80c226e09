"""A product as the showroom knows it: catalog facts plus the model that shows it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assets.model import Model

__all__ = ["Product", "slugify"]


@dataclass(frozen=True)
class Product:
    id: str  # stable slug, also the commerce SKU prefix
    name: str
    category: str
    price_minor: int  # money is integers in minor units
    currency: str
    description: str
    model: Model

    @property
    def variants(self) -> tuple[str, ...]:
        return self.model.variants


def slugify(text: str) -> str:
    """Dash-separated lower-case id from a name or file stem: "GlamVelvetSofa" -> "glam-velvet-sofa"."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    return re.sub(r"[^a-z0-9]+", "-", spaced.lower()).strip("-") or "product"
