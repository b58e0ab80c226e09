"""The shop's tables: the catalog, accounts, carts, orders with their payments, and idempotency records.

Prices and stock live on variants: a colourway is what a shopper buys and what runs out. Money is
integers in minor units beside an ISO 4217 currency. The full-text columns are not mapped here:
they differ per database and are created by the migration (a tsvector column on PostgreSQL, an
FTS5 table on SQLite), and only search.py reads them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
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

__all__ = [
    "INTERACTION_KINDS",
    "ORDER_STATUSES",
    "Account",
    "Base",
    "Cart",
    "CartItem",
    "Category",
    "IdempotencyRecord",
    "InteractionEvent",
    "Order",
    "OrderEvent",
    "OrderLine",
    "Payment",
    "Product",
    "RefreshToken",
    "Refund",
    "UtcDateTime",
    "Variant",
    "WebhookEvent",
]


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


class Cart(Base):
    """A guest's cart (reached by its secret token) or an account's one cart (account_id unique)."""

    __tablename__ = "cart"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), unique=True, nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    items: Mapped[list[CartItem]] = relationship(
        back_populates="cart", order_by="CartItem.added_at", cascade="all, delete-orphan"
    )


class CartItem(Base):
    __tablename__ = "cart_item"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_cart_item_quantity_positive"),)

    cart_token: Mapped[str] = mapped_column(ForeignKey("cart.token", ondelete="CASCADE"), primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id", ondelete="CASCADE"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())

    cart: Mapped[Cart] = relationship(back_populates="items")
    variant: Mapped[Variant] = relationship(lazy="joined")


ORDER_STATUSES = ("pending_payment", "paid", "fulfilled", "cancelled", "refunded")


class Order(Base):
    """An order with its prices frozen at checkout; `reserved_until` bounds the stock it holds unpaid."""

    __tablename__ = "shop_order"  # ORDER is a keyword in SQL
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending_payment', 'paid', 'fulfilled', 'cancelled', 'refunded')",
            name="ck_shop_order_status",
        ),
        Index("ix_shop_order_status_reserved_until", "status", "reserved_until"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random hex: a guest's capability
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True, nullable=True
    )
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int] = mapped_column(Integer)
    shipping_minor: Mapped[int] = mapped_column(Integer)
    tax_minor: Mapped[int] = mapped_column(Integer)
    total_minor: Mapped[int] = mapped_column(Integer)
    shipping_option: Mapped[str] = mapped_column(String(32))
    address: Mapped[dict[str, Any]] = mapped_column(JSON)
    reserved_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan", lazy="selectin"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="order", order_by="Payment.id", cascade="all, delete-orphan", lazy="selectin"
    )


class OrderLine(Base):
    __tablename__ = "order_line"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_order_line_quantity_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("variant.id", ondelete="SET NULL"), index=True, nullable=True
    )
    sku: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(330))  # "Product (Variant)" as bought
    unit_price_minor: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    line_total_minor: Mapped[int] = mapped_column(Integer)

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderEvent(Base):
    """Every status change of an order, written in the transaction that makes it: the audit trail."""

    __tablename__ = "order_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Payment(Base):
    """One attempt to take an order's money through a provider (`provider_ref`: its intent id)."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    provider_ref: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
    status: Mapped[str] = mapped_column(String(30))
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    client_secret: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    order: Mapped[Order] = relationship(back_populates="payments")
    refunds: Mapped[list[Refund]] = relationship(
        back_populates="payment", order_by="Refund.id", cascade="all, delete-orphan", lazy="selectin"
    )


class Refund(Base):
    __tablename__ = "refund"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id", ondelete="CASCADE"), index=True)
    provider_ref: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
    amount_minor: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    payment: Mapped[Payment] = relationship(back_populates="refunds")


class IdempotencyRecord(Base):
    """A request's key, a hash of its body and the answer given, so a retry gets that answer again."""

    __tablename__ = "idempotency_record"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)  # e.g. "checkout"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebhookEvent(Base):
    """A provider's event id, stored in the transaction that applies the event: a repeat is a no-op."""

    __tablename__ = "webhook_event"

    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


INTERACTION_KINDS = ("view", "inspect", "cart_add", "order")


class InteractionEvent(Base):
    """A shopper looked at, inspected, carted or bought a product: what the recommender learns from.

    `product_id` has no foreign key: events outlive deleted products and are written on hot paths,
    where one plain INSERT is all they may cost. `subject` is whoever did it: "account:<id>",
    "cart:<hash of the token>" (never the token itself, a capability) or "order:<id>".
    """

    __tablename__ = "interaction_event"
    __table_args__ = (
        CheckConstraint("kind IN ('view', 'inspect', 'cart_add', 'order')", name="ck_interaction_event_kind"),
        Index("ix_interaction_event_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    subject: Mapped[str] = mapped_column(String(80))
    product_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
