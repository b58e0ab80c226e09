"""The generated demo catalog: well-formed models the renderer can trust, and recognisable products."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import trimesh

from assets.demo_catalog import demo_products
from assets.model import Material, Model, Primitive
from assets.product import Product, slugify

ROOT = Path(__file__).resolve().parents[1]
PRODUCTS = demo_products()
KINDS = ("chair", "sofa", "lamp", "vase", "bottle", "table", "headphones", "sneaker")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _find(kind: str) -> Product:
    found = [p for p in PRODUCTS if kind in p.id.split("-")]
    assert len(found) == 1, f"{kind}: {[p.id for p in found]}"
    return found[0]


def _part(product: Product, name: str) -> Primitive:
    return product.model.primitives[product.model.mesh_names.index(name)]


def _solid(prim: Primitive) -> trimesh.Trimesh:
    """Welded by position: the UV seams of a lathe are not holes."""
    mesh = trimesh.Trimesh(prim.positions.astype(np.float64), prim.indices, process=False)
    mesh.merge_vertices()
    return mesh


def _each_primitive() -> list[tuple[str, Model, Primitive]]:
    return [
        (f"{p.id}/{name}", p.model, prim)
        for p in PRODUCTS
        for name, prim in zip(p.model.mesh_names, p.model.primitives, strict=True)
    ]


PRIMITIVES = [pytest.param(model, prim, id=label) for label, model, prim in _each_primitive()]


def _digest(products: tuple[Product, ...]) -> str:
    h = hashlib.sha256()
    for p in products:
        for prim in p.model.primitives:
            for a in (prim.positions, prim.normals, prim.indices, prim.texcoords[0], prim.tangents):
                if a is not None:
                    h.update(np.ascontiguousarray(a).tobytes())
        for image in p.model.images:
            h.update(image.pixels.tobytes())
    return h.hexdigest()


def test_catalog_facts() -> None:
    assert len(PRODUCTS) >= 8
    ids = [p.id for p in PRODUCTS]
    assert len(set(ids)) == len(ids)
    assert len({p.name for p in PRODUCTS}) == len(PRODUCTS)
    assert len({p.category for p in PRODUCTS}) >= 4
    for p in PRODUCTS:
        assert SLUG.match(p.id) and p.id == slugify(p.name)
        assert isinstance(p.price_minor, int) and p.price_minor > 0
        assert p.currency == "EUR" and p.description.endswith(".")
        assert p.model.name == p.id and p.model.source == "generated:demo"
        assert len(p.model.mesh_names) == len(p.model.primitives) >= 2


@pytest.mark.parametrize("kind", KINDS)
def test_named_kind_exists(kind: str) -> None:
    assert _find(kind).model.triangle_count > 0


@pytest.mark.parametrize(("model", "prim"), PRIMITIVES)
def test_primitive_arrays(model: Model, prim: Primitive) -> None:
    n = prim.positions.shape[0]
    assert prim.positions.dtype == np.float32 and prim.positions.shape == (n, 3)
    assert prim.normals.dtype == np.float32 and prim.normals.shape == (n, 3)
    assert prim.indices.dtype == np.uint32 and prim.indices.ndim == 2 and prim.indices.shape[1] == 3
    assert np.isfinite(prim.positions).all() and np.isfinite(prim.normals).all()
    assert np.allclose(np.linalg.norm(prim.normals, axis=1), 1.0, atol=1e-4)
    assert prim.indices.size and int(prim.indices.max()) < n
    uv = prim.texcoords[0]
    assert uv is not None and uv.dtype == np.float32 and uv.shape == (n, 2) and np.isfinite(uv).all()
    if prim.tangents is not None:
        assert prim.tangents.shape == (n, 4) and np.isin(prim.tangents[:, 3], (-1.0, 1.0)).all()
        assert np.allclose(np.linalg.norm(prim.tangents[:, :3], axis=1), 1.0, atol=1e-4)
    assert 0 <= prim.material < len(model.materials)
    assert all(0 <= v < len(model.variants) for v in prim.variant_materials)
    assert all(0 <= m < len(model.materials) for m in prim.variant_materials.values())


@pytest.mark.parametrize(("model", "prim"), PRIMITIVES)
def test_winding_agrees_with_normals(model: Model, prim: Primitive) -> None:
    """Counter-clockwise from outside: each face's geometric normal agrees with its vertex normals,
    allowing a sliver or two where a shoe's halves meet."""
    tri = prim.positions[prim.indices].astype(np.float64)
    face = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    area = np.linalg.norm(face, axis=1)
    agree = np.sum(face * prim.normals[prim.indices].mean(axis=1), axis=1) > 0
    assert area[~agree].sum() < 0.005 * area.sum()
    assert np.mean(area < 1e-10) < 0.01  # no bulk of zero-area triangles


@pytest.mark.parametrize(
    ("kind", "part"),
    [("vase", "body"), ("bottle", "body"), ("bottle", "cap"), ("sofa", "frame"), ("sofa", "seat cushions"),
     ("chair", "seat cushion"), ("lamp", "shade"), ("mug", "cup")],
)  # fmt: skip
def test_closed_parts_face_outward(kind: str, part: str) -> None:
    solid = _solid(_part(_find(kind), part))
    assert solid.is_watertight
    assert solid.volume > 0


