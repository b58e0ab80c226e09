"""The carts service on SQLite and PostgreSQL: quantities, stock, limits, account carts, merging, locks
that keep concurrent adds, and the Redis fast path (real Redis, a random key prefix per test)."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import redis
from sqlalchemy.orm import Session, sessionmaker

from commerce_api import carts
from commerce_api.cart_cache import NullCartCache, RedisCartCache, make_cart_cache
from commerce_api.cart_schemas import MAX_LINE_QUANTITY, CartRead
from commerce_api.carts import (
    CartForbidden,
    CartLimit,
    CartNotFound,
    CurrencyMismatch,
    ItemNotFound,
    OutOfStock,
)
from commerce_api.models import Account, Category, Product, Variant

REDIS_URL = os.environ.get("HOLOSHOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
_CATEGORY = "cart-tests"


def stocked_variant(
    sessions: sessionmaker[Session], *, stock: int = 5, price_minor: int = 1999, currency: str = "EUR"
) -> tuple[int, str]:
    """A new product with one variant of this stock: its variant id and SKU."""
    slug = f"cart-test-{uuid.uuid4().hex[:12]}"
    with sessions() as s:
        if s.get(Category, _CATEGORY) is None:
            s.add(Category(id=_CATEGORY, name="Cart tests"))
            s.flush()
        variant = Variant(
            position=0,
            name="Standard",
            sku=f"{slug}-std",
            price_minor=price_minor,
            currency=currency,
            stock=stock,
        )
        s.add(
            Product(
                id=slug, name=f"Thing {slug}", category_id=_CATEGORY, model_ref="test", variants=[variant]
            )
        )
        s.commit()
        return variant.id, variant.sku


def new_account(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        account = Account(
            email=f"cart-{uuid.uuid4().hex[:12]}@example.com", password_hash="-", created_at=datetime.now(UTC)
        )
        s.add(account)
        s.commit()
        return account.id


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def redis_cache() -> Iterator[RedisCartCache]:
    """A cache on the real Redis under a prefix of its own, whose keys are deleted after the test."""
    prefix = f"holoshop-test:{uuid.uuid4().hex}:"
    cache = RedisCartCache(REDIS_URL, prefix=prefix)
    yield cache
    cache.close()
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def db(demo_shop: sessionmaker[Session]) -> Iterator[Session]:
    with demo_shop() as s:
        yield s


def test_add_and_add_again(demo_shop: sessionmaker[Session], db: Session) -> None:
    variant_id, sku = stocked_variant(demo_shop, stock=10, price_minor=1250)
    cart = carts.create_cart(db)
    assert len(cart.token) == 43 and cart.items == [] and cart.count == 0 and cart.currency is None
    first = carts.add_item(db, cart.token, variant_id=variant_id, quantity=2)
    again = carts.add_item(db, cart.token, variant_id=variant_id, quantity=3)
    assert first.count == 2 and again.count == 5
    (line,) = again.items
    assert (line.sku, line.quantity, line.unit_price_minor, line.line_total_minor) == (sku, 5, 1250, 6250)
    assert (line.currency, line.in_stock, line.variant_name) == ("EUR", 10, "Standard")
    assert again.subtotal_minor == 6250 and again.currency == "EUR"
    assert again.version > first.version
    assert carts.get_cart(db, cart.token) == again


def test_add_by_product_and_variant_index(db: Session) -> None:
    token = carts.create_cart(db).token
    cart = carts.add_item(db, token, product_id="oslo-lounge-chair", variant_index=1, quantity=1)
    assert cart.count == 1
    assert (cart.items[0].product_id, cart.items[0].variant_name) == ("oslo-lounge-chair", "Forest")
    assert cart.items[0].product_name == "Oslo Lounge Chair"
    with pytest.raises(ItemNotFound):
        carts.add_item(db, token, product_id="oslo-lounge-chair", variant_index=9)
    with pytest.raises(ItemNotFound):
        carts.add_item(db, token, product_id="no-such-product")


def test_stock_is_checked_against_the_database(demo_shop: sessionmaker[Session], db: Session) -> None:
    variant_id, sku = stocked_variant(demo_shop, stock=3)
    token = carts.create_cart(db).token
    carts.add_item(db, token, variant_id=variant_id, quantity=2)
    with pytest.raises(OutOfStock, match=f"^only 3 left of {sku}$"):
        carts.add_item(db, token, variant_id=variant_id, quantity=2)
    assert carts.get_cart(db, token).count == 2  # the refused add changed nothing
    with pytest.raises(OutOfStock):
        carts.set_quantity(db, token, variant_id, 4)


def test_unknown_cart_and_variant(db: Session) -> None:
    token = carts.create_cart(db).token
    with pytest.raises(ItemNotFound):
        carts.add_item(db, token, variant_id=2**31 - 1)
    with pytest.raises(ItemNotFound):
        carts.set_quantity(db, token, 2**31 - 1, 1)
    with pytest.raises(CartNotFound):
        carts.add_item(db, carts.new_token(), variant_id=1)
    with pytest.raises(CartNotFound):
        carts.get_cart(db, carts.new_token())


def test_set_quantity_and_remove(demo_shop: sessionmaker[Session], db: Session) -> None:
    a, _ = stocked_variant(demo_shop)
    b, _ = stocked_variant(demo_shop)
    token = carts.create_cart(db).token
    carts.add_item(db, token, variant_id=a)
    cart = carts.set_quantity(db, token, b, 4)  # a line that was not there is added
    assert [(i.variant_id, i.quantity) for i in cart.items] == [(a, 1), (b, 4)]
    cart = carts.set_quantity(db, token, a, 0)
    assert [(i.variant_id, i.quantity) for i in cart.items] == [(b, 4)]
    cart = carts.remove_item(db, token, b)
    assert cart.items == [] and cart.count == 0 and cart.subtotal_minor == 0
    assert carts.remove_item(db, token, b).items == []  # removing again is no error


def test_limits_and_currency(demo_shop: sessionmaker[Session], db: Session) -> None:
    plenty, _ = stocked_variant(demo_shop, stock=500)
    dollars, _ = stocked_variant(demo_shop, currency="USD")
    token = carts.create_cart(db).token
    carts.add_item(db, token, variant_id=plenty, quantity=MAX_LINE_QUANTITY)
    with pytest.raises(CartLimit):
        carts.add_item(db, token, variant_id=plenty)
    with pytest.raises(CurrencyMismatch, match="EUR"):
        carts.add_item(db, token, variant_id=dollars)
    with pytest.raises(ValueError):
        carts.add_item(db, token, variant_id=plenty, quantity=0)
    assert carts.get_cart(db, token).count == MAX_LINE_QUANTITY


def test_account_cart_belongs_to_its_account(demo_shop: sessionmaker[Session], db: Session) -> None:
    owner, other = new_account(demo_shop), new_account(demo_shop)
    cart = carts.account_cart(db, owner)
    assert carts.account_cart(db, owner).token == cart.token  # one cart per account
    assert carts.create_cart(db, owner).token == cart.token
    assert carts.get_cart(db, cart.token, owner).token == cart.token
    variant_id, _ = stocked_variant(demo_shop)
    for intruder in (None, other):
        with pytest.raises(CartForbidden):
            carts.get_cart(db, cart.token, intruder)
        with pytest.raises(CartForbidden):
            carts.add_item(db, cart.token, variant_id=variant_id, account_id=intruder)
    assert carts.account_cart(db, other).token != cart.token


def run_together(count: int, work: Callable[[int], object]) -> list[object]:
    """`work(i)` in `count` threads released at once; their results, re-raising the first error."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def test_racing_first_requests_share_one_account_cart(demo_shop: sessionmaker[Session]) -> None:
    account = new_account(demo_shop)

    def first_request(_: int) -> str:
        with demo_shop() as s:
            return carts.account_cart(s, account).token

    assert len(set(run_together(6, first_request))) == 1


