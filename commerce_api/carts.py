"""Carts: guest carts reached by their secret token, one cart per account, and merging on login.

The database is the truth. Every change first takes the cart's row lock (a no-op UPDATE: a row lock
on PostgreSQL, the write lock on SQLite, before anything is read), so concurrent changes to one cart
queue up instead of losing each other's quantities. Stock is checked against the database on every
change; a cart reserves nothing (checkout does). With a `cache`, reads try it first and every
committed change is written through to it; a cache never makes a request fail.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from commerce_api import interactions
from commerce_api.cart_cache import CartCache
from commerce_api.cart_schemas import MAX_CART_LINES, MAX_LINE_QUANTITY, CartItemRead, CartRead
from commerce_api.models import Cart, CartItem, Variant

__all__ = [
    "CartError",
    "CartForbidden",
    "CartLimit",
    "CartNotFound",
    "CurrencyMismatch",
    "ItemNotFound",
    "OutOfStock",
    "account_cart",
    "add_item",
    "create_cart",
    "get_cart",
    "merge_carts",
    "new_token",
    "remove_item",
    "set_quantity",
]

log = logging.getLogger("holoshop.carts")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TICK = timedelta(microseconds=1)


class CartError(Exception):
    """Base of the carts' errors; the message is safe to show to the shopper."""


class CartNotFound(CartError, LookupError):
    """No cart has this token (never had, or merged into an account's); the API answers 404."""


class ItemNotFound(CartError, LookupError):
    """No such variant (or no product with this variant index); the API answers 404."""


class CartForbidden(CartError):
    """An account's cart reached without its owner's Bearer token; the API answers 403."""


class OutOfStock(CartError):
    """More than the stock asked for: "only N left of SKU"; the API answers 409."""


class CartLimit(CartError):
    """More than MAX_LINE_QUANTITY of one variant, or more than MAX_CART_LINES lines; 409."""


class CurrencyMismatch(CartError):
    """A variant priced in another currency than the cart's items; 409."""


def _now() -> datetime:
    """The service's clock, one place for tests to move."""
    return datetime.now(UTC)


def new_token() -> str:
    """A cart's token: 256 random bits, the capability to read and change the cart."""
    return secrets.token_urlsafe(32)


def _read(cart: Cart) -> CartRead:
    items = [
        CartItemRead(
            variant_id=item.variant_id,
            product_id=item.variant.product_id,
            product_name=item.variant.product.name,
            variant_name=item.variant.name,
            sku=item.variant.sku,
            unit_price_minor=item.variant.price_minor,
            currency=item.variant.currency,
            quantity=item.quantity,
            line_total_minor=item.variant.price_minor * item.quantity,
            in_stock=item.variant.stock,
        )
        for item in sorted(cart.items, key=lambda i: (i.added_at, i.variant_id))
    ]
    return CartRead(
        token=cart.token,
        items=items,
        count=sum(i.quantity for i in items),
        subtotal_minor=sum(i.line_total_minor for i in items),
        currency=items[0].currency if items else None,
        account_id=cart.account_id,
        version=(cart.updated_at - _EPOCH) // _TICK,
    )


def _load(session: Session, token: str) -> Cart | None:
    """The cart with its items, variants and products in two queries, fresh from the database."""
    return session.scalar(
        select(Cart)
        .where(Cart.token == token)
        .options(selectinload(Cart.items).joinedload(CartItem.variant).joinedload(Variant.product))
        .execution_options(populate_existing=True)
    )


def _check_owner(owner: int | None, account_id: int | None) -> None:
    if owner is not None and owner != account_id:
        raise CartForbidden("this cart belongs to an account: its owner's Bearer token is required")


