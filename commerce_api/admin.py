"""Staff operations on the catalog and on accounts: the logic behind /api/admin and `holoshop admin`.

Products are written through the ORM, so the search index follows by itself: on PostgreSQL
`product.search_vector` is a generated column, on SQLite triggers on `product` keep the FTS5 table
`product_search` in step (migration 0001). Variants are not indexed; search reads their prices and
stock live. Uniqueness (product id, SKU, a variant's name within its product) is checked first for a
clear message and enforced by the database's constraints, which settle races.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from commerce_api.accounts import normalize_email
from commerce_api.admin_schemas import (
    MAX_STOCK,
    ProductCreate,
    ProductUpdate,
    VariantCreate,
    VariantUpdate,
)
from commerce_api.catalog import ProductNotFound, get_product
from commerce_api.models import Account, Category, Product, Variant
from commerce_api.schemas import AccountRead, ProductRead, VariantRead
from commerce_api.seed import slug

__all__ = [
    "AccountNotFound",
    "Conflict",
    "ProductNotFound",
    "VariantNotFound",
    "add_variant",
    "adjust_stock",
    "create_product",
    "set_staff",
    "set_stock",
    "update_product",
    "update_variant",
]


class VariantNotFound(LookupError):
    """No variant with this id belongs to this product; the API answers 404."""


class AccountNotFound(LookupError):
    """No account has this email."""


class Conflict(Exception):
    """A product id, SKU or variant name already in use, or stock that would go negative: 409."""


def _category(session: Session, name: str) -> str:
    """The id of the category called `name` (by its slug), created when new."""
    category_id = slug(name)[:64].strip("-") or "item"  # the id column holds 64 characters
    if session.get(Category, category_id) is None:
        session.add(Category(id=category_id, name=name.strip()))
        session.flush()
    return category_id


def _default_sku(product_id: str, variant_name: str) -> str:
    """PRODUCT-ID-variant-name, as the seeder makes them, cut to the column's 200 characters."""
    return f"{product_id}-{slug(variant_name)}"[:200].rstrip("-")


def _product(session: Session, product_id: str) -> Product:
    product = session.scalar(
        select(Product).options(selectinload(Product.variants)).where(Product.id == product_id)
    )
    if product is None:
        raise ProductNotFound(product_id)
    return product


def _variant(session: Session, product_id: str, variant_id: int) -> Variant:
    variant = session.get(Variant, variant_id)
    if variant is None or variant.product_id != product_id:
        raise VariantNotFound(f"product {product_id!r} has no variant {variant_id}")
    return variant


def _check_skus(session: Session, skus: list[str], *, exclude: int | None = None) -> None:
    if len(set(skus)) != len(skus):
        raise Conflict("the same SKU is given twice")
    query = select(Variant.sku).where(Variant.sku.in_(skus))
    if exclude is not None:
        query = query.where(Variant.id != exclude)
    taken = session.scalars(query).first()
    if taken is not None:
        raise Conflict(f"SKU {taken!r} is already in use")


