"""Product thumbnails: rendered by our renderer, cached on disk with ETags, linked from the catalog API."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from assets.demo_catalog import demo_products
from holoshop.config import Settings
from holoshop.server import create_app
from holoshop.thumbnails import ThumbnailCache

SIZE = 64
CHAIR = "oslo-lounge-chair"  # three colourways
Pixels = np.ndarray[Any, np.dtype[np.uint8]]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("thumbnails")


@pytest.fixture(scope="module")
def client(folder: Path) -> Iterator[TestClient]:
    """The API without the render node (HOLOSHOP_RENDER=false): thumbnails render on demand."""
    settings = Settings(
        width=160, height=90, models_dir=None, layout=None, environment="studio", msaa=0,
        max_texture_size=128, render=False, thumbnails_dir=folder,
    )  # fmt: skip
    with TestClient(create_app(settings)) as c:
        yield c


def thumbnail(client: TestClient, product: str = CHAIR, **params: Any) -> Pixels:
    response = client.get(f"/api/catalog/products/{product}/thumbnail.png", params={"size": SIZE} | params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"].startswith("public, max-age=")
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.format == "PNG"
        pixels: Pixels = np.asarray(image.convert("RGB"))
    return pixels


def test_ready_without_the_render_node(client: TestClient) -> None:
    assert client.get("/readyz").json() == {"status": "ready", "products": 10, "render": False}


def test_thumbnail_is_a_square_png_with_something_drawn(client: TestClient) -> None:
    pixels = thumbnail(client, "kaffe-stoneware-mug")
    assert pixels.shape == (SIZE, SIZE, 3)
    assert pixels.std() > 10, "a product should be drawn"


def test_colourways_differ(client: TestClient) -> None:
    a, b = thumbnail(client, variant=0), thumbnail(client, variant=1)
    changed = (np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2) > 10).mean()
    assert changed > 0.05


def test_second_request_is_served_from_the_cache(client: TestClient, folder: Path) -> None:
    url = f"/api/catalog/products/{CHAIR}/thumbnail.png"
    first = client.get(url, params={"variant": 2, "size": 96})
    (file,) = folder.glob(f"{CHAIR}/{CHAIR}-v2-96px-*.png")
    drawn_at = file.stat().st_mtime_ns
    second = client.get(url, params={"variant": 2, "size": 96})
    assert second.content == first.content and file.stat().st_mtime_ns == drawn_at
    etag = first.headers["etag"]
    assert etag == second.headers["etag"] and etag.startswith('"') and etag in {f'"{file.stem}"'}
    again = client.get(url, params={"variant": 2, "size": 96}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/catalog/products/no-such-thing/thumbnail.png", {}, 404),
        (f"/api/catalog/products/{CHAIR}/thumbnail.png", {"variant": 3}, 404),
        ("/api/catalog/products/kaffe-stoneware-mug/thumbnail.png", {"variant": 1}, 404),
        (f"/api/catalog/products/{CHAIR}/thumbnail.png", {"size": 32}, 422),
        (f"/api/catalog/products/{CHAIR}/thumbnail.png", {"size": 2048}, 422),
    ],
)
def test_refusals(client: TestClient, path: str, params: dict[str, int], status: int) -> None:
    assert client.get(path, params=params).status_code == status


def test_catalog_answers_link_the_thumbnails(client: TestClient) -> None:
    page = client.get("/api/catalog/products", params={"limit": 100}).json()
    chair = next(p for p in page["items"] if p["id"] == CHAIR)
    assert chair["thumbnail_url"] == f"/api/catalog/products/{CHAIR}/thumbnail.png?variant=0"
    assert [v["thumbnail_url"] for v in chair["variants"]] == [
        f"/api/catalog/products/{CHAIR}/thumbnail.png?variant={i}" for i in range(3)
    ]
    assert client.get(f"/api/catalog/products/{CHAIR}").json()["variants"][1]["position"] == 1


def test_concurrent_requests_render_once(tmp_path: Path) -> None:
    calls = 0

    async def render(_: object, __: int) -> Pixels:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return np.full((90, 160, 3), 128, np.uint8)

    async def many() -> set[Path]:
        cache = ThumbnailCache(tmp_path, "scene", render)
        product = demo_products()[0]
        thumbs = await asyncio.gather(*(cache.get(product, 0, 64) for _ in range(8)))
        await cache.get(product, 0, 64)  # from the disk now
        return {t.path for t in thumbs}

    paths = asyncio.run(many())
    assert calls == 1 and len(paths) == 1 and next(iter(paths)).is_file()
