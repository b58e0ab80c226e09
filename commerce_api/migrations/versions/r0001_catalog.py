"""Catalog: categories, products, variants with stock, and full-text search per database.

Revision ID: 0001_catalog
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_catalog"
down_revision = None
branch_labels = None
depends_on = None

# Name weighs most, then the description, then the category (its slug, words split on dashes).
_PG_SEARCH_VECTOR = """
ALTER TABLE product ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, name), 'A')
    || setweight(to_tsvector('english'::regconfig, description), 'B')
    || setweight(to_tsvector('english'::regconfig, replace(category_id, '-', ' ')), 'C')
) STORED
"""

# A self-contained FTS5 table (products have text keys, so no external-content rowid mapping),
# kept in step with `product` by triggers. Porter stemming, like PostgreSQL's english config.
_SQLITE_SEARCH = (
    """CREATE VIRTUAL TABLE product_search USING fts5(
        product_id UNINDEXED, name, description, category,
        tokenize = 'porter unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER product_search_insert AFTER INSERT ON product BEGIN
        INSERT INTO product_search (product_id, name, description, category)
        VALUES (new.id, new.name, new.description, replace(new.category_id, '-', ' '));
    END""",
    """CREATE TRIGGER product_search_update AFTER UPDATE ON product BEGIN
        DELETE FROM product_search WHERE product_id = old.id;
        INSERT INTO product_search (product_id, name, description, category)
        VALUES (new.id, new.name, new.description, replace(new.category_id, '-', ' '));
    END""",
    """CREATE TRIGGER product_search_delete AFTER DELETE ON product BEGIN
        DELETE FROM product_search WHERE product_id = old.id;
    END""",
)


def upgrade() -> None:
    op.create_table(
        "category",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
    )
    op.create_table(
        "product",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category_id", sa.String(64), sa.ForeignKey("category.id"), nullable=False),
        sa.Column("model_ref", sa.String(500), nullable=False),
    )
    op.create_index("ix_product_category_id", "product", ["category_id"])
    op.create_table(
        "variant",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "product_id", sa.String(128), sa.ForeignKey("product.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("sku", sa.String(200), nullable=False, unique=True),
        sa.Column("price_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.UniqueConstraint("product_id", "name", name="uq_variant_product_name"),
        sa.CheckConstraint("stock >= 0", name="ck_variant_stock_not_negative"),
        sa.CheckConstraint("price_minor >= 0", name="ck_variant_price_not_negative"),
    )
    op.create_index("ix_variant_product_id", "variant", ["product_id"])
    op.create_index("ix_variant_price_minor", "variant", ["price_minor"])

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_PG_SEARCH_VECTOR)
        op.execute("CREATE INDEX ix_product_search_vector ON product USING gin (search_vector)")
    elif dialect == "sqlite":
        for statement in _SQLITE_SEARCH:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE product_search")  # its triggers go with `product`
    op.drop_table("variant")
    op.drop_table("product")
    op.drop_table("category")
