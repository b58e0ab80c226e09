"""The product catalog: importing a folder of models, merging it with the demo, fitting to plinths."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import trimesh

from assets.catalog import ImportResult, build_catalog, find_model_files, import_models, product_from_file
from assets.demo_catalog import demo_products
from assets.errors import AssetError
from assets.normalize import fit_to_display
from assets.product import Product
from render_node.showroom_content import fit_products, showroom_for
from scenes.layout import DisplayBox, Layout, default_layout
from tests.render_helpers import solid_model

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
MODELS_DIR = SHARED_DATA / "models"
SUNGLASSES = MODELS_DIR / "SunglassesKhronos" / "SunglassesKhronos.glb"
TEXTURE_SIZE = 64  # the catalog's facts do not depend on texture resolution; small keeps it quick
TOL = 1e-3
LAYOUT = default_layout()

EXPECTED = {  # id -> (name from metadata.json or the file stem, guessed category)
    "glam-velvet-sofa": ("Glam Velvet Sofa", "Furniture"),  # metadata says GlamVelvetSofa
    "glass-hurricane-candle-holder": ("Glass Hurricane Candle Holder", "Decor"),
    "glass-vase-with-flowers": ("Glass Vase with Flowers", "Decor"),
    "lamp-with-punctual-lights": ("Lamp with Punctual Lights", "Lighting"),
    "materials-variants-shoe": ("Materials Variants Shoe", "Footwear"),
    "sheen-chair": ("Sheen Chair", "Furniture"),
    "sunglasses-khronos": ("Sunglasses Khronos", "Accessories"),
    "toy-car": ("Toy Car", "Toys"),
    "water-bottle": ("Water Bottle", "Kitchen"),
}


def shared(path: Path) -> Path:
    assert path.exists(), (
        f"shared test data missing: {path} (the tests need /work/shared/data, see SOURCES.md)"
    )
    return path


@pytest.fixture(scope="module")
def imported() -> ImportResult:
    return import_models(shared(MODELS_DIR), max_texture_size=TEXTURE_SIZE)


@pytest.fixture(scope="module")
def catalog() -> ImportResult:
    return build_catalog(shared(MODELS_DIR), max_texture_size=TEXTURE_SIZE)


@pytest.fixture(scope="module")
def fitted(catalog: ImportResult) -> tuple[Product, ...]:
    return fit_products(catalog.products, LAYOUT)


def _triangle_gltf(buffer_uri: str) -> dict[str, Any]:
    """One triangle whose positions live in an external buffer."""
    return {
        "asset": {"version": "2.0"},
        "buffers": [{"uri": buffer_uri, "byteLength": 36}],
        "bufferViews": [{"buffer": 0, "byteLength": 36}],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": 5126,
                "count": 3,
                "type": "VEC3",
                "min": [0, 0, 0],
                "max": [1, 1, 0],
            }
        ],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
        "nodes": [{"mesh": 0}],
        "scenes": [{"nodes": [0]}],
        "scene": 0,
    }


# --- import_models ------------------------------------------------------------------------------


def test_shared_folder_imports_nine_products(imported: ImportResult) -> None:
    assert imported.errors == ()
    ids = [p.id for p in imported.products]
    assert len(ids) == 9 and len(set(ids)) == 9
    assert sorted(ids) == sorted(EXPECTED)


@pytest.mark.parametrize("product_id", sorted(EXPECTED))
def test_names_and_categories(imported: ImportResult, product_id: str) -> None:
    product = next(p for p in imported.products if p.id == product_id)
    name, category = EXPECTED[product_id]
    assert product.name == name
    assert product.category == category
    assert product.currency == "EUR"
    assert isinstance(product.price_minor, int) and 1900 <= product.price_minor <= 49800
    assert product.price_minor % 100 == 0
    assert product.description == f"{name}, imported from {Path(product.model.source).name}."
    assert product.model.triangle_count > 0


def test_variants_come_from_the_model(imported: ImportResult) -> None:
    by_id = {p.id: p for p in imported.products}
    assert by_id["materials-variants-shoe"].variants == ("midnight", "beach", "street")
    assert len(by_id["glam-velvet-sofa"].variants) == 5
    assert by_id["water-bottle"].variants == ()


def test_import_is_deterministic(imported: ImportResult) -> None:
    """Prices come from a hash of the name, not Python's randomised hash(): stable across runs."""
    again = product_from_file(shared(SUNGLASSES), max_texture_size=TEXTURE_SIZE)
    first = next(p for p in imported.products if p.id == again.id)
    assert (again.name, again.category, again.price_minor) == (first.name, first.category, first.price_minor)


