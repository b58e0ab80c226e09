"""Interaction events on SQLite and PostgreSQL: the API logs product views (signed in), cart adds and
paid orders in their own transactions, nothing for failures; the service reads and prunes them; the
migration applies; and `holoshop assistant retrain` trains a model from them."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import torch
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from avatar.brain.embeddings import Embedder
from avatar.brain.recommender import RecommenderModel
from commerce_api import interactions
from commerce_api.account_routes import accounts_router
from commerce_api.accounts import AccountPolicy
from commerce_api.cart_cache import NullCartCache
from commerce_api.cart_routes import carts_router
from commerce_api.checkout_routes import checkout_router
from commerce_api.db import make_engine, migrate
from commerce_api.models import InteractionEvent, Variant
from commerce_api.payments.offline_provider import DECLINED_METHOD, OfflineProvider
from commerce_api.routes import commerce_router
from holoshop.assistant_catalog import catalog_snapshot, load_interactions
from holoshop.assistant_training import model_path, retraining
from holoshop.cli import app
from holoshop.config import Settings

POLICY = AccountPolicy(
    secret="interactions-secret-" + "k" * 40,
    hasher=PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1),
)
ADDRESS = {"name": "Ada Buyer", "line1": "Rue 1", "city": "Paris", "postal_code": "75001", "country": "FR"}
LAMP, SOFA, MUG = "luma-floor-lamp", "haven-three-seat-sofa", "kaffe-stoneware-mug"


@pytest.fixture(scope="module")
def client(demo_shop: sessionmaker[Session]) -> Iterator[TestClient]:
    cache = NullCartCache()
    app = FastAPI()
    app.include_router(commerce_router(demo_shop, policy=POLICY))
    app.include_router(accounts_router(demo_shop, POLICY, cache))
    app.include_router(carts_router(demo_shop, POLICY, cache))
    app.include_router(checkout_router(demo_shop, POLICY, OfflineProvider(), cart_cache=cache))
    with TestClient(app) as c:
        yield c


def _events(sessions: sessionmaker[Session], subject: str | None = None) -> list[tuple[str, str, str]]:
    with sessions() as session:
        statement = select(InteractionEvent.subject, InteractionEvent.product_id, InteractionEvent.kind)
        if subject is not None:
            statement = statement.where(InteractionEvent.subject == subject)
        return [(s, p, k) for s, p, k in session.execute(statement.order_by(InteractionEvent.id))]


def _count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalars(select(func.count()).select_from(InteractionEvent)).one()


def _login(client: TestClient) -> tuple[int, dict[str, str]]:
    email, password = f"shopper-{uuid.uuid4().hex[:10]}@example.com", "correct horse battery"
    account = client.post("/api/accounts/register", json={"email": email, "password": password}).json()
    tokens = client.post("/api/accounts/login", json={"email": email, "password": password}).json()
    return int(account["id"]), {"Authorization": f"Bearer {tokens['access_token']}"}


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _cart(client: TestClient, headers: dict[str, str] | None = None) -> str:
    token: str = _ok(client.post("/api/carts", headers=headers or {}), 201)["token"]
    return token


def _add(client: TestClient, token: str, product: str, headers: dict[str, str] | None = None) -> Any:
    body = {"product_id": product, "variant_index": 0, "quantity": 1}
    return client.post(f"/api/carts/{token}/items", json=body, headers=headers or {})


def test_a_signed_in_product_read_is_a_view(client: TestClient, demo_shop: sessionmaker[Session]) -> None:
    account, bearer = _login(client)
    _ok(client.get(f"/api/catalog/products/{LAMP}", headers=bearer))
    assert _events(demo_shop, f"account:{account}") == [(f"account:{account}", LAMP, "view")]
    before = _count(demo_shop)
    _ok(client.get(f"/api/catalog/products/{SOFA}"))  # anonymous: nobody to attribute it to
    bad = {"Authorization": "Bearer not-a-token"}
    _ok(client.get(f"/api/catalog/products/{SOFA}", headers=bad))  # a public page: served, not logged
    assert client.get("/api/catalog/products/no-such-thing", headers=bearer).status_code == 404
    assert _count(demo_shop) == before


def test_cart_adds_are_logged_with_the_cart_and_only_when_they_happen(
    client: TestClient, demo_shop: sessionmaker[Session]
) -> None:
    token = _cart(client)
    _ok(_add(client, token, MUG))
    guest = interactions.cart_subject(token)
    assert guest.startswith("cart:") and token not in guest  # the token is a capability: never logged
    assert _events(demo_shop, guest) == [(guest, MUG, "cart_add")]

    account, bearer = _login(client)
    mine = _cart(client, bearer)
    _ok(_add(client, mine, LAMP, bearer))
    assert _events(demo_shop, f"account:{account}") == [(f"account:{account}", LAMP, "cart_add")]

    before = _count(demo_shop)
    assert _add(client, token, "no-such-product").status_code == 404
    with demo_shop() as session, session.begin():
        session.execute(update(Variant).where(Variant.product_id == SOFA).values(stock=0))
    try:
        assert _add(client, token, SOFA).status_code == 409  # out of stock: rolled back, event too
    finally:
        with demo_shop() as session, session.begin():
            session.execute(update(Variant).where(Variant.product_id == SOFA).values(stock=25))
    assert _count(demo_shop) == before


def _checkout(client: TestClient, token: str, headers: dict[str, str], **changes: Any) -> Any:
    body: dict[str, Any] = {"cart_token": token, "email": "ada@example.com", "address": ADDRESS, **changes}
    return client.post("/api/checkout", json=body, headers={**headers, "Idempotency-Key": str(uuid.uuid4())})


def test_a_paid_order_logs_each_product_and_a_declined_one_nothing(
    client: TestClient, demo_shop: sessionmaker[Session]
) -> None:
    account, bearer = _login(client)
    mine = _cart(client, bearer)
    for product in (LAMP, SOFA, LAMP):
        _ok(_add(client, mine, product, bearer))
    order = _ok(_checkout(client, mine, bearer), 201)
    assert order["status"] == "paid"
    ordered = [e for e in _events(demo_shop, f"account:{account}") if e[2] == "order"]
    assert sorted(ordered) == sorted(
        [(f"account:{account}", LAMP, "order"), (f"account:{account}", SOFA, "order")]
    )

    guest = _cart(client)
    _ok(_add(client, guest, MUG))
    paid = _ok(_checkout(client, guest, {}), 201)
    assert _events(demo_shop, f"order:{paid['id']}") == [(f"order:{paid['id']}", MUG, "order")]

    declined_cart = _cart(client)
    _ok(_add(client, declined_cart, MUG))
    before = _count(demo_shop)
    declined = _checkout(client, declined_cart, {}, payment_method=DECLINED_METHOD)
    assert declined.json()["status"] == "cancelled", declined.text
    assert _count(demo_shop) == before


def test_the_service_records_reads_and_prunes(demo_shop: sessionmaker[Session]) -> None:
    subject = f"session:{uuid.uuid4().hex}"
    old = datetime(2020, 1, 1, tzinfo=UTC)
    with demo_shop() as session, session.begin():
        interactions.record(session, subject, LAMP, "inspect", old)
        n = interactions.record_many(session, [(subject, SOFA, "view"), (subject, MUG, "inspect")])
        assert n == 2
        with pytest.raises(ValueError, match="unknown interaction kind"):
            interactions.record(session, subject, LAMP, "like")
    with demo_shop() as session:
        rows = interactions.events(session)
        assert [tuple(r)[:3] for r in rows if r.subject == subject] == [
            (subject, LAMP, "inspect"),
            (subject, SOFA, "view"),
            (subject, MUG, "inspect"),
        ]
        assert all(a.created_at <= b.created_at for a, b in zip(rows, rows[1:], strict=False))
        recent = interactions.events(session, since=old + timedelta(days=1))
        assert (subject, LAMP, "inspect") not in [tuple(r)[:3] for r in recent]
        newest = interactions.events(session, limit=2)
        assert [tuple(r)[:3] for r in newest] == [(subject, SOFA, "view"), (subject, MUG, "inspect")]
    loaded = [e for e in load_interactions(demo_shop) if e.subject == subject]
    assert [(e.product_id, e.kind) for e in loaded] == [(LAMP, "inspect"), (SOFA, "view"), (MUG, "inspect")]
    assert loaded[0].at == old
    with demo_shop() as session, session.begin():
        assert interactions.prune(session, old + timedelta(days=1)) >= 1
    assert (subject, LAMP, "inspect") not in _events(demo_shop, subject)


def test_the_catalog_snapshot_reads_products_variants_and_stock(demo_shop: sessionmaker[Session]) -> None:
    snapshot = catalog_snapshot(demo_shop)
    assert len(snapshot.items) == 10
    chair = snapshot.get("oslo-lounge-chair")
    assert chair is not None and chair.category == "Furniture" and chair.currency == "EUR"
    assert [v.name for v in chair.variants] == ["Sand", "Forest", "Rust"]
    assert chair.price_minor == 64_900 and chair.stock > 0


def test_the_migration_adds_the_table_to_a_0003_database(empty_database: str) -> None:
    migrate(empty_database, "0003_orders")
    migrate(empty_database)
    engine = make_engine(empty_database)
    try:
        with engine.connect() as connection:
            assert "interaction_event" in inspect(connection).get_table_names()
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            assert version == "0004_interactions"
    finally:
        engine.dispose()


def test_retrain_cli_writes_a_model_that_a_schedule_hands_over(
    demo_shop: sessionmaker[Session], module_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with demo_shop() as session, session.begin():
        for k in range(6):
            interactions.record_many(
                session, [(f"order:cli-{k}", LAMP, "order"), (f"order:cli-{k}", SOFA, "order")]
            )
    monkeypatch.setenv("HOLOSHOP_DATABASE_URL", module_database)
    monkeypatch.setenv("HOLOSHOP_ASSISTANT_DIR", str(tmp_path / "assistant"))
    runner = CliRunner()
    assert "--epochs" in runner.invoke(app, ["assistant", "retrain", "--help"]).output
    result = runner.invoke(app, ["assistant", "retrain", "--epochs", "20"])
    assert result.exit_code == 0, result.output
    assert "epoch 20/20" in result.output and "recommender.pt" in result.output
    settings = Settings()
    model = RecommenderModel.load(model_path(settings))
    assert set(model.ids) == {item.id for item in catalog_snapshot(demo_shop).items}
    assert model.meta["epochs"] == 20 and int(model.meta["events"]) >= 12
    lamp, sofa = model.row(LAMP), model.row(SOFA)
    assert lamp is not None and sofa is not None and float(model.evidence[lamp]) > 0

    handed: list[RecommenderModel] = []
    asyncio.run(retraining(settings, 0, handed.append))  # never retrains: the saved model, once
    assert len(handed) == 1 and torch.equal(handed[0].vectors, model.vectors)


def test_the_schedule_retrains_and_hands_over_fresh_models(
    demo_shop: sessionmaker[Session], module_database: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=module_database, assistant_dir=tmp_path / "assistant")
    with demo_shop() as session, session.begin():
        interactions.record_many(session, [("order:sched", MUG, "order"), ("order:sched", LAMP, "order")])
    handed: list[RecommenderModel] = []

    async def run() -> None:
        task = asyncio.create_task(
            retraining(settings, 0.01, handed.append, embedder=Embedder(tmp_path / "cache"), epochs=3)
        )
        while len(handed) < 2 and not task.done():
            await asyncio.sleep(0.05)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(asyncio.wait_for(run(), 120))
    assert len(handed) >= 2  # no saved model at first: two fresh ones, trained on a worker thread
    assert all(m.meta["epochs"] == 3 for m in handed)
    assert model_path(settings).is_file()
    mug = handed[-1].row(MUG)
    assert mug is not None and float(handed[-1].evidence[mug]) > 0