def _lock(session: Session, token: str, account_id: int | None) -> Cart:
    """The cart, locked for this transaction and with a new, strictly greater updated_at."""
    locked = session.execute(
        update(Cart)
        .where(Cart.token == token)
        .values(updated_at=Cart.updated_at)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], locked).rowcount != 1:
        session.rollback()
        raise CartNotFound("no such cart")
    cart = _load(session, token)
    assert cart is not None  # locked above
    try:
        _check_owner(cart.account_id, account_id)
    except CartForbidden:
        session.rollback()
        raise
    # Versions must follow commit order even across processes whose clocks disagree.
    cart.updated_at = max(_now(), cart.updated_at + _TICK)
    return cart


def _commit(session: Session, cart: Cart, cache: CartCache | None) -> CartRead:
    session.commit()
    # The cart was loaded after its row was locked, so what is in memory is what was committed.
    result = _read(cart)
    if cache is not None:
        cache.put(result)
    return result


def _variant(session: Session, variant_id: int | None, product_id: str | None, variant_index: int) -> Variant:
    if variant_id is not None:
        variant = session.get(Variant, variant_id, populate_existing=True)
    else:
        variant = session.scalar(
            select(Variant)
            .where(Variant.product_id == product_id, Variant.position == variant_index)
            .execution_options(populate_existing=True)
        )
    if variant is None:
        raise ItemNotFound(
            f"no variant {variant_id}"
            if variant_id is not None
            else f"no variant {variant_index} of product {product_id!r}"
        )
    return variant


def _set_line(cart: Cart, variant: Variant, quantity: int) -> None:
    """Sets a line to `quantity` (1..99, within stock, in the cart's currency), adding it if new."""
    if quantity > variant.stock:
        raise OutOfStock(f"only {variant.stock} left of {variant.sku}")
    if quantity > MAX_LINE_QUANTITY:
        raise CartLimit(f"at most {MAX_LINE_QUANTITY} of one item per cart")
    others = [i for i in cart.items if i.variant_id != variant.id]
    foreign = next((i.variant.currency for i in others if i.variant.currency != variant.currency), None)
    if foreign is not None:
        raise CurrencyMismatch(f"this cart is in {foreign}; {variant.sku} is priced in {variant.currency}")
    line = next((i for i in cart.items if i.variant_id == variant.id), None)
    if line is not None:
        line.quantity = quantity
        return
    if len(cart.items) >= MAX_CART_LINES:
        raise CartLimit(f"at most {MAX_CART_LINES} different items per cart")
    cart.items.append(CartItem(variant_id=variant.id, variant=variant, quantity=quantity, added_at=_now()))


def create_cart(
    session: Session, account_id: int | None = None, *, cache: CartCache | None = None
) -> CartRead:
    """A new empty guest cart; for an account, its one cart (created on demand)."""
    if account_id is not None:
        return account_cart(session, account_id, cache=cache)
    now = _now()
    cart = Cart(token=new_token(), created_at=now, updated_at=now)
    session.add(cart)
    return _commit(session, cart, cache)


def get_cart(
    session: Session, token: str, account_id: int | None = None, *, cache: CartCache | None = None
) -> CartRead:
    """The cart, from the cache when it has it; an account's cart only for that account."""
    cached = cache.get(token) if cache is not None else None
    if cached is not None:
        _check_owner(cached.account_id, account_id)
        return cached
    cart = _load(session, token)
    if cart is None:
        raise CartNotFound("no such cart")
    _check_owner(cart.account_id, account_id)
    result = _read(cart)
    if cache is not None:
        cache.put(result)
    return result


def add_item(
    session: Session,
    token: str,
    *,
    variant_id: int | None = None,
    product_id: str | None = None,
    variant_index: int = 0,
    quantity: int = 1,
    account_id: int | None = None,
    cache: CartCache | None = None,
) -> CartRead:
    """Adds `quantity` of a variant, named by id or by product and position; quantities add up."""
    if (variant_id is None) == (product_id is None):
        raise ValueError("give either variant_id or product_id")
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise ValueError(f"quantity must be 1 to {MAX_LINE_QUANTITY}")
    cart = _lock(session, token, account_id)
    try:
        variant = _variant(session, variant_id, product_id, variant_index)
        line = next((i for i in cart.items if i.variant_id == variant.id), None)
        _set_line(cart, variant, quantity + (line.quantity if line is not None else 0))
    except CartError:
        session.rollback()
        raise
    owner = cart.account_id if cart.account_id is not None else account_id
    subject = interactions.account_subject(owner) if owner is not None else interactions.cart_subject(token)
    interactions.record(session, subject, variant.product_id, "cart_add")  # commits with the line
    return _commit(session, cart, cache)


