"""A real commerce server process under concurrent checkouts, on SQLite and PostgreSQL: 200 buyers
racing over HTTP for the last 10 units get exactly 10 orders; killed with SIGKILL in the middle of
checkouts, after a restart every order is complete or absent, stock adds up, and retrying every
request with its key finishes the interrupted ones without a second order or a second charge."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from commerce_api.models import CartItem, Order, OrderEvent, OrderLine, Payment
from tests.net import free_port
from tests.shop_helpers import fill_cart, set_stock, small_shop, stock_of, variant_id

pytestmark = pytest.mark.slow

ADDRESS = {
    "name": "Ada Buyer",
    "line1": "Hauptstr. 1",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
}
UNITS = 30
BUYERS = 60


@contextmanager
def _server(url: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    env = {
        **os.environ,
        "HOLOSHOP_DATABASE_URL": url,
        "HOLOSHOP_SWEEP_SECONDS": "3600",
        "HOLOSHOP_CHECKOUT_RATE_LIMIT": "100000/minute",  # all buyers share one address here
    }
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "holoshop", "commerce", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                log.seek(0)
                raise AssertionError(f"the server did not become ready:\n{log.read().decode()[-3000:]}")
            yield process, base
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()


def _checkout(base: str, token: str, key: str) -> int | None:
    body = {"cart_token": token, "email": "ada@example.com", "address": ADDRESS}
    try:
        response = httpx.post(f"{base}/api/checkout", json=body, headers={"Idempotency-Key": key}, timeout=30)
    except httpx.TransportError:
        return None  # the server died under this request
    return response.status_code


def _check_consistency(shop: sessionmaker[Session], chair: int) -> dict[str, Any]:
    with shop() as session:
        orders = session.scalars(select(Order)).all()
        for order in orders:
            assert order.lines, f"order {order.id} has no lines"
            events = session.scalars(
                select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
            ).all()
            assert events[0].from_status is None and events[-1].to_status == order.status
        held = session.scalars(
            select(func.coalesce(func.sum(OrderLine.quantity), 0))
            .join(Order)
            .where(OrderLine.variant_id == chair, Order.status.in_(["pending_payment", "paid", "fulfilled"]))
        ).one()
        emptied = session.scalars(
            select(func.count()).select_from(CartItem).where(CartItem.variant_id == chair)
        ).one()
        payments = session.scalars(select(func.count()).select_from(Payment)).one()
        refs = session.scalars(select(func.count(func.distinct(Payment.order_id)))).one()
    stock = stock_of(shop, chair)
    assert stock >= 0
    assert stock + held == UNITS, "every unit is on sale or in exactly one live order"
    assert BUYERS - emptied == len(orders), "a cart is emptied exactly when its order is written"
    assert payments == refs, "never two payments for one order"
    return {"orders": len(orders), "paid": sum(o.status == "paid" for o in orders), "stock": stock}


def test_sigkill_mid_checkout_leaves_orders_whole_and_retries_finish_them(empty_database: str) -> None:
    with small_shop(empty_database) as shop:
        chair = variant_id(shop, "chair")
        set_stock(shop, chair, UNITS)
        tokens = [fill_cart(shop, {chair: 1}) for _ in range(BUYERS)]
        keys = [str(uuid.uuid4()) for _ in range(BUYERS)]

        with _server(empty_database) as (process, base):
            answered: list[int | None] = []

            def kill_after_some() -> None:
                while len([a for a in answered if a is not None]) < 5:
                    time.sleep(0.005)
                process.send_signal(signal.SIGKILL)

            killer = threading.Thread(target=kill_after_some)
            killer.start()
            with ThreadPoolExecutor(12) as pool:
                for status in pool.map(lambda i: _checkout(base, tokens[i], keys[i]), range(BUYERS)):
                    answered.append(status)
            killer.join()
        assert process.returncode == -signal.SIGKILL
        assert None in answered, "the kill landed while checkouts were in flight"
        assert all(a in (None, 201, 409) for a in answered), answered

        after_crash = _check_consistency(shop, chair)

        with _server(empty_database) as (_, base):
            retried = [_checkout(base, tokens[i], keys[i]) for i in range(BUYERS)]
        assert all(r in (201, 409) for r in retried), retried
        final = _check_consistency(shop, chair)
        assert final["orders"] >= after_crash["orders"]
        assert retried.count(201) == final["orders"], "one order per key that succeeded, none twice"
        assert final["paid"] == final["orders"] == min(UNITS, BUYERS)
        assert final["stock"] == UNITS - final["paid"]


def test_two_hundred_buyers_race_over_http_for_the_last_ten_units(empty_database: str) -> None:
    buyers = 200
    with small_shop(empty_database) as shop:
        chair = variant_id(shop, "chair")
        set_stock(shop, chair, 10)
        tokens = [fill_cart(shop, {chair: 1}) for _ in range(buyers)]

        async def race(base: str) -> list[int]:
            limits = httpx.Limits(max_connections=buyers)
            async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

                async def buy(token: str) -> int:
                    body = {"cart_token": token, "email": "ada@example.com", "address": ADDRESS}
                    key = {"Idempotency-Key": str(uuid.uuid4())}
                    return (await client.post("/api/checkout", json=body, headers=key)).status_code

                return list(await asyncio.gather(*(buy(t) for t in tokens)))

        with _server(empty_database) as (_, base):
            statuses = asyncio.run(race(base))
        assert statuses.count(201) == 10, sorted(set(statuses))
        assert statuses.count(409) == buyers - 10
        assert stock_of(shop, chair) == 0
        with shop() as session:
            assert session.scalars(select(func.count()).select_from(Order)).one() == 10
            assert set(session.scalars(select(Order.status))) == {"paid"}
