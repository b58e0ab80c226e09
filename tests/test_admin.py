"""The staff API on SQLite and PostgreSQL: who may use it, creating and editing products and variants
(kept searchable), stock set and adjusted, and the 404/409/422 answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from commerce_api import accounts, admin
from commerce_api.accounts import AccountPolicy
from commerce_api.admin import AccountNotFound
from commerce_api.admin_routes import admin_router
from commerce_api.models import Variant
from commerce_api.payments.offline_provider import OfflineProvider
from commerce_api.routes import commerce_router

POLICY = AccountPolicy(
    secret="test-secret-" + "a" * 40, hasher=PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
)
PASSWORD = "correct horse battery"


def _account(shop: sessionmaker[Session], staff: bool) -> dict[str, str]:
    """Bearer headers for a new account, staff or not."""
    email = f"{'staff' if staff else 'shopper'}-{uuid.uuid4().hex[:10]}@example.com"
    with shop() as session:
        account = accounts.register(session, POLICY, email, PASSWORD)
        if staff:
            assert admin.set_staff(session, email, True).is_staff
        token = accounts.issue_tokens(session, POLICY, account.id).access_token
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def client(demo_shop: sessionmaker[Session]) -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(admin_router(demo_shop, POLICY, OfflineProvider()))
    app.include_router(commerce_router(demo_shop))
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def staff(demo_shop: sessionmaker[Session]) -> dict[str, str]:
    return _account(demo_shop, staff=True)


def _word() -> str:
    """A made-up word, so a search finds only what this test created."""
    return "zq" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


def _product(**overrides: Any) -> dict[str, Any]:
    word = _word()
    body: dict[str, Any] = {
        "id": f"lamp-{uuid.uuid4().hex[:8]}",
        "name": f"Orbit {word} Lamp",
        "description": "A brass floor lamp with a frosted globe.",
        "category": "Lighting Test",
        "model_ref": "demo:lamp",
        "variants": [
            {"name": "Brass", "price_minor": 12_900, "currency": "EUR", "stock": 4},
            {"name": "Matte Black", "sku": f"LAMP-{word}-BLK", "price_minor": 13_900, "currency": "EUR"},
        ],
    }
    return body | overrides


def _create(client: TestClient, staff: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/admin/products", json=_product(**overrides), headers=staff)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _search(client: TestClient, q: str) -> list[str]:
    response = client.get("/api/search", params={"q": q})
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["items"]]


# --- who may ---------------------------------------------------------------------------------------


def test_no_or_bad_token_is_401_and_shoppers_get_403(
    client: TestClient, demo_shop: sessionmaker[Session]
) -> None:
    body = _product()
    shopper = _account(demo_shop, staff=False)
    for headers in ({}, {"Authorization": "Bearer not.a.jwt"}, {"Authorization": "Basic dXNlcjpwYXNz"}):
        response = client.post("/api/admin/products", json=body, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # Authentication comes before validation: an invalid body tells an outsider nothing.
    assert client.post("/api/admin/products", json={"junk": 1}).status_code == 401
    refused = client.post("/api/admin/products", json=body, headers=shopper)
    assert refused.status_code == 403 and refused.json() == {"detail": "staff only"}
    assert client.patch(f"/api/admin/products/{body['id']}", json={}, headers=shopper).status_code == 403
    assert client.get(f"/api/catalog/products/{body['id']}").status_code == 404  # nothing was created


def test_a_withdrawn_staff_right_takes_effect_at_once(
    client: TestClient, demo_shop: sessionmaker[Session]
) -> None:
    headers = _account(demo_shop, staff=True)
    assert client.post("/api/admin/products", json=_product(), headers=headers).status_code == 201
    with demo_shop() as session:
        account = accounts.current_account(session, POLICY, headers["Authorization"].split()[1])
        admin.set_staff(session, account.email.upper(), False)
        with pytest.raises(AccountNotFound):
            admin.set_staff(session, "nobody-" + account.email, True)
    assert client.post("/api/admin/products", json=_product(), headers=headers).status_code == 403


# --- products --------------------------------------------------------------------------------------


def test_create_product_is_readable_and_searchable(client: TestClient, staff: dict[str, str]) -> None:
    body = _product()
    created = _create(client, staff, **body)
    assert created["id"] == body["id"] and created["name"] == body["name"]
    assert created["category"] == "lighting-test" and created["category_name"] == "Lighting Test"
    variants = created["variants"]
    assert [(v["name"], v["price_minor"], v["currency"], v["stock"]) for v in variants] == [
        ("Brass", 12_900, "EUR", 4),
        ("Matte Black", 13_900, "EUR", 0),
    ]
    assert variants[0]["sku"] == f"{body['id']}-brass" and variants[1]["sku"] == body["variants"][1]["sku"]
    assert client.get(f"/api/catalog/products/{body['id']}").json() == created
    word = body["name"].split()[1]
    assert _search(client, word) == [body["id"]]
    assert body["id"] in _search(client, f"{word} brass lamp globe")  # name and description indexed
    faceted = client.get("/api/search", params={"q": word, "category": "lighting-test", "in_stock": True})
    assert [h["id"] for h in faceted.json()["items"]] == [body["id"]]
    assert faceted.json()["items"][0]["price_minor"] == 12_900  # the in-stock variant's price


def test_edit_product_moves_it_in_the_search(client: TestClient, staff: dict[str, str]) -> None:
    created = _create(client, staff)
    old_word, new_word = created["name"].split()[1], _word()
    response = client.patch(
        f"/api/admin/products/{created['id']}",
        json={"name": f"Halo {new_word}", "description": "Now with a dimmer.", "category": "Garden Test"},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["name"] == f"Halo {new_word}" and edited["description"] == "Now with a dimmer."
    assert edited["category"] == "garden-test" and edited["category_name"] == "Garden Test"
    assert edited["variants"] == created["variants"] and edited["model_ref"] == created["model_ref"]
    assert _search(client, new_word) == [created["id"]]
    assert _search(client, old_word) == []
    assert _search(client, f"{new_word} dimmer") == [created["id"]]
    facets = client.get("/api/search", params={"q": new_word}).json()["facets"]["categories"]
    assert [(f["id"], f["count"]) for f in facets] == [("garden-test", 1)]
    # An empty patch changes nothing.
    again = client.patch(f"/api/admin/products/{created['id']}", json={}, headers=staff)
    assert again.status_code == 200 and again.json() == edited


def test_duplicates_are_409(
    client: TestClient, staff: dict[str, str], demo_shop: sessionmaker[Session]
) -> None:
    created = _create(client, staff)
    with demo_shop() as session:
        demo_sku = session.query(Variant.sku).filter(Variant.product_id != created["id"]).limit(1).scalar()
    cases = [
        _product(id=created["id"]),
        _product(variants=[{"name": "A", "sku": demo_sku, "price_minor": 1, "currency": "EUR"}]),
        _product(variants=[{"name": "A", "price_minor": 1, "currency": "EUR"}] * 2),
        _product(
            variants=[
                {"name": "A", "sku": "SAME-SKU-X", "price_minor": 1, "currency": "EUR"},
                {"name": "B", "sku": "SAME-SKU-X", "price_minor": 1, "currency": "EUR"},
            ]
        ),
    ]
    for body in cases:
        response = client.post("/api/admin/products", json=body, headers=staff)
        assert response.status_code == 409, (body, response.text)
        assert response.json()["detail"]
    assert client.get(f"/api/catalog/products/{cases[1]['id']}").status_code == 404


@pytest.mark.parametrize(
    "change",
    [
        {"variants": [{"name": "A", "price_minor": -1, "currency": "EUR"}]},
        {"variants": [{"name": "A", "price_minor": 100, "currency": "EUR", "stock": -1}]},
        {"variants": [{"name": "A", "price_minor": 100, "currency": "eur"}]},
        {"variants": [{"name": "A", "price_minor": 10**12, "currency": "EUR"}]},
        {"variants": [{"name": "A", "price_minor": 100, "currency": "EUR", "position": 3}]},
        {"variants": []},
        {"id": "Not A Slug"},
        {"id": "x" * 129},
        {"name": ""},
        {"is_featured": True},
    ],
)
def test_invalid_products_are_422(client: TestClient, staff: dict[str, str], change: dict[str, Any]) -> None:
    response = client.post("/api/admin/products", json=_product(**change), headers=staff)
    assert response.status_code == 422, response.text


def test_longest_names_fit_the_columns(client: TestClient, staff: dict[str, str]) -> None:
    """Derived ids (category slug, default SKU) are cut to their columns, never a database error."""
    body = _product(
        id="p" * 128,
        name="N" * 200,
        category="İ" * 120,  # lower-cases to two characters each: a slug longer than its column
        variants=[{"name": "V" * 120, "price_minor": 1, "currency": "EUR"}],
    )
    created = _create(client, staff, **body)
    assert len(created["category"]) <= 64 and created["category_name"] == "İ" * 120
    assert len(created["variants"][0]["sku"]) <= 200 and created["variants"][0]["sku"].startswith("p" * 128)
    extra = {"name": "W" * 120, "price_minor": 1, "currency": "EUR"}
    added = client.post(f"/api/admin/products/{body['id']}/variants", json=extra, headers=staff)
    assert added.status_code == 201 and len(added.json()["sku"]) <= 200
    assert (
        client.post(f"/api/admin/products/{body['id']}/variants", json=extra, headers=staff).status_code
        == 409
    )


def test_unknown_product_is_404(client: TestClient, staff: dict[str, str]) -> None:
    variant = {"name": "A", "price_minor": 1, "currency": "EUR"}
    assert (
        client.patch("/api/admin/products/no-such-thing", json={"name": "X"}, headers=staff).status_code
        == 404
    )
    assert (
        client.post("/api/admin/products/no-such-thing/variants", json=variant, headers=staff).status_code
        == 404
    )
    response = client.patch("/api/admin/products/no-such-thing/variants/1", json={"stock": 1}, headers=staff)
    assert response.status_code == 404


# --- variants and stock ----------------------------------------------------------------------------


def test_add_and_edit_variants(client: TestClient, staff: dict[str, str]) -> None:
    created = _create(client, staff)
    pid = created["id"]
    response = client.post(
        f"/api/admin/products/{pid}/variants",
        json={"name": "Copper", "price_minor": 15_900, "currency": "EUR", "stock": 2},
        headers=staff,
    )
    assert response.status_code == 201, response.text
    copper = response.json()
    assert copper["sku"] == f"{pid}-copper" and copper["stock"] == 2
    product = client.get(f"/api/catalog/products/{pid}").json()
    assert [v["name"] for v in product["variants"]] == ["Brass", "Matte Black", "Copper"]  # by position

    duplicate = {"name": "Copper", "price_minor": 1, "currency": "EUR"}
    assert (
        client.post(f"/api/admin/products/{pid}/variants", json=duplicate, headers=staff).status_code == 409
    )

    url = f"/api/admin/products/{pid}/variants/{copper['id']}"
    edited = client.patch(
        url, json={"name": "Rose Copper", "price_minor": 14_500, "currency": "USD", "stock": 9}, headers=staff
    )
    assert edited.status_code == 200, edited.text
    assert edited.json() == copper | {
        "name": "Rose Copper",
        "price_minor": 14_500,
        "currency": "USD",
        "stock": 9,
    }
    # A name or SKU another variant holds is a conflict; its own is not.
    assert client.patch(url, json={"name": "Brass"}, headers=staff).status_code == 409
    brass_sku = created["variants"][0]["sku"]
    assert client.patch(url, json={"sku": brass_sku}, headers=staff).status_code == 409
    assert (
        client.patch(url, json={"sku": copper["sku"], "name": "Rose Copper"}, headers=staff).status_code
        == 200
    )
    for bad in ({"price_minor": -5}, {"stock": -1}, {"currency": "EURO"}, {"colour": "red"}):
        assert client.patch(url, json=bad, headers=staff).status_code == 422, bad
    # A variant of another product is not reachable through this one.
    other = _create(client, staff)
    foreign = f"/api/admin/products/{other['id']}/variants/{copper['id']}"
    assert client.patch(foreign, json={"stock": 1}, headers=staff).status_code == 404
    assert client.get(f"/api/catalog/products/{pid}").json()["variants"][2]["stock"] == 9


def test_set_and_adjust_stock(client: TestClient, staff: dict[str, str]) -> None:
    created = _create(client, staff)
    pid, variant = created["id"], created["variants"][1]
    base = f"/api/admin/products/{pid}/variants/{variant['id']}/stock"
    word = created["name"].split()[1]
    in_stock = {"q": word, "in_stock": True}
    assert client.get("/api/search", params=in_stock).json()["items"][0]["price_minor"] == 12_900

    response = client.put(base, json={"stock": 7}, headers=staff)
    assert response.status_code == 200 and response.json()["stock"] == 7
    assert client.put(base, json={"stock": -1}, headers=staff).status_code == 422
    added = client.post(f"{base}/adjust", json={"delta": 5}, headers=staff)
    assert added.status_code == 200 and added.json()["stock"] == 12
    too_many = client.post(f"{base}/adjust", json={"delta": -13}, headers=staff)
    assert too_many.status_code == 409 and "12 in stock" in too_many.json()["detail"]
    assert client.post(f"{base}/adjust", json={"delta": -12}, headers=staff).json()["stock"] == 0
    assert client.post(f"{base}/adjust", json={"delta": 1.5}, headers=staff).status_code == 422
    missing = f"/api/admin/products/{pid}/variants/999999999/stock"
    assert client.put(missing, json={"stock": 1}, headers=staff).status_code == 404
    assert client.post(f"{missing}/adjust", json={"delta": 1}, headers=staff).status_code == 404

    # Brass sold out, Matte Black back in: search's in-stock filter and price follow at once.
    brass = f"/api/admin/products/{pid}/variants/{created['variants'][0]['id']}/stock"
    assert client.put(brass, json={"stock": 0}, headers=staff).status_code == 200
    assert client.get("/api/search", params=in_stock).json()["items"] == []
    assert client.put(base, json={"stock": 3}, headers=staff).status_code == 200
    assert client.get("/api/search", params=in_stock).json()["items"][0]["price_minor"] == 13_900


def test_openapi_documents_the_admin_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    admin_paths = sorted(p for p in paths if p.startswith("/api/admin"))
    assert admin_paths == [
        "/api/admin/orders",
        "/api/admin/orders/{order_id}",
        "/api/admin/orders/{order_id}/fulfil",
        "/api/admin/orders/{order_id}/refund",
        "/api/admin/products",
        "/api/admin/products/{product_id}",
        "/api/admin/products/{product_id}/variants",
        "/api/admin/products/{product_id}/variants/{variant_id}",
        "/api/admin/products/{product_id}/variants/{variant_id}/stock",
        "/api/admin/products/{product_id}/variants/{variant_id}/stock/adjust",
    ]
    assert {"401", "403", "409"} <= set(paths["/api/admin/products"]["post"]["responses"])
