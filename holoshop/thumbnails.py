"""Product thumbnails: a square PNG of one product alone, inspected, in one colourway, cached on disk.

The server's `/api/catalog/products/{id}/thumbnail.png` and the `holoshop thumbnails` command share
this. A file's name holds the product, the variant, the size and a fingerprint of everything the
picture depends on (the model's geometry, materials and textures, the layout, the environment, the
render size), so a changed model gets a new file and the stale one is never read again.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

from assets.product import Product

__all__ = [
    "MAX_SIZE",
    "MIN_SIZE",
    "THUMBNAIL_VERSION",
    "Thumbnail",
    "ThumbnailCache",
    "model_fingerprint",
    "thumbnail_png",
    "variant_count",
]

THUMBNAIL_VERSION = 1  # bump when the way thumbnails are drawn changes: every cached file goes stale
MIN_SIZE, MAX_SIZE = 64, 1024

Render = Callable[[Product, int], Awaitable[npt.NDArray[np.uint8]]]


def variant_count(product: Product) -> int:
    """Thumbnails per product: one per colourway, or one for a product without colourways."""
    return max(1, len(product.variants))


def model_fingerprint(product: Product, scene_key: str) -> str:
    """16 hex digits over the product's drawn content and `scene_key` (layout, lighting, size)."""
    digest = hashlib.blake2b(digest_size=8)
    model = product.model
    digest.update(repr((THUMBNAIL_VERSION, product.id, model.variants, model.materials, scene_key)).encode())
    for primitive in model.primitives:
        digest.update(repr((primitive.material, sorted(primitive.variant_materials.items()))).encode())
        for array in (primitive.positions, primitive.normals, primitive.indices, *primitive.texcoords):
            if array is not None:
                digest.update(np.ascontiguousarray(array).tobytes())
    for image in model.images:
        digest.update(np.ascontiguousarray(image.pixels).tobytes())
    return digest.hexdigest()


def thumbnail_png(pixels: npt.NDArray[np.uint8], size: int) -> bytes:
    """The centred square of a frame, resized to `size` pixels a side, as PNG bytes."""
    height, width = pixels.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    image = Image.fromarray(np.ascontiguousarray(pixels[top : top + side, left : left + side]))
    if side != size:
        image = image.resize((size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@dataclass(frozen=True)
class Thumbnail:
    path: Path
    etag: str  # quoted, as the ETag header carries it


@dataclass
class ThumbnailCache:
    """PNG files under `folder`; each thumbnail is rendered once, however many ask for it at a time."""

    folder: Path
    scene_key: str
    render: Render
    _fingerprints: dict[str, str] = field(default_factory=dict)
    _pending: dict[Path, asyncio.Future[Thumbnail]] = field(default_factory=dict)

    def fingerprint(self, product: Product) -> str:
        if product.id not in self._fingerprints:
            self._fingerprints[product.id] = model_fingerprint(product, self.scene_key)
        return self._fingerprints[product.id]

    def locate(self, product: Product, variant: int, size: int) -> Thumbnail:
        """Where the thumbnail lives (whether or not it is drawn yet) and its ETag."""
        key = f"{product.id}-v{variant}-{size}px-{self.fingerprint(product)}"
        return Thumbnail(self.folder / product.id / f"{key}.png", f'"{key}"')

    async def get(self, product: Product, variant: int, size: int) -> Thumbnail:
        """The thumbnail, drawn now if it is not on disk yet; concurrent callers share one drawing."""
        thumb = self.locate(product, variant, size)
        if thumb.path.is_file():
            return thumb
        pending = self._pending.get(thumb.path)
        if pending is None:
            pending = asyncio.ensure_future(self._draw(product, variant, size, thumb))
            self._pending[thumb.path] = pending
            pending.add_done_callback(lambda _: self._pending.pop(thumb.path, None))
        return await asyncio.shield(pending)  # one caller going away does not cancel the others' drawing

    async def _draw(self, product: Product, variant: int, size: int, thumb: Thumbnail) -> Thumbnail:
        pixels = await self.render(product, variant)
        data = await asyncio.to_thread(thumbnail_png, pixels, size)
        thumb.path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside its final name and renamed: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=thumb.path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(tmp, thumb.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return thumb
