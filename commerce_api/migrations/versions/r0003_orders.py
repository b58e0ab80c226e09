"""Carts, orders with lines, events, payments and refunds, idempotency records and webhook events.

Revision ID: 0003_orders
Revises: 0002_accounts
Create Date: 2025-01-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_orders"
down_revision = "0002_accounts"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cart",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column(
            "account_id",
            sa.Integer(),
            sa.ForeignKey("account.id", ondelete="CASCADE"),
            nullable=True,
            unique=True,
        ),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
    )
    op.create_table(
        "cart_item",
        sa.Column(
            "cart_token", sa.String(64), sa.ForeignKey("cart.token", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "variant_id", sa.Integer(), sa.ForeignKey("variant.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("added_at", _TIME, nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_cart_item_quantity_positive"),
    )
    op.create_table(
        "shop_order",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "account_id", sa.Integer(), sa.ForeignKey("account.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("subtotal_minor", sa.Integer(), nullable=False),
        sa.Column("shipping_minor", sa.Integer(), nullable=False),
        sa.Column("tax_minor", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.Integer(), nullable=False),
        sa.Column("shipping_option", sa.String(32), nullable=False),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("reserved_until", _TIME, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.CheckConstraint(
            "status IN ('pending_payment', 'paid', 'fulfilled', 'cancelled', 'refunded')",
            name="ck_shop_order_status",
        ),
    )
    op.create_index("ix_shop_order_account_id", "shop_order", ["account_id"])
    op.create_index("ix_shop_order_status_reserved_until", "shop_order", ["status", "reserved_until"])
    op.create_table(
        "order_line",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "order_id", sa.String(32), sa.ForeignKey("shop_order.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "variant_id", sa.Integer(), sa.ForeignKey("variant.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("sku", sa.String(200), nullable=False),
        sa.Column("name", sa.String(330), nullable=False),
        sa.Column("unit_price_minor", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("line_total_minor", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_order_line_quantity_positive"),
    )
    op.create_index("ix_order_line_order_id", "order_line", ["order_id"])
    op.create_index("ix_order_line_variant_id", "order_line", ["variant_id"])
    op.create_table(
        "order_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "order_id", sa.String(32), sa.ForeignKey("shop_order.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
    )
    op.create_index("ix_order_event_order_id", "order_event", ["order_id"])
    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "order_id", sa.String(32), sa.ForeignKey("shop_order.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("provider_ref", sa.String(255), nullable=True, unique=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("client_secret", sa.String(255), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
    )
    op.create_index("ix_payment_order_id", "payment", ["order_id"])
    op.create_table(
        "refund",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "payment_id", sa.Integer(), sa.ForeignKey("payment.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("provider_ref", sa.String(255), nullable=True, unique=True),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
    )
    op.create_index("ix_refund_payment_id", "refund", ["payment_id"])
    op.create_table(
        "idempotency_record",
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
    )
    op.create_table(
        "webhook_event",
        sa.Column("provider", sa.String(20), primary_key=True),
        sa.Column("event_id", sa.String(255), primary_key=True),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("received_at", _TIME, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "webhook_event",
        "idempotency_record",
        "refund",
        "payment",
        "order_event",
        "order_line",
        "shop_order",
        "cart_item",
        "cart",
    ):
        op.drop_table(table)
