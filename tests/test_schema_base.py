"""NUL characters, which PostgreSQL's text columns cannot hold, are refused with 422 in bodies and
paths on both databases (the fuzzer found a 500 for a login with the email "\\u0000")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from commerce_api.schema_base import has_nul
from holoshop.commerce_app import create_commerce_app
from holoshop.config import Settings


def test_has_nul_looks_inside_containers() -> None:
    assert has_nul("a\x00b") and has_nul({"k": ["x", "\x00"]}) and has_nul({"\x00": 1})
    assert not has_nul({"k": ["x", 1, None]}) and not has_nul(3)


@pytest.fixture(scope="module")
def client(module_database: str) -> Iterator[TestClient]:
    app = create_commerce_app(Settings(database_url=module_database, sweep_seconds=3600))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/accounts/login", {"email": "\x00", "password": "whatever"}),
        ("POST", "/api/accounts/register", {"email": "a\x00@example.com", "password": "long enough pw"}),
        ("POST", "/api/carts", None),
        ("GET", "/api/catalog/products/chair%00", None),
        ("GET", "/api/search?q=%00", None),
    ],
)
def test_nul_characters_get_422(client: TestClient, method: str, path: str, body: object) -> None:
    if path == "/api/carts":  # a cart exists; adding an item named with NUL is refused
        token = client.post("/api/carts").json()["token"]
        response = client.post(f"/api/carts/{token}/items", json={"product_id": "a\x00", "variant_index": 0})
    else:
        response = client.request(method, path, json=body)
    assert response.status_code == 422, response.text
