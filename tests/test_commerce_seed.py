"""Seeding: the demo catalog becomes products with a variant per colourway; reruns change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from assets.demo_catalog import demo_products
from commerce_api.db import make_engine, migrate, session_factory
from commerce_api.models import Category, Product, Variant
from commerce_api.seed import DEFAULT_STOCK, STANDARD_VARIANT, SeedProduct, SeedResult, seed_catalog
from holoshop.commerce_seed import seed_products


@pytest.fixture
def sessions(empty_database: str) -> Iterator[sessionmaker[Session]]:
    migrate(empty_database)
    engine = make_engine(empty_database)
    yield session_factory(engine)
    engine.dispose()


def _snapshot(sessions: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    with sessions() as s:
        rows = [tuple(r) for r in s.execute(text("SELECT * FROM category ORDER BY id"))]
        rows += [
            tuple(r)
            for r in s.execute(
                text("SELECT id, name, description, category_id, model_ref FROM product ORDER BY id")
            )
        ]
        rows += [tuple(r) for r in s.execute(text("SELECT * FROM variant ORDER BY id"))]
    return rows


def test_demo_catalog_seeds_every_product_and_colourway(sessions: sessionmaker[Session]) -> None:
    demo = demo_products()
    assert seed_catalog(sessions, seed_products(demo)) == SeedResult(created=len(demo))
    with sessions() as s:
        products = {p.id: p for p in s.scalars(select(Product))}
        assert len(products) == len(demo) == 10
        for source in demo:
            product = products[source.id]
            assert (product.name, product.category.name) == (source.name, source.category)
            assert [v.name for v in product.variants] == list(source.variants or (STANDARD_VARIANT,))
            assert {(v.price_minor, v.currency, v.stock) for v in product.variants} == {
                (source.price_minor, source.currency, DEFAULT_STOCK)
            }
        assert {c.name for c in s.scalars(select(Category))} == {p.category for p in demo}


def test_second_run_changes_nothing(sessions: sessionmaker[Session]) -> None:
    records = seed_products(demo_products())
    seed_catalog(sessions, records)
    before = _snapshot(sessions)
    assert seed_catalog(sessions, records) == SeedResult(unchanged=len(records))
    assert _snapshot(sessions) == before


def test_reseed_follows_the_records_but_keeps_stock(sessions: sessionmaker[Session]) -> None:
    record = SeedProduct("lamp", "Lamp", "Home Decor", "A lamp.", 1000, "EUR", "file.glb", ("Red",))
    seed_catalog(sessions, [record])
    with sessions.begin() as s:
        s.execute(update(Variant).values(stock=3))
    changed = SeedProduct(
        "lamp", "Desk Lamp", "Home Decor", "A lamp.", 1200, "EUR", "file.glb", ("Red", "Blue")
    )
    assert seed_catalog(sessions, [changed]) == SeedResult(updated=1)
    with sessions() as s:
        product = s.get_one(Product, "lamp")
        assert product.name == "Desk Lamp" and product.category_id == "home-decor"
        assert [(v.name, v.sku, v.price_minor, v.stock) for v in product.variants] == [
            ("Red", "lamp-red", 1200, 3),
            ("Blue", "lamp-blue", 1200, DEFAULT_STOCK),
        ]


def test_stock_can_never_go_negative(sessions: sessionmaker[Session]) -> None:
    seed_catalog(sessions, seed_products(demo_products()))
    with sessions() as s, pytest.raises(IntegrityError):
        s.execute(update(Variant).where(Variant.id == 1).values(stock=-1))
        s.commit()
    with sessions() as s:
        assert s.scalar(select(Variant.stock).where(Variant.id == 1)) == DEFAULT_STOCK