def test_every_watertight_part_has_positive_volume() -> None:
    for label, _, prim in _each_primitive():
        solid = _solid(prim)
        if solid.is_watertight:
            assert solid.volume > 0, label


def test_materials_and_textures() -> None:
    textured_products = 0
    for p in PRODUCTS:
        m = p.model
        for image in m.images:
            assert image.pixels.dtype == np.uint8 and image.pixels.ndim == 3 and image.pixels.shape[2] == 4
            assert 64 <= image.pixels.shape[0] <= 512 and 64 <= image.pixels.shape[1] <= 512
        for mat in m.materials:
            assert 0.0 <= mat.metallic_factor <= 1.0 and 0.0 < mat.roughness_factor <= 1.0
            assert all(0.0 <= c <= 1.0 for c in mat.base_color_factor)
            for ref in (mat.base_color_texture, mat.normal_texture):
                assert ref is None or 0 <= ref.image < len(m.images)
            if mat.normal_texture is not None:  # tangent space: mostly facing out of the surface
                assert m.images[mat.normal_texture.image].pixels[..., 2].mean() > 200
        used = {i for prim in m.primitives for i in (prim.material, *prim.variant_materials.values())}
        assert used == set(range(len(m.materials))), p.id
        textured_products += any(mat.base_color_texture or mat.normal_texture for mat in m.materials)
    assert textured_products >= 3


def test_lamp_bulb_glows() -> None:
    lamp = _find("lamp").model
    bulb = lamp.materials[_part(_find("lamp"), "bulb").material]
    assert max(bulb.emissive_factor) * bulb.emissive_strength > 1.0
    assert sum(max(mat.emissive_factor) > 0 for mat in lamp.materials) == 1


def _base_colours(model: Model, variant: int | None) -> list[tuple[object, ...]]:
    def colour(mat: Material) -> tuple[object, ...]:
        return (mat.base_color_factor, mat.base_color_texture)

    return [colour(model.materials[prim.material_for(variant)]) for prim in model.primitives]


@pytest.mark.parametrize(("kind", "count"), [("sneaker", 3), ("sofa", 2), ("chair", 2), ("lamp", 2)])
def test_required_variants(kind: str, count: int) -> None:
    assert len(_find(kind).variants) >= count


@pytest.mark.parametrize("product", [p for p in PRODUCTS if p.variants], ids=lambda p: p.id)
def test_variants_change_colour(product: Product) -> None:
    model = product.model
    assert len(model.variants) >= 2 and len(set(model.variants)) == len(model.variants)
    for prim in model.primitives:
        if prim.variant_materials:
            assert set(prim.variant_materials) == set(range(len(model.variants)))
            assert prim.material == prim.variant_materials[0]
    default = _base_colours(model, 0)
    assert _base_colours(model, None) == default
    for v in range(1, len(model.variants)):
        assert _base_colours(model, v) != default, model.variants[v]


def test_stands_on_floor_centred() -> None:
    for p in PRODUCTS:
        lo, hi = p.model.bounds()
        assert abs(float(lo[1])) < 1e-5, p.id
        assert abs(float(lo[0] + hi[0])) < 1e-4 and abs(float(lo[2] + hi[2])) < 1e-4, p.id
        assert (hi - lo).min() > 0.01 and (hi - lo).max() < 3.0, p.id


@pytest.mark.parametrize(
    ("kind", "measure", "low", "high"),
    [("chair", "height", 0.6, 1.2), ("sofa", "width", 1.5, 2.6), ("table", "height", 0.65, 0.8),
     ("lamp", "height", 1.2, 2.0), ("vase", "height", 0.15, 0.6), ("bottle", "height", 0.15, 0.4),
     ("headphones", "height", 0.15, 0.3), ("sneaker", "length", 0.2, 0.4), ("sneaker", "height", 0.06, 0.16)],
)  # fmt: skip
def test_real_world_size(kind: str, measure: str, low: float, high: float) -> None:
    lo, hi = _find(kind).model.bounds()
    size = hi - lo
    value = {"height": size[1], "width": size[0], "length": max(size[0], size[2])}[measure]
    assert low <= float(value) <= high


def test_triangle_budget() -> None:
    counts = [p.model.triangle_count for p in PRODUCTS]
    assert all(1_000 <= c <= 30_000 for c in counts), counts
    assert sum(counts) < 120_000


def test_deterministic() -> None:
    demo_products.cache_clear()
    again = demo_products()
    assert again is not PRODUCTS
    assert _digest(again) == _digest(PRODUCTS)
    for a, b in zip(PRODUCTS, again, strict=True):
        assert a.model.materials == b.model.materials and a.model.variants == b.model.variants


def test_identical_in_another_process() -> None:
    code = "from assets.demo_catalog import demo_products; from tests.test_demo_catalog import _digest; "
    code += "print(_digest(demo_products()))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == _digest(PRODUCTS)


def test_arrays_are_read_only() -> None:
    prim = PRODUCTS[0].model.primitives[0]
    with pytest.raises(ValueError):
        prim.positions[0, 0] = 1.0
