"""The showroom's products as the shop's seed records: the one place that knows both sides."""

from __future__ import annotations

from collections.abc import Iterable

from assets.product import Product
from commerce_api.seed import SeedProduct

__all__ = ["seed_products"]


def _model_ref(product: Product) -> str:
    """The model's file, or for a generated one (all share a source) which product it builds."""
    source = product.model.source
    return f"{source}:{product.id}" if source.startswith("generated:") else source


def seed_products(products: Iterable[Product]) -> list[SeedProduct]:
    """One record per product; its glTF colourways become the variants."""
    return [
        SeedProduct(
            id=p.id,
            name=p.name,
            category=p.category,
            description=p.description,
            price_minor=p.price_minor,
            currency=p.currency,
            model_ref=_model_ref(p),
            variants=tuple(p.variants),
        )
        for p in products
    ]
