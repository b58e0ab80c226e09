"""A scratch PostgreSQL schema: tests and benchmarks each get their own, so parallel runs on one
server never meet, and it is dropped however the run ends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

__all__ = ["schema_url", "scratch_schema"]


def schema_url(admin_url: str, schema: str) -> str:
    """`admin_url` with its search_path set to `schema` (libpq options, understood by psycopg)."""
    return f"{admin_url}?options=-csearch_path%3D{schema}"


@contextmanager
def scratch_schema(admin_url: str, name: str | None = None, prefix: str = "t") -> Iterator[str]:
    """Creates schema `name` (a random one by default), yields a URL that uses it, then drops it."""
    schema = name or f"{prefix}_{uuid.uuid4().hex}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield schema_url(admin_url, schema)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()