def test_concurrent_adds_lose_nothing(demo_shop: sessionmaker[Session], db: Session) -> None:
    variant_id, _ = stocked_variant(demo_shop, stock=99)
    token = carts.create_cart(db).token
    threads, adds = 6, 5

    def add(_: int) -> None:
        with demo_shop() as s:
            for _ in range(adds):
                carts.add_item(s, token, variant_id=variant_id)

    run_together(threads, add)
    assert carts.get_cart(db, token).count == threads * adds


def test_merge_adds_quantities_capped_at_stock(demo_shop: sessionmaker[Session], db: Session) -> None:
    account = new_account(demo_shop)
    scarce, scarce_sku = stocked_variant(demo_shop, stock=4)
    other, _ = stocked_variant(demo_shop)
    mine = carts.account_cart(db, account).token
    carts.add_item(db, mine, variant_id=scarce, quantity=2, account_id=account)
    guest = carts.create_cart(db).token
    carts.add_item(db, guest, variant_id=scarce, quantity=3)
    carts.add_item(db, guest, variant_id=other, quantity=2)
    merged = carts.merge_carts(db, guest, account)
    assert merged.token == mine
    assert {i.sku: i.quantity for i in merged.items}[scarce_sku] == 4  # 2 + 3, capped at the stock
    assert {i.variant_id: i.quantity for i in merged.items} == {scarce: 4, other: 2}
    with pytest.raises(CartNotFound):
        carts.get_cart(db, guest)
    with pytest.raises(CartNotFound):  # the same token again: the guest cart is gone
        carts.merge_carts(db, guest, account)
    assert carts.merge_carts(db, mine, account) == carts.get_cart(db, mine, account)  # itself: no-op
    with pytest.raises(CartForbidden):  # another account's cart is not a guest cart
        carts.merge_carts(db, mine, new_account(demo_shop))


