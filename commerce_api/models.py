"""The catalog's tables: categories, products and their variants (the glTF colourways).

Prices and stock live on variants: a colourway is what a shopper buys and what runs out. Money is
integers in minor units beside an ISO 4217 currency. The full-text columns are not mapped here:
they differ per database and are created by the migration (a tsvector column on PostgreSQL, an
FTS5 table on SQLite), and only search.py reads them.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = ["Base", "Category", "Product", "Variant"]


class Base(DeclarativeBase):
    pass


class Category(Base):
    __tablename__ = "category"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # slug
    name: Mapped[str] = mapped_column(String(120), unique=True)


class Product(Base):
    __tablename__ = "product"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)  # slug, shared with the showroom
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[str] = mapped_column(ForeignKey("category.id"), index=True)
    model_ref: Mapped[str] = mapped_column(String(500))  # where the 3D model comes from

    category: Mapped[Category] = relationship(lazy="joined")
    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", order_by="Variant.position", cascade="all, delete-orphan"
    )


class Variant(Base):
    __tablename__ = "variant"
    __table_args__ = (
        UniqueConstraint("product_id", "name", name="uq_variant_product_name"),
        CheckConstraint("stock >= 0", name="ck_variant_stock_not_negative"),
        CheckConstraint("price_minor >= 0", name="ck_variant_price_not_negative"),
        Index("ix_variant_price_minor", "price_minor"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # the glTF variant index
    name: Mapped[str] = mapped_column(String(120))
    sku: Mapped[str] = mapped_column(String(200), unique=True)
    price_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    stock: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship(back_populates="variants")
