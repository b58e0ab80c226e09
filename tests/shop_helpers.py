"""A small shop for order tests: three products with known prices and stock, and carts filled directly."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from commerce_api.db import make_engine, migrate, session_factory
from commerce_api.models import Cart, CartItem, Order, Variant
from commerce_api.seed import SeedProduct, seed_catalog

__all__ = ["RECORDS", "fill_cart", "order_count", "set_stock", "small_shop", "stock_of", "variant_id"]

RECORDS = (
    SeedProduct(
        "lamp", "Arc Lamp", "Lighting", "A brass floor lamp.", 8_900, "EUR", "demo:lamp", ("Brass", "Black")
    ),
    SeedProduct("chair", "Lounge Chair", "Seating", "A deep lounge chair.", 24_900, "EUR", "demo:chair"),
    SeedProduct("vase", "Glass Vase", "Decor", "A blown glass vase.", 1_990, "EUR", "demo:vase"),
)


@contextmanager
def small_shop(url: str) -> Iterator[sessionmaker[Session]]:
    migrate(url)
    engine = make_engine(url)
    try:
        sessions = session_factory(engine)
        seed_catalog(sessions, RECORDS)
        yield sessions
    finally:
        engine.dispose()


def variant_id(sessions: sessionmaker[Session], product_id: str, position: int = 0) -> int:
    with sessions() as session:
        return session.scalars(
            select(Variant.id).where(Variant.product_id == product_id, Variant.position == position)
        ).one()


def stock_of(sessions: sessionmaker[Session], vid: int) -> int:
    with sessions() as session:
        return session.scalars(select(Variant.stock).where(Variant.id == vid)).one()


def set_stock(sessions: sessionmaker[Session], vid: int, stock: int) -> None:
    with sessions() as session, session.begin():
        session.get_one(Variant, vid).stock = stock


def fill_cart(sessions: sessionmaker[Session], items: dict[int, int], account_id: int | None = None) -> str:
    """A new guest cart, or the account's one cart, holding `items` (variant id -> quantity); its token."""
    now = datetime.now(UTC)
    with sessions() as session, session.begin():
        cart = None
        if account_id is not None:
            cart = session.scalars(select(Cart).where(Cart.account_id == account_id)).first()
        if cart is None:
            token = secrets.token_urlsafe(32)
            cart = Cart(token=token, account_id=account_id, created_at=now, updated_at=now)
            session.add(cart)
            session.flush()
        token = cart.token
        for vid, quantity in items.items():
            session.add(CartItem(cart_token=token, variant_id=vid, quantity=quantity, added_at=now))
    return token


def order_count(sessions: sessionmaker[Session], status: str | None = None) -> int:
    with sessions() as session:
        statement = select(func.count()).select_from(Order)
        if status is not None:
            statement = statement.where(Order.status == status)
        return session.scalars(statement).one()
