"""The catalog and search API over HTTP, against the whole app with a fresh database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assets.demo_catalog import demo_products
from holoshop.server import create_app
from tests.conftest import fresh_database
from tests.test_server import settings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'shop.db'}"
    with TestClient(create_app(settings(database_url=url))) as c:
        yield c


def test_list_products_with_variants(client: TestClient) -> None:
    response = client.get("/api/catalog/products", params={"limit": 100})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == len(page["items"]) == len(demo_products())
    chair = next(p for p in page["items"] if p["id"] == "oslo-lounge-chair")
    assert chair["category"] == "furniture" and chair["category_name"] == "Furniture"
    assert [v["name"] for v in chair["variants"]] == ["Sand", "Forest", "Rust"]
    assert chair["variants"][0]["sku"] == "oslo-lounge-chair-sand"


def test_get_one_and_404(client: TestClient) -> None:
    response = client.get("/api/catalog/products/haven-three-seat-sofa")
    assert response.status_code == 200
    assert response.json()["name"] == "Haven Three-Seat Sofa"
    missing = client.get("/api/catalog/products/no-such-thing")
    assert missing.status_code == 404
    assert "no-such-thing" in missing.json()["detail"]


def test_search(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "sofa", "in_stock": "true"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["items"][0]["id"] == "haven-three-seat-sofa"
    assert sum(c["count"] for c in body["facets"]["categories"]) == body["total"]
    filtered = client.get("/api/search", params={"category": "audio", "max_price": 20000}).json()
    assert [hit["id"] for hit in filtered["items"]] == ["bloc-portable-speaker"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"min_price": -5},
        {"min_price": 500, "max_price": 100},
        {"q": ""},
        {"q": "x" * 201},
        {"q": '"'},
        {"q": "*"},
        {"category": "Not A Slug"},
        {"in_stock": "maybe"},
    ],
)
def test_invalid_queries_get_422_with_a_reason(client: TestClient, params: dict[str, str | int]) -> None:
    response = client.get("/api/search", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


@pytest.mark.parametrize("q", ["a OR", "'; drop table product; --", "x" * 200, "Café 北欧 🛋️", "NEAR(a b)"])
def test_hostile_text_never_fails(client: TestClient, q: str) -> None:
    assert client.get("/api/search", params={"q": q}).status_code == 200
    assert client.get("/api/catalog/products").json()["total"] == len(demo_products())


def test_search_on_postgresql(tmp_path: Path) -> None:
    with (
        fresh_database("postgresql", tmp_path) as url,
        TestClient(create_app(settings(database_url=url))) as c,
    ):
        body = c.get("/api/search", params={"q": "chair oak"}).json()
        assert [hit["id"] for hit in body["items"]] == ["oslo-lounge-chair"]
        assert c.get("/api/search", params={"q": "a OR"}).status_code == 200


def test_accounts_are_wired_into_the_app(client: TestClient) -> None:
    credentials = {"email": "wired@example.com", "password": "long enough secret"}
    assert client.post("/api/accounts/register", json=credentials).status_code == 201
    tokens = client.post("/api/accounts/login", json=credentials).json()
    me = client.get("/api/accounts/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200 and me.json()["email"] == "wired@example.com"
    assert "/api/accounts/refresh" in client.get("/openapi.json").json()["paths"]
