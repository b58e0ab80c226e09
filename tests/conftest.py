"""Databases for the tests: a throwaway SQLite file for every app, and real SQLite and PostgreSQL
databases for the commerce tests (PostgreSQL at 127.0.0.1:5432, database `test`, one fresh schema
per use, so parallel sessions on the same server never meet)."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from assets.demo_catalog import demo_products
from commerce_api.db import make_engine, migrate, session_factory
from commerce_api.seed import seed_catalog
from holoshop.commerce_seed import seed_products
from tests.pg_schema import scratch_schema

POSTGRES_URL = os.environ.get(
    "HOLOSHOP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")


_SHOP_DIR = Path(tempfile.mkdtemp(prefix="holoshop-shop-"))


def pytest_configure(config: pytest.Config) -> None:
    """Apps created without a database_url use a throwaway file, never the checkout's .holoshop/.

    Set here, before collection, because some modules build their Settings at import.
    """
    os.environ["HOLOSHOP_DATABASE_URL"] = f"sqlite:///{_SHOP_DIR / 'shop.db'}"
    os.environ["HOLOSHOP_JWT_SECRET"] = secrets.token_urlsafe(48)  # nor a kept .holoshop/jwt-secret
    os.environ["HOLOSHOP_ASSISTANT_DIR"] = str(_SHOP_DIR / "assistant")  # nor its embedding cache and model


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_SHOP_DIR, ignore_errors=True)


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """The URL of an empty database: a new SQLite file, or a new PostgreSQL schema dropped after."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'shop-{uuid.uuid4().hex}.db'}"
        return
    with scratch_schema(POSTGRES_URL) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def module_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="module")
def demo_shop(module_database: str) -> Iterator[sessionmaker[Session]]:
    """A migrated database seeded with the demo catalog, shared by a module's tests."""
    migrate(module_database)
    engine = make_engine(module_database)
    sessions = session_factory(engine)
    seed_catalog(sessions, seed_products(demo_products()))
    yield sessions
    engine.dispose()