def set_quantity(
    session: Session,
    token: str,
    variant_id: int,
    quantity: int,
    *,
    account_id: int | None = None,
    cache: CartCache | None = None,
) -> CartRead:
    """Sets a line's quantity (adding the line if new); 0 removes it."""
    if not 0 <= quantity <= MAX_LINE_QUANTITY:
        raise ValueError(f"quantity must be 0 to {MAX_LINE_QUANTITY}")
    if quantity == 0:
        return remove_item(session, token, variant_id, account_id=account_id, cache=cache)
    cart = _lock(session, token, account_id)
    try:
        _set_line(cart, _variant(session, variant_id, None, 0), quantity)
    except CartError:
        session.rollback()
        raise
    return _commit(session, cart, cache)


def remove_item(
    session: Session,
    token: str,
    variant_id: int,
    *,
    account_id: int | None = None,
    cache: CartCache | None = None,
) -> CartRead:
    """Removes a line; removing one that is not there changes nothing."""
    cart = _lock(session, token, account_id)
    cart.items[:] = [i for i in cart.items if i.variant_id != variant_id]
    return _commit(session, cart, cache)


def _account_cart_token(session: Session, account_id: int) -> str:
    """The token of the account's cart, creating the cart when it has none.

    Two first requests of one account may race to create it: the unique account_id lets one
    insert win, and the other takes the winner's cart.
    """
    token = session.scalar(select(Cart.token).where(Cart.account_id == account_id))
    if token is not None:
        return token
    now = _now()
    cart = Cart(token=new_token(), account_id=account_id, created_at=now, updated_at=now)
    session.add(cart)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        token = session.scalar(select(Cart.token).where(Cart.account_id == account_id))
        if token is None:  # not the race: the account itself is gone
            raise CartNotFound("no such account") from None
        return token
    return cart.token


def account_cart(session: Session, account_id: int, *, cache: CartCache | None = None) -> CartRead:
    """The account's one cart, created on demand."""
    return get_cart(session, _account_cart_token(session, account_id), account_id, cache=cache)


def merge_carts(
    session: Session, guest_token: str, account_id: int, *, cache: CartCache | None = None
) -> CartRead:
    """Moves a guest cart's items into the account's cart and deletes the guest cart.

    Quantities add up, capped at the stock and at MAX_LINE_QUANTITY; items in another currency or
    beyond MAX_CART_LINES are dropped. Merging the account's own cart changes nothing; another
    account's cart is CartForbidden, an unknown token CartNotFound.
    """
    target_token = _account_cart_token(session, account_id)
    if guest_token == target_token:
        return get_cart(session, target_token, account_id, cache=cache)
    carts: dict[str, Cart] = {}
    for token in sorted((guest_token, target_token)):  # one lock order: two merges never deadlock
        carts[token] = _lock(session, token, account_id)
    guest, target = carts[guest_token], carts[target_token]
    if guest.account_id is not None:  # an account cart that passed the owner check: impossible
        session.rollback()
        raise CartForbidden("only a guest cart can be merged")
    for item in guest.items:
        variant = item.variant
        line = next((i for i in target.items if i.variant_id == variant.id), None)
        have = line.quantity if line is not None else 0
        wanted = min(have + item.quantity, variant.stock, MAX_LINE_QUANTITY)
        if wanted <= have:
            continue
        try:
            _set_line(target, variant, wanted)
        except (CurrencyMismatch, CartLimit) as exc:
            log.info("merging cart: %s dropped: %s", variant.sku, exc)
    session.delete(guest)
    result = _commit(session, target, cache)
    if cache is not None:
        cache.drop(guest_token)
    return result
