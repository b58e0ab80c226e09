"""The showroom's product list: the generated demo catalog plus any folder of real glTF models."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assets.demo_catalog import demo_products
from assets.errors import AssetError
from assets.gltf_loader import load_gltf
from assets.product import Product, slugify

__all__ = ["ImportResult", "build_catalog", "find_model_files", "import_models", "product_from_file"]

log = logging.getLogger(__name__)

_CATEGORY_WORDS = {
    "sofa": "Furniture",
    "chair": "Furniture",
    "table": "Furniture",
    "lamp": "Lighting",
    "light": "Lighting",
    "vase": "Decor",
    "candle": "Decor",
    "shoe": "Footwear",
    "sneaker": "Footwear",
    "bottle": "Kitchen",
    "sunglasses": "Accessories",
    "car": "Toys",
}


@dataclass(frozen=True)
class ImportResult:
    products: tuple[Product, ...]
    errors: tuple[AssetError, ...]


def find_model_files(folder: Path) -> Iterator[Path]:
    """Every .glb/.gltf below `folder`, in a stable order."""
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in (".glb", ".gltf") and path.is_file():
            yield path


def _display_name(path: Path) -> str:
    """metadata.json's name where a Khronos-style folder has one, else the file's stem in words.

    A name written as one CamelCase word ("SheenChair") is split into words: shoppers read it on
    the product card and the assistant says it aloud.
    """
    for folder in (path.parent, path.parent.parent):
        meta = folder / "metadata.json"
        if meta.is_file():
            try:
                name = json.loads(meta.read_text(encoding="utf-8")).get("name")
            except (OSError, ValueError):
                name = None
            if isinstance(name, str) and name.strip():
                name = name.strip()
                if " " not in name:
                    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
                return name[:80]
    return slugify(path.stem).replace("-", " ").title()


def product_from_file(path: Path, *, max_texture_size: int = 2048) -> Product:
    model = load_gltf(path, max_texture_size=max_texture_size)
    if model.triangle_count == 0:
        raise AssetError(path, "no triangles to show (the file has no triangle meshes)")
    name = _display_name(path)
    words = slugify(name).split("-")
    category = next((c for w, c in _CATEGORY_WORDS.items() if w in words), "Imported")
    # Imported models carry no price: give a stable one so carts and overlays have something real.
    digest = int(hashlib.sha256(slugify(name).encode()).hexdigest()[:8], 16)
    price = 1900 + (digest % 480) * 100
    return Product(
        id=slugify(name),
        name=name,
        category=category,
        price_minor=price,
        currency="EUR",
        description=f"{name}, imported from {path.name}.",
        model=model,
    )


def import_models(folder: Path, *, max_texture_size: int = 2048) -> ImportResult:
    """Load every model in a folder; a broken file is reported and skipped, never fatal."""
    if not folder.is_dir():
        raise AssetError(folder, "models folder does not exist or is not a folder")
    products: list[Product] = []
    errors: list[AssetError] = []
    seen: set[str] = set()
    for path in find_model_files(folder):
        try:
            product = product_from_file(path, max_texture_size=max_texture_size)
        except AssetError as exc:
            log.warning("skipping model: %s", exc)
            errors.append(exc)
            continue
        if product.id in seen:
            errors.append(AssetError(path, f"duplicate product id {product.id!r}, skipped"))
            continue
        seen.add(product.id)
        products.append(product)
    return ImportResult(tuple(products), tuple(errors))


def build_catalog(models_dir: Path | None = None, *, max_texture_size: int = 2048) -> ImportResult:
    """The demo products, then every model in `models_dir`; imported ids never shadow demo ones."""
    demo = demo_products()
    if models_dir is None:
        return ImportResult(demo, ())
    imported = import_models(models_dir, max_texture_size=max_texture_size)
    taken = {p.id for p in demo}
    extra = tuple(p for p in imported.products if p.id not in taken)
    clashes = tuple(
        AssetError(p.model.source, f"product id {p.id!r} is taken by a demo product, skipped")
        for p in imported.products
        if p.id in taken
    )
    return ImportResult(demo + extra, imported.errors + clashes)
