"""Every shared glTF product and every demo product renders recognisably on its plinth."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assets.demo_catalog import demo_products
from assets.gltf_loader import load_gltf
from assets.normalize import fit_to_display
from assets.product import Product
from render_node.gl_context import create_context
from render_node.renderer import Renderer
from render_node.showroom_content import fit_products, load_products, showroom_for
from scenes import FocusProduct, Inspect, SelectVariant, default_layout
from scenes.graph import FrameScene
from tests.render_helpers import mean_color, product_mask, projected_box

MODELS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "models"
SIZE = (320, 180)
LAYOUT = default_layout().model_copy(update={"turntable_speed_deg": 0.0})
SHARED = [
    "GlamVelvetSofa/GlamVelvetSofa.glb",
    "GlassHurricaneCandleHolder/GlassHurricaneCandleHolder.glb",
    "GlassVaseFlowers/GlassVaseFlowers.glb",
    "SunglassesKhronos/SunglassesKhronos.glb",
    "SheenChair/glTF/SheenChair.gltf",
    "LightsPunctualLamp/glTF/LightsPunctualLamp.gltf",
    "ToyCar/glTF/ToyCar.gltf",
    "MaterialsVariantsShoe/glTF/MaterialsVariantsShoe.gltf",
    "WaterBottle/glTF/WaterBottle.gltf",
]


@functools.cache
def shared_products() -> tuple[Product, ...]:
    if not MODELS.is_dir():
        pytest.fail(f"shared test models missing: {MODELS}")
    products = []
    for rel in SHARED:
        model = load_gltf(MODELS / rel, max_texture_size=512)
        products.append(Product(model.name, model.name, "Test", 100, "EUR", "", model))
    return fit_products([*products, *demo_products()], LAYOUT)


@pytest.fixture(scope="module")
def renderer() -> Iterator[Renderer]:
    r = Renderer(create_context(), LAYOUT, SIZE)
    load_products(r, shared_products())
    yield r
    r.release()


def inspect_scene(product_id: str, variant: int | None = None) -> FrameScene:
    showroom = showroom_for(shared_products(), LAYOUT)
    showroom.update(0.0, [FocusProduct(product_id), Inspect()])
    if variant is not None:
        showroom.update(0.0, [SelectVariant(variant)])
    showroom.update(10.0)
    return showroom.frame()


def by_id(product_id: str) -> Product:
    return next(p for p in shared_products() if p.id == product_id)


@pytest.mark.parametrize("product_id", [Path(rel).stem for rel in SHARED] + [p.id for p in demo_products()])
def test_product_renders_in_its_region_with_detail(renderer: Renderer, product_id: str) -> None:
    scene = inspect_scene(product_id)
    mask = product_mask(renderer, scene, product_id)
    x0, y0, x1, y1 = projected_box(renderer, scene, product_id, by_id(product_id).model)
    ys, xs = np.nonzero(mask)
    assert mask.sum() > 0.02 * SIZE[0] * SIZE[1], f"{product_id} covers only {mask.sum()} pixels"
    assert xs.min() >= x0 - 3 and xs.max() <= x1 + 3 and ys.min() >= y0 - 3
    # Recognisable means shaded, not a flat silhouette: real variation inside the product.
    frame = renderer.render(scene)
    luminance = frame[..., :3][mask].astype(np.float64).mean(axis=1)
    assert luminance.std() > 8.0, f"{product_id} renders flat (std {luminance.std():.1f})"


def test_shoe_variants_render_their_own_colourways(renderer: Renderer) -> None:
    shoe = by_id("MaterialsVariantsShoe")
    assert shoe.variants == ("midnight", "beach", "street")
    scene = inspect_scene(shoe.id)
    mask = product_mask(renderer, scene, shoe.id)
    rendered = [mean_color(renderer.render(inspect_scene(shoe.id, v)), mask) for v in range(3)]
    # Each variant's base colour texture, averaged, predicts which renders warmest and coolest.
    textures = []
    model = shoe.model
    for v in range(3):
        images = {
            ref.image
            for prim in model.primitives
            if (ref := model.materials[prim.material_for(v)].base_color_texture) is not None
        }
        textures.append(
            np.mean([model.images[i].pixels[..., :3].reshape(-1, 3).mean(axis=0) for i in images], axis=0)
        )
    warmth_rendered = [c[0] - c[2] for c in rendered]
    warmth_texture = [float(t[0] - t[2]) for t in textures]
    assert np.argsort(warmth_rendered).tolist() == np.argsort(warmth_texture).tolist()
    assert min(np.abs(rendered[a] - rendered[b]).max() for a, b in [(0, 1), (1, 2), (0, 2)]) > 10


def test_demo_sneaker_variants_change_colours(renderer: Renderer) -> None:
    sneaker = by_id("stride-runner-sneaker")
    scene = inspect_scene(sneaker.id)
    mask = product_mask(renderer, scene, sneaker.id)
    colours = [
        mean_color(renderer.render(inspect_scene(sneaker.id, v)), mask) for v in range(len(sneaker.variants))
    ]
    assert len(colours) >= 2
    assert min(np.abs(a - b).max() for i, a in enumerate(colours) for b in colours[i + 1 :]) > 10


def test_fitting_keeps_tiny_and_huge_products_on_the_plinth() -> None:
    box = LAYOUT.display_box
    for rel in ("ToyCar/glTF/ToyCar.gltf", "GlamVelvetSofa/GlamVelvetSofa.glb"):
        model = fit_to_display(load_gltf(MODELS / rel, max_texture_size=64), box.footprint, box.height)
        lo, hi = model.bounds()
        assert lo[1] == pytest.approx(0.0, abs=1e-5)
        assert np.hypot(hi[0] - lo[0], hi[2] - lo[2]) <= box.footprint + 1e-4
        assert hi[1] - lo[1] <= box.height + 1e-4
        assert max(np.hypot(hi[0] - lo[0], hi[2] - lo[2]) / box.footprint, (hi[1] - lo[1]) / box.height) == (
            pytest.approx(1.0, abs=1e-4)
        )