def _commit(session: Session, what: str) -> None:
    """Commits; a unique or check constraint that fires (a racing writer) becomes a Conflict."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"{what} conflicts with an existing product or variant") from None


def create_product(session: Session, body: ProductCreate) -> ProductRead:
    """A new product with its variants (positions in the order given, as the glTF variant indices)."""
    if session.get(Product, body.id) is not None:
        raise Conflict(f"product {body.id!r} already exists")
    names = [v.name for v in body.variants]
    if len(set(names)) != len(names):
        raise Conflict("two variants have the same name")
    skus = [v.sku or _default_sku(body.id, v.name) for v in body.variants]
    _check_skus(session, skus)
    product = Product(
        id=body.id,
        name=body.name,
        description=body.description,
        category_id=_category(session, body.category),
        model_ref=body.model_ref,
        variants=[
            Variant(
                position=position,
                name=v.name,
                sku=sku,
                price_minor=v.price_minor,
                currency=v.currency,
                stock=v.stock,
            )
            for position, (v, sku) in enumerate(zip(body.variants, skus, strict=True))
        ],
    )
    session.add(product)
    _commit(session, f"product {body.id!r}")
    return get_product(session, body.id)


def update_product(session: Session, product_id: str, body: ProductUpdate) -> ProductRead:
    """Changes the given fields; the search index follows (generated column or triggers)."""
    product = _product(session, product_id)
    if body.name is not None:
        product.name = body.name
    if body.description is not None:
        product.description = body.description
    if body.model_ref is not None:
        product.model_ref = body.model_ref
    if body.category is not None:
        product.category_id = _category(session, body.category)
    _commit(session, f"product {product_id!r}")
    session.expire(product)  # the category relationship is re-read with its new id
    return get_product(session, product_id)


def add_variant(session: Session, product_id: str, body: VariantCreate) -> VariantRead:
    """A new variant at the next position (the next glTF variant index)."""
    product = _product(session, product_id)
    if any(v.name == body.name for v in product.variants):
        raise Conflict(f"product {product_id!r} already has a variant {body.name!r}")
    sku = body.sku or _default_sku(product_id, body.name)
    _check_skus(session, [sku])
    position = session.scalar(select(func.max(Variant.position)).where(Variant.product_id == product_id))
    variant = Variant(
        product_id=product_id,
        position=0 if position is None else position + 1,
        name=body.name,
        sku=sku,
        price_minor=body.price_minor,
        currency=body.currency,
        stock=body.stock,
    )
    session.add(variant)
    _commit(session, f"variant {body.name!r}")
    return VariantRead.model_validate(variant)


def update_variant(session: Session, product_id: str, variant_id: int, body: VariantUpdate) -> VariantRead:
    """Changes the given fields of one of the product's variants."""
    variant = _variant(session, product_id, variant_id)
    if body.name is not None and body.name != variant.name:
        clash = session.scalar(
            select(Variant.id).where(Variant.product_id == product_id, Variant.name == body.name)
        )
        if clash is not None:
            raise Conflict(f"product {product_id!r} already has a variant {body.name!r}")
        variant.name = body.name
    if body.sku is not None and body.sku != variant.sku:
        _check_skus(session, [body.sku], exclude=variant_id)
        variant.sku = body.sku
    if body.price_minor is not None:
        variant.price_minor = body.price_minor
    if body.currency is not None:
        variant.currency = body.currency
    if body.stock is not None:
        variant.stock = body.stock
    _commit(session, f"variant {variant_id}")
    return VariantRead.model_validate(variant)


def set_stock(session: Session, product_id: str, variant_id: int, stock: int) -> VariantRead:
    """Sets the count after a stock take; for deliveries and corrections prefer `adjust_stock`."""
    return update_variant(session, product_id, variant_id, VariantUpdate(stock=stock))


def adjust_stock(session: Session, product_id: str, variant_id: int, delta: int) -> VariantRead:
    """Adds `delta` (negative: removes) in one conditional UPDATE, so concurrent reservations are
    never lost; Conflict when the stock would leave 0..MAX_STOCK."""
    new_stock = Variant.stock + delta
    result = session.execute(
        update(Variant)
        .where(
            Variant.id == variant_id, Variant.product_id == product_id, new_stock >= 0, new_stock <= MAX_STOCK
        )
        .values(stock=new_stock)
    )
    if cast(CursorResult[Any], result).rowcount != 1:
        session.rollback()
        variant = _variant(session, product_id, variant_id)
        raise Conflict(f"{variant.sku} has {variant.stock} in stock: cannot change it by {delta}")
    session.commit()
    variant = _variant(session, product_id, variant_id)
    session.refresh(variant)
    return VariantRead.model_validate(variant)


def set_staff(session: Session, email: str, is_staff: bool) -> AccountRead:
    """Grants or withdraws staff rights (the /api/admin API); AccountNotFound for an unknown email."""
    account = session.scalar(select(Account).where(Account.email == normalize_email(email)))
    if account is None:
        raise AccountNotFound(email)
    account.is_staff = is_staff
    session.commit()
    return AccountRead.model_validate(account)
