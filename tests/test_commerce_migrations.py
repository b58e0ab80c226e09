"""Migrations on an empty database create the catalog (full-text search included) and the accounts;
a rerun changes nothing."""

from __future__ import annotations

from sqlalchemy import inspect, text

from commerce_api.db import make_engine, migrate


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
    assert version == "0002_accounts"
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