# The fast path, on the real Redis.


def test_writes_go_through_to_the_cache(
    demo_shop: sessionmaker[Session], db: Session, redis_cache: RedisCartCache
) -> None:
    variant_id, _ = stocked_variant(demo_shop)
    cart = carts.create_cart(db, cache=redis_cache)
    assert redis_cache.get(cart.token) == cart
    added = carts.add_item(db, cart.token, variant_id=variant_id, quantity=2, cache=redis_cache)
    assert redis_cache.get(cart.token) == added and added.count == 2
    account = new_account(demo_shop)
    owned = carts.account_cart(db, account, cache=redis_cache)
    cached = redis_cache.get(owned.token)
    assert cached is not None and cached.account_id == account  # the owner is cached too
    with pytest.raises(CartForbidden):  # and checked on a cache hit
        carts.get_cart(db, owned.token, cache=redis_cache)


def test_reads_use_the_cache_and_writes_use_the_database(
    demo_shop: sessionmaker[Session], db: Session, redis_cache: RedisCartCache
) -> None:
    variant_id, _ = stocked_variant(demo_shop)
    cart = carts.add_item(db, carts.create_cart(db).token, variant_id=variant_id, cache=redis_cache)
    stale = cart.model_copy(update={"count": 42})
    raw = redis.Redis.from_url(REDIS_URL)
    raw.delete(redis_cache.key(cart.token))  # a put of the same version would be refused
    raw.close()
    redis_cache.put(stale)
    assert carts.get_cart(db, cart.token, cache=redis_cache).count == 42  # a hit is served as cached
    fresh = carts.add_item(db, cart.token, variant_id=variant_id, cache=redis_cache)
    assert fresh.count == 2  # built on the database's quantities, never the cache's
    assert redis_cache.get(cart.token) == fresh