def test_find_model_files_is_sorted_and_recursive() -> None:
    files = list(find_model_files(shared(MODELS_DIR)))
    assert len(files) == 9
    assert files == sorted(files)
    assert {f.suffix for f in files} == {".glb", ".gltf"}
    assert all(f.is_file() for f in files)


def test_broken_file_is_reported_not_raised(tmp_path: Path) -> None:
    shutil.copy(shared(SUNGLASSES), tmp_path / "SunglassesKhronos.glb")
    bad = tmp_path / "bad.glb"
    bad.write_bytes(b"garbage, not a binary glTF" * 4)
    result = import_models(tmp_path, max_texture_size=TEXTURE_SIZE)
    assert [p.id for p in result.products] == ["sunglasses-khronos"]
    assert len(result.errors) == 1
    error = result.errors[0]
    assert isinstance(error, AssetError)
    assert error.path == str(bad) and "bad.glb" in str(error)


def test_every_kind_of_broken_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "empty.glb").write_bytes(b"")
    (tmp_path / "half.glb").write_bytes(shared(SUNGLASSES).read_bytes()[:5000])
    (tmp_path / "broken.gltf").write_text("{not json", encoding="utf-8")
    (tmp_path / "nobin.gltf").write_text(json.dumps(_triangle_gltf("missing.bin")), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a model", encoding="utf-8")
    result = import_models(tmp_path)
    assert result.products == ()
    assert sorted(Path(e.path).name for e in result.errors) == [
        "broken.gltf",
        "empty.glb",
        "half.glb",
        "nobin.gltf",
    ]


def test_duplicate_ids_keep_the_first(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(shared(SUNGLASSES), tmp_path / folder / "SunglassesKhronos.glb")
    result = import_models(tmp_path, max_texture_size=TEXTURE_SIZE)
    assert [p.model.source for p in result.products] == [str(tmp_path / "a" / "SunglassesKhronos.glb")]
    assert len(result.errors) == 1
    assert result.errors[0].path == str(tmp_path / "b" / "SunglassesKhronos.glb")
    assert result.errors[0].problem == "duplicate product id 'sunglasses-khronos', skipped"


def test_the_triangle_gltf_helper_is_a_valid_model(tmp_path: Path) -> None:
    (tmp_path / "tri.bin").write_bytes(np.array([0, 0, 0, 1, 0, 0, 0, 1, 0], np.float32).tobytes())
    (tmp_path / "tri.gltf").write_text(json.dumps(_triangle_gltf("tri.bin")), encoding="utf-8")
    (product,) = import_models(tmp_path).products
    assert (product.id, product.name, product.model.triangle_count) == ("tri", "Tri", 1)


def test_a_model_with_nothing_to_show_is_reported(tmp_path: Path) -> None:
    (tmp_path / "nothing.gltf").write_text('{"asset": {"version": "2.0"}}', encoding="utf-8")
    result = import_models(tmp_path)
    assert result.products == ()
    assert [Path(e.path).name for e in result.errors] == ["nothing.gltf"]


def test_name_from_the_file_stem_without_metadata(tmp_path: Path) -> None:
    shutil.copy(shared(SUNGLASSES), tmp_path / "VelvetReadingLamp.glb")
    (product,) = import_models(tmp_path, max_texture_size=TEXTURE_SIZE).products
    assert (product.id, product.name, product.category) == (
        "velvet-reading-lamp",
        "Velvet Reading Lamp",
        "Lighting",
    )


def test_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(AssetError) as info:
        import_models(tmp_path / "nowhere")
    assert info.value.path == str(tmp_path / "nowhere")
    assert info.value.problem == "models folder does not exist or is not a folder"


def test_a_file_is_not_a_folder() -> None:
    with pytest.raises(AssetError) as info:
        import_models(shared(SUNGLASSES))
    assert info.value.problem == "models folder does not exist or is not a folder"


def test_empty_folder_imports_nothing(tmp_path: Path) -> None:
    assert import_models(tmp_path) == ImportResult((), ())


# --- build_catalog ------------------------------------------------------------------------------


def test_build_catalog_without_models_is_the_demo() -> None:
    result = build_catalog(None)
    assert result.products == demo_products()
    assert len(result.products) == 10
    assert result.errors == ()


def test_build_catalog_with_shared_models(catalog: ImportResult) -> None:
    ids = [p.id for p in catalog.products]
    assert len(ids) == 19 and len(set(ids)) == 19
    assert catalog.products[:10] == demo_products()
    assert set(ids[10:]) == set(EXPECTED)
    assert catalog.errors == ()


def test_build_catalog_never_shadows_a_demo_product(tmp_path: Path) -> None:
    shutil.copy(shared(SUNGLASSES), tmp_path / "OsloLoungeChair.glb")
    shutil.copy(shared(SUNGLASSES), tmp_path / "SunglassesKhronos.glb")
    result = build_catalog(tmp_path, max_texture_size=TEXTURE_SIZE)
    chair = [p for p in result.products if p.id == "oslo-lounge-chair"]
    assert len(chair) == 1 and chair[0].model.source == "generated:demo"
    assert [p.id for p in result.products[10:]] == ["sunglasses-khronos"]
    assert len(result.errors) == 1
    assert result.errors[0].problem == "product id 'oslo-lounge-chair' is taken by a demo product, skipped"


def test_build_catalog_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(AssetError) as info:
        build_catalog(tmp_path / "nowhere")
    assert info.value.problem == "models folder does not exist or is not a folder"


# --- fit_to_display -----------------------------------------------------------------------------


def _check_fits(product: Product, box: DisplayBox) -> None:
    positions = np.concatenate([p.positions for p in product.model.primitives]).astype(np.float64)
    lo, hi = positions.min(axis=0), positions.max(axis=0)
    # Base on the plinth, centred over it.
    assert abs(lo[1]) < TOL, f"{product.id}: base at y={lo[1]}"
    assert abs(lo[0] + hi[0]) / 2 < TOL and abs(lo[2] + hi[2]) / 2 < TOL, f"{product.id}: off centre"
    # Clear of the plinth's edge at any turntable angle, and no taller than the box.
    reach = float(np.hypot(positions[:, 0], positions[:, 2]).max())
    height = float(hi[1] - lo[1])
    assert 2 * reach <= box.footprint + TOL, f"{product.id}: {2 * reach} wide"
    assert height <= box.height + TOL, f"{product.id}: {height} tall"
    # As large as the box allows: one limit or the other is reached.
    diagonal = float(np.hypot(hi[0] - lo[0], hi[2] - lo[2]))
    assert max(diagonal / box.footprint, height / box.height) == pytest.approx(1.0, abs=TOL), product.id


def test_every_product_fits_the_display_box(fitted: tuple[Product, ...]) -> None:
    assert len(fitted) == 19
    for product in fitted:
        _check_fits(product, LAYOUT.display_box)


def test_fit_keeps_everything_but_the_positions(catalog: ImportResult, fitted: tuple[Product, ...]) -> None:
    for before, after in zip(catalog.products, fitted, strict=True):
        assert (after.id, after.name, after.price_minor, after.variants) == (
            before.id,
            before.name,
            before.price_minor,
            before.variants,
        )
        assert after.model.triangle_count == before.model.triangle_count
        assert after.model.materials == before.model.materials
        for p, q in zip(before.model.primitives, after.model.primitives, strict=True):
            assert q.positions.dtype == np.float32
            # A uniform scale leaves directions alone: normals and triangles are untouched.
            np.testing.assert_array_equal(q.normals, p.normals)
            np.testing.assert_array_equal(q.indices, p.indices)


@pytest.mark.parametrize(
    ("extent", "limit"),
    [((4.0, 0.5, 3.0), "footprint"), ((0.1, 9.0, 0.1), "height"), ((2.0, 0.0, 2.0), "footprint")],
    ids=["wide", "tall", "flat"],
)
def test_fit_to_display_scales_uniformly(extent: tuple[float, float, float], limit: str) -> None:
    model = solid_model("box", trimesh.creation.box(extent), (0.5, 0.5, 0.5))
    model = fit_to_display(model, 1.2, 1.05)
    lo, hi = model.bounds()
    size = hi - lo
    if limit == "footprint":
        assert float(np.hypot(size[0], size[2])) == pytest.approx(1.2, abs=TOL)
    else:
        assert float(size[1]) == pytest.approx(1.05, abs=TOL)
    # Uniform: the proportions survive.
    if extent[1] > 0:
        assert float(size[0] / size[1]) == pytest.approx(extent[0] / extent[1], rel=1e-4)
    assert float(size[0] / size[2]) == pytest.approx(extent[0] / extent[2], rel=1e-4)


def test_fit_to_display_moves_an_off_centre_model_onto_the_plinth() -> None:
    mesh = trimesh.creation.icosphere(2, 3.0)
    mesh.apply_translation([40.0, 0.0, -25.0])
    model = solid_model("ball", mesh, (0.5, 0.5, 0.5))
    lift = np.array([0.0, 7.0, 0.0], np.float32)  # solid_model stands it on y=0: lift it off again
    model = dataclasses.replace(
        model,
        primitives=tuple(dataclasses.replace(p, positions=p.positions + lift) for p in model.primitives),
    )
    assert float(model.bounds()[0][1]) == pytest.approx(7.0)
    lo, hi = fit_to_display(model, 1.0, 1.0).bounds()
    assert float(lo[1]) == pytest.approx(0.0, abs=TOL)
    assert float(lo[0] + hi[0]) == pytest.approx(0.0, abs=TOL)
    assert float(lo[2] + hi[2]) == pytest.approx(0.0, abs=TOL)
    assert float(hi[1] - lo[1]) == pytest.approx(1.0 / np.sqrt(2), abs=2e-2)


# --- showroom_for -------------------------------------------------------------------------------


def test_showroom_has_one_slot_per_product(fitted: tuple[Product, ...]) -> None:
    showroom = showroom_for(fitted, LAYOUT)
    assert [s.product_id for s in showroom.slots] == [p.id for p in fitted]
    assert [s.variant_count for s in showroom.slots] == [len(p.variants) for p in fitted]
    by_id = {s.product_id: s for s in showroom.slots}
    assert by_id["materials-variants-shoe"].variant_count == 3
    assert by_id["kaffe-stoneware-mug"].variant_count == 0
    for slot, product in zip(showroom.slots, fitted, strict=True):
        lo, hi = product.model.bounds()
        assert slot.height == pytest.approx(float(hi[1] - lo[1]))
        assert 0 < slot.height <= LAYOUT.display_box.height + TOL
    # Colourway state exists exactly for the products that have colourways.
    assert set(showroom.variants) == {p.id for p in fitted if p.variants}


def test_showroom_for_a_custom_display_box() -> None:
    layout = Layout(display_box=DisplayBox(footprint=0.5, height=2.0))
    products = fit_products(demo_products(), layout)
    for product in products:
        _check_fits(product, layout.display_box)
    assert len(showroom_for(products, layout).slots) == 10


def test_showroom_rejects_duplicate_ids() -> None:
    products = demo_products()
    with pytest.raises(ValueError, match="unique"):
        showroom_for(products + products[:1], LAYOUT)


def test_product_ids_are_slugs(catalog: ImportResult) -> None:
    for p in catalog.products:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", p.id), p.id
