"""The embedded server: health, product data, rendered views and a renderer that fails to start."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from assets.demo_catalog import demo_products
from holoshop.config import Settings
from holoshop.security_headers import APP_CSP, DOCS_CSP
from holoshop.server import create_app

WIDTH, HEIGHT = 320, 180
Pixels = np.ndarray[Any, np.dtype[np.uint8]]


def settings(**overrides: Any) -> Settings:
    """Explicit values for everything that matters, so HOLOSHOP_* variables cannot leak in."""
    values: dict[str, Any] = {
        "width": WIDTH,
        "height": HEIGHT,
        "models_dir": None,
        "layout": None,
        "environment": "studio",
        "msaa": 0,
        "max_texture_size": 256,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(settings())) as c:  # the context manager runs the lifespan
        yield c


@pytest.fixture(scope="module")
def broken() -> Iterator[TestClient]:
    with TestClient(create_app(settings(environment="/nonexistent.hdr"))) as c:
        yield c


def view(client: TestClient, **params: Any) -> Pixels:
    response = client.get("/api/view.png", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.format == "PNG"
        pixels: Pixels = np.asarray(image.convert("RGB"))
    return pixels


def differs(a: Pixels, b: Pixels) -> float:
    """Fraction of pixels that changed visibly."""
    return float((np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2) > 10).mean())


# --- health -------------------------------------------------------------------------------------


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_counts_products(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "products": len(demo_products()), "sessions": 0}


# --- products -----------------------------------------------------------------------------------


def test_products_are_the_demo_catalog(client: TestClient) -> None:
    response = client.get("/api/products")
    assert response.status_code == 200
    body = response.json()
    expected = demo_products()
    assert [p["id"] for p in body] == [p.id for p in expected]
    for item, product in zip(body, expected, strict=True):
        assert set(item) == {"id", "name", "category", "price_minor", "currency", "description", "variants"}
        assert type(item["price_minor"]) is int and item["price_minor"] == product.price_minor
        assert item["variants"] == list(product.variants)
        assert item["name"] == product.name and item["currency"] == "EUR"
    chair = next(p for p in body if p["id"] == "oslo-lounge-chair")
    assert chair["price_minor"] == 64900 and chair["variants"] == ["Sand", "Forest", "Rust"]


# --- rendered views -----------------------------------------------------------------------------


def test_view_is_a_png_of_the_configured_size(client: TestClient) -> None:
    response = client.get("/api/view.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "no-store"
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.size == (WIDTH, HEIGHT)
        pixels = np.asarray(image.convert("RGB"))
    assert pixels.std() > 5, "something should be drawn"


def test_focus_inspect_variant_renders(client: TestClient) -> None:
    browse = view(client)
    close_up = view(client, focus="stride-runner-sneaker", inspect=True, variant=2, orbit=45, zoom=1.3)
    assert close_up.shape == (HEIGHT, WIDTH, 3)
    assert differs(browse, close_up) > 0.05


def test_variants_change_the_image(client: TestClient) -> None:
    a = view(client, focus="oslo-lounge-chair", inspect=True, variant=0)
    b = view(client, focus="oslo-lounge-chair", inspect=True, variant=1)
    again = view(client, focus="oslo-lounge-chair", inspect=True, variant=0)
    assert differs(a, b) > 0.02, "a different colourway must look different"
    assert differs(a, again) == 0.0, "the same request renders the same image"


def test_the_pages_own_query_is_accepted(client: TestClient) -> None:
    # What index.html sends: JavaScript booleans and numbers stringified by URLSearchParams.
    response = client.get(
        "/api/view.png?focus=luma-floor-lamp&inspect=false&orbit=0&zoom=1&variant=1",
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"


def test_unknown_focus_is_404_naming_it(client: TestClient) -> None:
    response = client.get("/api/view.png", params={"focus": "no-such-lamp"})
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert "no product 'no-such-lamp'" in detail
    assert "luma-floor-lamp" in detail


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"variant": -1}, "variant"),
        ({"variant": 65}, "variant"),
        ({"zoom": 0}, "zoom"),
        ({"zoom": "close"}, "zoom"),
        ({"focus": "x" * 101}, "focus"),
        ({"inspect": "maybe"}, "inspect"),
    ],
    ids=["variant-negative", "variant-huge", "zoom-zero", "zoom-text", "focus-too-long", "inspect-text"],
)
def test_invalid_params_are_422(client: TestClient, params: dict[str, Any], field: str) -> None:
    response = client.get("/api/view.png", params=params)
    assert response.status_code == 422
    locations = [error["loc"] for error in response.json()["detail"]]
    assert ["query", field] in locations


def test_focus_of_exactly_100_chars_is_a_404_not_a_422(client: TestClient) -> None:
    response = client.get("/api/view.png", params={"focus": "x" * 100})
    assert response.status_code == 404


# --- page and schema ----------------------------------------------------------------------------


def test_index_page_has_the_view_element(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    # The thin client: one full-window live video, muted and inline so it autoplays everywhere.
    video = re.search(r"<video\b[^>]*>", response.text)
    assert video and all(word in video.group(0) for word in ("autoplay", "playsinline", "muted"))
    assert '<script type="module" src="/static/app.js">' in response.text
    for module in ("app.js", "connection.js", "input.js", "overlay.js", "style.css"):
        assert client.get(f"/static/{module}").status_code == 200


def test_openapi_lists_the_api(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/products" in paths and "/api/view.png" in paths
    assert "/" not in paths  # the page is not part of the API
    parameters = {p["name"] for p in paths["/api/view.png"]["get"]["parameters"]}
    assert parameters == {"focus", "variant", "inspect", "orbit", "zoom"}
    assert "image/png" in paths["/api/view.png"]["get"]["responses"]["200"]["content"]


def test_security_headers_cors_and_login_limit_are_wired(client: TestClient) -> None:
    for path, csp in (
        ("/", APP_CSP),
        ("/static/app.js", APP_CSP),
        ("/healthz", APP_CSP),
        ("/docs", DOCS_CSP),
    ):
        response = client.get(path)
        assert response.headers["content-security-policy"] == csp, path
        assert response.headers["x-content-type-options"] == "nosniff"
    preflight = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
    assert (
        "access-control-allow-origin" not in client.options("/api/accounts/login", headers=preflight).headers
    )
    with_cors = TestClient(create_app(settings(cors_origins=["https://shop.example"])))  # no lifespan needed
    allowed = with_cors.options("/api/accounts/login", headers=preflight)
    assert (
        allowed.status_code == 200
        and allowed.headers["access-control-allow-origin"] == "https://shop.example"
    )
    # The default login limit, 10 a minute per client and email, in memory.
    body = {"email": f"nobody-{uuid.uuid4().hex}@example.com", "password": "not the password"}
    statuses = [client.post("/api/accounts/login", json=body).status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    # And checkout's, 20 a minute per client: counted before the request is even validated.
    checkouts = TestClient(client.app, client=("192.0.2.44", 5000))
    statuses = [checkouts.post("/api/checkout", json={}).status_code for _ in range(21)]
    assert statuses == [422] * 20 + [429]


# --- a renderer that cannot start ---------------------------------------------------------------


def test_failed_start_is_still_alive(broken: TestClient) -> None:
    response = broken.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_failed_start_is_not_ready_and_says_why(broken: TestClient) -> None:
    response = broken.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert "/nonexistent.hdr" in body["detail"] and "cannot read HDR file" in body["detail"]


@pytest.mark.parametrize("path", ["/api/products", "/api/view.png"])
def test_failed_start_api_is_503(broken: TestClient, path: str) -> None:
    response = broken.get(path)
    assert response.status_code == 503
    assert "/nonexistent.hdr" in response.json()["detail"]


def test_failed_start_still_serves_the_page(broken: TestClient) -> None:
    response = broken.get("/")
    assert response.status_code == 200
    assert "<img" in response.text or "<video" in response.text


def test_missing_colourway_is_422_naming_the_product(client: TestClient) -> None:
    response = client.get("/api/view.png", params={"focus": "oslo-lounge-chair", "variant": 10})
    assert response.status_code == 422
    assert "oslo-lounge-chair has 3 colourways" in response.json()["detail"]


def test_orbit_angles_wrap_around(client: TestClient) -> None:
    """The page adds up drags without bound; any angle is a valid view, 405 degrees is 45."""
    a = view(client, focus="stride-runner-sneaker", inspect=True, orbit=45)
    b = view(client, focus="stride-runner-sneaker", inspect=True, orbit=405 + 3600)
    assert differs(a, b) == 0.0
