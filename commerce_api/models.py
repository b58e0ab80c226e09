"""The shop's tables: the catalog (categories, products, variants) and accounts with refresh tokens.

Prices and stock live on variants: a colourway is what a shopper buys and what runs out. Money is
integers in minor units beside an ISO 4217 currency. The full-text columns are not mapped here:
they differ per database and are created by the migration (a tsvector column on PostgreSQL, an
FTS5 table on SQLite), and only search.py reads them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = ["Account", "Base", "Category", "Product", "RefreshToken", "UtcDateTime", "Variant"]


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out: SQLite keeps no time zone, so its naive values are UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the shop stores aware UTC times only")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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


class Account(Base):
    """A shopper or a staff member; the email is stored lower-cased, so uniqueness ignores case."""

    __tablename__ = "account"
    __table_args__ = (CheckConstraint("email = lower(email)", name="ck_account_email_lower"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2 PHC string, never returned
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RefreshToken(Base):
    """One issued refresh token by its JWT id: revoked when rotated or logged out, kept to spot reuse."""

    __tablename__ = "refresh_token"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
