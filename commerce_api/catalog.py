"""Reading the catalog: products with their variants, a page at a time or one by id.

`thumbnail_url` is a template from whoever composes the app, e.g.
"/api/catalog/products/{id}/thumbnail.png?variant={index}"; without one the answers carry none.
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from commerce_api.models import Product
from commerce_api.schemas import ProductPage, ProductRead, VariantRead

__all__ = ["ProductNotFound", "get_product", "list_products"]


class ProductNotFound(LookupError):
    """No product has this id; the API answers 404."""


def _url(template: str | None, product_id: str, index: int) -> str | None:
    return template.format(id=quote(product_id, safe=""), index=index) if template else None


def _read(product: Product, thumbnail_url: str | None) -> ProductRead:
    variants = [
        VariantRead(
            id=v.id,
            name=v.name,
            sku=v.sku,
            price_minor=v.price_minor,
            currency=v.currency,
            stock=v.stock,
            position=v.position,
            thumbnail_url=_url(thumbnail_url, product.id, v.position),
        )
        for v in product.variants
    ]
    first = min((v.position for v in product.variants), default=0)
    return ProductRead(
        id=product.id,
        name=product.name,
        description=product.description,
        category=product.category_id,
        category_name=product.category.name,
        model_ref=product.model_ref,
        variants=variants,
        thumbnail_url=_url(thumbnail_url, product.id, first),
    )


def list_products(
    session: Session, *, limit: int = 50, offset: int = 0, thumbnail_url: str | None = None
) -> ProductPage:
    """Products by name, each with its variants (two queries whatever the page size)."""
    total = session.scalar(select(func.count()).select_from(Product)) or 0
    products = session.scalars(
        select(Product)
        .options(selectinload(Product.variants))
        .order_by(Product.name, Product.id)
        .limit(limit)
        .offset(offset)
    )
    items = [_read(p, thumbnail_url) for p in products]
    return ProductPage(items=items, total=total, limit=limit, offset=offset)


def get_product(session: Session, product_id: str, *, thumbnail_url: str | None = None) -> ProductRead:
    product = session.scalar(
        select(Product).options(selectinload(Product.variants)).where(Product.id == product_id)
    )
    if product is None:
        raise ProductNotFound(product_id)
    return _read(product, thumbnail_url)
