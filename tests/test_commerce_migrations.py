"""Migrations on an empty database create the catalog (full-text search included), the accounts,
carts and orders; a rerun changes nothing; and the schema they build is the one the models describe."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from commerce_api.db import make_engine, migrate
from commerce_api.models import Base

_ORDER_TABLES = {
    "cart",
    "cart_item",
    "shop_order",
    "order_line",
    "order_event",
    "payment",
    "refund",
    "idempotency_record",
    "webhook_event",
    "interaction_event",
}


def _schema(url: str) -> tuple[list[str], dict[str, list[str]], str | None]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            tables = sorted(inspector.get_table_names())
            indexes = {t: sorted(str(i["name"]) for i in inspector.get_indexes(t)) for t in tables}
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return tables, indexes, version
    finally:
        engine.dispose()


def test_upgrade_creates_the_catalog_and_accounts(empty_database: str) -> None:
    migrate(empty_database)
    tables, indexes, version = _schema(empty_database)
    assert {"alembic_version", "category", "product", "variant", "account", "refresh_token"} <= set(tables)
    assert "ix_variant_price_minor" in indexes["variant"]
    assert "ix_product_category_id" in indexes["product"]
    assert "ix_refresh_token_account_id" in indexes["refresh_token"]
    assert set(tables) >= _ORDER_TABLES
    assert "ix_shop_order_status_reserved_until" in indexes["shop_order"]
    assert "ix_interaction_event_created_at" in indexes["interaction_event"]
    assert version == "0004_interactions"
    engine = make_engine(empty_database)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                assert "ix_product_search_vector" in indexes["product"]
                assert "search_vector" in {c["name"] for c in inspect(connection).get_columns("product")}
            else:
                assert "product_search" in tables
                assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
                assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        engine.dispose()


def test_upgrade_twice_is_a_no_op(empty_database: str) -> None:
    migrate(empty_database)
    before = _schema(empty_database)
    migrate(empty_database)
    assert _schema(empty_database) == before


def _unmapped_search_objects(diff: Any) -> bool:
    """The full-text objects differ per database and are deliberately left out of the models."""
    text_of = repr(diff)
    return "search" in text_of


def test_migrations_match_the_models(empty_database: str) -> None:
    migrate(empty_database)
    engine = make_engine(empty_database)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            diffs = [d for d in compare_metadata(context, Base.metadata) if not _unmapped_search_objects(d)]
    finally:
        engine.dispose()
    assert diffs == []
