"""Reading the catalog: products with their variants, a page at a time or one by id."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from commerce_api.models import Product
from commerce_api.schemas import ProductPage, ProductRead, VariantRead

__all__ = ["ProductNotFound", "get_product", "list_products"]


class ProductNotFound(LookupError):
    """No product has this id; the API answers 404."""


def _read(product: Product) -> ProductRead:
    return ProductRead(
        id=product.id,
        name=product.name,
        description=product.description,
        category=product.category_id,
        category_name=product.category.name,
        model_ref=product.model_ref,
        variants=[VariantRead.model_validate(v) for v in product.variants],
    )


def list_products(session: Session, *, limit: int = 50, offset: int = 0) -> ProductPage:
    """Products by name, each with its variants (two queries whatever the page size)."""
    total = session.scalar(select(func.count()).select_from(Product)) or 0
    products = session.scalars(
        select(Product)
        .options(selectinload(Product.variants))
        .order_by(Product.name, Product.id)
        .limit(limit)
        .offset(offset)
    )
    return ProductPage(items=[_read(p) for p in products], total=total, limit=limit, offset=offset)


def get_product(session: Session, product_id: str) -> ProductRead:
    product = session.scalar(
        select(Product).options(selectinload(Product.variants)).where(Product.id == product_id)
    )
    if product is None:
        raise ProductNotFound(product_id)
    return _read(product)
