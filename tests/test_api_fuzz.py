"""Schema-driven fuzzing of the commerce API's OpenAPI spec with schemathesis, on SQLite and
PostgreSQL: whatever the generated (valid or invalid) requests, no answer is a 5xx."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from holoshop.commerce_app import create_commerce_app
from holoshop.config import Settings
from tests.conftest import POSTGRES_URL
from tests.pg_schema import schema_url, scratch_schema

# The schemas are collected at import, so the databases are named here and made by the fixture.
_SQLITE_URL = f"sqlite:///{Path(tempfile.mkdtemp(prefix='holoshop-fuzz-')) / 'shop.db'}"
_PG_SCHEMA = f"t_{uuid.uuid4().hex}"
_PG_URL = schema_url(POSTGRES_URL, _PG_SCHEMA)


def _app(url: str) -> FastAPI:
    return create_commerce_app(Settings(database_url=url, sweep_seconds=3600))


def _schema(app: FastAPI) -> schemathesis.BaseSchema:
    """The app's spec, read without starting it (from_asgi would run the lifespan at import)."""
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = app
    return schema


SQLITE_APP, POSTGRES_APP = _app(_SQLITE_URL), _app(_PG_URL)
sqlite_schema, postgres_schema = _schema(SQLITE_APP), _schema(POSTGRES_APP)


@pytest.fixture(scope="module", autouse=True)
def running_apps() -> Iterator[None]:
    """Both apps through their lifespans (migrations, the seeded demo catalog) for the module."""
    with scratch_schema(POSTGRES_URL, _PG_SCHEMA), TestClient(SQLITE_APP), TestClient(POSTGRES_APP):
        yield


def _no_server_error(case: schemathesis.Case[Any]) -> None:
    response = case.call()
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
    )


_FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


@sqlite_schema.parametrize()
@_FUZZ
def test_sqlite_api_never_answers_5xx(case: schemathesis.Case[Any]) -> None:
    _no_server_error(case)


@postgres_schema.parametrize()
@_FUZZ
def test_postgresql_api_never_answers_5xx(case: schemathesis.Case[Any]) -> None:
    _no_server_error(case)
