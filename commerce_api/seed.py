"""Seeds the catalog from plain records, idempotently: a second run with the same records changes nothing.

The composition root turns whatever it loaded (the demo catalog, a `--models` folder) into
`SeedProduct`s; this module knows nothing of models or rendering. Catalog facts (names, texts,
prices) follow the records; stock is the shop's own and is only set when a variant is created.
Variants missing from the records are kept: orders may point at them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from commerce_api.models import Category, Product, Variant

__all__ = ["DEFAULT_STOCK", "STANDARD_VARIANT", "SeedProduct", "SeedResult", "seed_catalog", "slug"]

DEFAULT_STOCK = 25
STANDARD_VARIANT = "Standard"  # the one variant of a product without colourways


@dataclass(frozen=True)
class SeedProduct:
    id: str
    name: str
    category: str
    description: str
    price_minor: int
    currency: str
    model_ref: str
    variants: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class SeedResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def slug(text: str) -> str:
    """Lower-case, dash-separated: "Home Decor" -> "home-decor"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"


def _set(obj: object, **values: object) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _seed_one(session: Session, record: SeedProduct, product: Product | None) -> str:
    """Creates or updates one product; returns "created", "updated" or "unchanged"."""
    category_id = slug(record.category)
    if session.get(Category, category_id) is None:
        session.add(Category(id=category_id, name=record.category))
        session.flush()
    created = product is None
    if product is None:
        product = Product(id=record.id, variants=[])
        session.add(product)
    changed = _set(
        product,
        name=record.name,
        description=record.description,
        category_id=category_id,
        model_ref=record.model_ref,
    )
    existing = {v.name: v for v in product.variants}
    for position, name in enumerate(dict.fromkeys(record.variants or (STANDARD_VARIANT,))):
        variant = existing.get(name)
        if variant is None:
            product.variants.append(
                Variant(
                    position=position,
                    name=name,
                    sku=f"{record.id}-{slug(name)}",
                    price_minor=record.price_minor,
                    currency=record.currency,
                    stock=DEFAULT_STOCK,
                )
            )
            changed = True
        else:
            changed |= _set(
                variant, position=position, price_minor=record.price_minor, currency=record.currency
            )
    return "created" if created else "updated" if changed else "unchanged"


def seed_catalog(sessions: sessionmaker[Session], records: Sequence[SeedProduct]) -> SeedResult:
    """Upserts every record in one transaction and says how many products it created or changed."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with sessions.begin() as session:
        products = {
            p.id: p
            for p in session.scalars(
                select(Product)
                .options(selectinload(Product.variants))
                .where(Product.id.in_([r.id for r in records]))
            )
        }
        for record in records:
            counts[_seed_one(session, record, products.get(record.id))] += 1
    return SeedResult(**counts)
