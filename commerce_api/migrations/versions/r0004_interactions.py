"""Interaction events: views, cart adds and paid order lines, for the assistant's recommender.

Revision ID: 0004_interactions
Revises: 0003_orders
Create Date: 2025-01-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_interactions"
down_revision = "0003_orders"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "interaction_event",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("subject", sa.String(80), nullable=False),
        sa.Column("product_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.CheckConstraint(
            "kind IN ('view', 'inspect', 'cart_add', 'order')", name="ck_interaction_event_kind"
        ),
    )
    op.create_index("ix_interaction_event_created_at", "interaction_event", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_interaction_event_created_at", table_name="interaction_event")
    op.drop_table("interaction_event")