def test_an_absent_or_unreadable_entry_reads_the_database(
    demo_shop: sessionmaker[Session], db: Session, redis_cache: RedisCartCache
) -> None:
    variant_id, _ = stocked_variant(demo_shop)
    cart = carts.add_item(db, carts.create_cart(db).token, variant_id=variant_id, cache=redis_cache)
    raw = redis.Redis.from_url(REDIS_URL)
    raw.delete(redis_cache.key(cart.token))
    assert carts.get_cart(db, cart.token, cache=redis_cache) == cart
    assert redis_cache.get(cart.token) == cart  # and the miss filled the cache
    raw.set(redis_cache.key(cart.token), b"{not json")
    assert carts.get_cart(db, cart.token, cache=redis_cache) == cart
    raw.close()


def test_an_older_write_never_replaces_a_newer(redis_cache: RedisCartCache) -> None:
    token = carts.new_token()
    newer = CartRead(token=token, items=[], count=0, subtotal_minor=0, currency=None, version=20)
    older = newer.model_copy(update={"version": 10, "count": 7})
    redis_cache.put(newer)
    redis_cache.put(older)  # a slower writer of an earlier commit
    assert redis_cache.get(token) == newer
    redis_cache.drop(token)
    redis_cache.put(newer.model_copy(update={"version": 30}))  # a late write of a deleted cart
    assert redis_cache.get(token) is None


def test_merge_deletes_the_guest_cart_from_the_cache(
    demo_shop: sessionmaker[Session], db: Session, redis_cache: RedisCartCache
) -> None:
    variant_id, _ = stocked_variant(demo_shop)
    account = new_account(demo_shop)
    guest = carts.add_item(db, carts.create_cart(db).token, variant_id=variant_id, cache=redis_cache).token
    merged = carts.merge_carts(db, guest, account, cache=redis_cache)
    assert redis_cache.get(guest) is None and redis_cache.get(merged.token) == merged
    with pytest.raises(CartNotFound):
        carts.get_cart(db, guest, cache=redis_cache)


def test_redis_down_never_fails_a_request(demo_shop: sessionmaker[Session], db: Session) -> None:
    variant_id, _ = stocked_variant(demo_shop)
    down = make_cart_cache(f"redis://127.0.0.1:{closed_port()}/0")
    assert isinstance(down, RedisCartCache)
    started = time.monotonic()
    cart = carts.create_cart(db, cache=down)
    cart = carts.add_item(db, cart.token, variant_id=variant_id, quantity=2, cache=down)
    assert carts.get_cart(db, cart.token, cache=down).count == 2
    assert carts.merge_carts(db, cart.token, new_account(demo_shop), cache=down).count == 2
    assert time.monotonic() - started < 5


def test_no_cache_by_default() -> None:
    assert isinstance(make_cart_cache(None), NullCartCache)


class Outage:
    """A TCP forwarder to the real Redis that can be cut and restored: a network outage, for real."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = closed_port()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        assert self._listener is not None
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(), or it keeps listening
        self._listener.close()
        for s in self._sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)


def test_writes_missed_during_an_outage_are_not_served_after_it(
    demo_shop: sessionmaker[Session], db: Session
) -> None:
    variant_id, _ = stocked_variant(demo_shop)
    url = urlsplit(REDIS_URL)
    outage = Outage((url.hostname or "127.0.0.1", url.port or 6379))
    prefix = f"holoshop-test:{uuid.uuid4().hex}:"
    cache = RedisCartCache(f"redis://127.0.0.1:{outage.port}{url.path}", prefix=prefix, cooldown_s=0.2)
    try:
        token = carts.add_item(db, carts.create_cart(db).token, variant_id=variant_id, cache=cache).token
        outage.cut()
        truth = carts.add_item(db, token, variant_id=variant_id, cache=cache)  # Redis keeps the old entry
        assert truth.count == 2
        outage.restore()
        time.sleep(0.3)
        assert carts.get_cart(db, token, cache=cache) == truth
        assert cache.get(token) == truth
    finally:
        outage.cut()
        cache.close()
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
        client.close()
