"""The renderer checked on real pixels from Mesa's llvmpipe through EGL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np
import pytest
import trimesh

from assets.model import Material, Model
from assets.normalize import fit_to_display
from render_node.gl_context import create_context, is_software
from render_node.renderer import Renderer
from scenes import FocusProduct, Inspect, ProductSlot, SelectVariant, Showroom, default_layout
from scenes.graph import FrameScene
from tests.render_helpers import mean_color, product_mask, projected_box, renderer_with, solid_model

SIZE = (320, 180)
LAYOUT = default_layout()


def fitted(model: Model) -> Model:
    return fit_to_display(model, LAYOUT.display_box.footprint, LAYOUT.display_box.height)


RED_BOX = fitted(solid_model("red-box", trimesh.creation.box((0.6, 0.8, 0.6)), (0.8, 0.08, 0.06)))
BLUE_BALL = fitted(solid_model("blue-ball", trimesh.creation.icosphere(3, 0.4), (0.05, 0.2, 0.85)))
GREEN_TORUS = fitted(solid_model("green-torus", trimesh.creation.torus(0.4, 0.12), (0.1, 0.7, 0.15)))
MODELS = {m.name: m for m in (RED_BOX, BLUE_BALL, GREEN_TORUS)}


@pytest.fixture(scope="module")
def renderer() -> Iterator[Renderer]:
    r = renderer_with(MODELS, LAYOUT, SIZE)
    yield r
    r.release()


def settled(focus: str, *, inspect: bool = False) -> FrameScene:
    layout = LAYOUT.model_copy(update={"turntable_speed_deg": 0.0})
    showroom = Showroom(layout, [ProductSlot(m.name, 0, float(m.bounds()[1][1])) for m in MODELS.values()])
    showroom.update(0.0, [FocusProduct(focus), *([Inspect()] if inspect else [])])
    showroom.update(10.0)
    return showroom.frame()


def test_frame_is_reused_top_down_rgba(renderer: Renderer) -> None:
    a = renderer.render(settled("red-box"))
    b = renderer.render(settled("blue-ball"))
    assert a.shape == (SIZE[1], SIZE[0], 4) and a.dtype == np.uint8
    assert np.shares_memory(a, b), "readback must reuse one buffer"
    # Rows run top to bottom: the floor (dark, gridded) is at the bottom, the backdrop at the top.
    assert renderer.times.draw_ms > 0 and renderer.times.draw_calls > 3


@pytest.mark.parametrize("name", list(MODELS))
def test_focused_product_covers_its_projected_region(renderer: Renderer, name: str) -> None:
    scene = settled(name)
    mask = product_mask(renderer, scene, name)
    x0, y0, x1, y1 = projected_box(renderer, scene, name, MODELS[name])
    ys, xs = np.nonzero(mask)
    assert mask.sum() > 300, "the product should cover a good part of the frame"
    # Everything the product changed lies within its projected bounds (plus its soft shadow below).
    assert xs.min() >= x0 - 3 and xs.max() <= x1 + 3
    assert ys.min() >= y0 - 3
    # And it fills a fair share of that box, centred on screen.
    box_area = (x1 - x0) * (y1 - y0)
    assert mask[int(y0) : int(y1), int(x0) : int(x1)].sum() > 0.35 * box_area
    assert abs(xs.mean() - SIZE[0] / 2) < SIZE[0] * 0.08


@pytest.mark.parametrize(("name", "channel"), [("red-box", 0), ("green-torus", 1), ("blue-ball", 2)])
def test_base_colour_comes_through(renderer: Renderer, name: str, channel: int) -> None:
    scene = settled(name, inspect=True)
    mask = product_mask(renderer, scene, name)
    frame = renderer.render(scene)
    colour = mean_color(frame, mask)
    others = [c for i, c in enumerate(colour) if i != channel]
    assert colour[channel] > 1.8 * max(others), f"{name} renders as {colour}"


def test_empty_plinth_is_not_mistaken_for_a_product(renderer: Renderer) -> None:
    """Removing a product that is not there changes nothing; an empty showroom shows no product."""
    scene = settled("red-box")
    empty = FrameScene(scene.camera, scene.key_light, (), scene.plinths, scene.time, scene.mode)
    assert product_mask(renderer, empty, "red-box").sum() == 0
    # The plinth alone, without its product, does not look like the product: no red there.
    frame = renderer.render(empty)
    x0, y0, x1, y1 = (int(v) for v in projected_box(renderer, scene, "red-box", RED_BOX))
    region = frame[y0:y1, x0:x1, :3].astype(np.float64)
    redness = region[..., 0] - region[..., 1:].max(axis=2)
    assert (redness > 60).mean() < 0.01


def test_renders_are_deterministic(renderer: Renderer) -> None:
    scene = settled("green-torus")
    first = renderer.render(scene).copy()
    assert np.array_equal(first, renderer.render(scene))


def test_variants_change_the_rendered_colours() -> None:
    base = solid_model("vase", trimesh.creation.cylinder(0.3, 0.9), (0.8, 0.8, 0.8))
    prim = base.primitives[0]
    materials = (
        Material("chalk", (0.85, 0.85, 0.82, 1.0), metallic_factor=0.0, roughness_factor=0.6),
        Material("ocean", (0.05, 0.25, 0.8, 1.0), metallic_factor=0.0, roughness_factor=0.6),
    )
    model = fitted(
        dataclasses.replace(
            base,
            primitives=(dataclasses.replace(prim, variant_materials={0: 0, 1: 1}),),
            materials=materials,
            variants=("Chalk", "Ocean"),
        )
    )
    renderer = Renderer(create_context(), LAYOUT, SIZE)
    try:
        renderer.add_product("vase", model)
        showroom = Showroom(
            LAYOUT.model_copy(update={"turntable_speed_deg": 0.0}), [ProductSlot("vase", 2, 1.0)]
        )
        showroom.update(10.0)
        mask = product_mask(renderer, showroom.frame(), "vase")
        chalk = mean_color(renderer.render(showroom.frame()), mask)
        showroom.update(0.0, [SelectVariant(1)])
        ocean = mean_color(renderer.render(showroom.frame()), mask)
    finally:
        renderer.release()
    assert chalk[0] > 120 and abs(chalk[0] - chalk[2]) < 40, f"chalk renders as {chalk}"
    assert ocean[2] > 2 * ocean[0], f"ocean renders as {ocean}"


def test_rejects_absurd_frame_sizes(renderer: Renderer) -> None:
    with pytest.raises(ValueError, match="outside"):
        renderer.resize((8, 8))


def test_software_gl_defaults_to_no_multisampling_and_msaa_still_works() -> None:
    scene = settled("red-box")
    plain = Renderer(create_context(), LAYOUT, SIZE)
    assert is_software(plain.ctx), "these tests run on Mesa llvmpipe"
    smooth = Renderer(create_context(), LAYOUT, SIZE, msaa=4)
    try:
        for r in (plain, smooth):
            r.add_product("red-box", RED_BOX)
        a = plain.render(scene)[..., :3].astype(np.int16)
        b = smooth.render(scene)[..., :3].astype(np.int16)
        # Same picture, but multisampled edges take in-between values the aliased ones lack.
        assert np.abs(a - b).mean() < 4.0
        assert len(np.unique(b.reshape(-1, 3), axis=0)) > len(np.unique(a.reshape(-1, 3), axis=0))
    finally:
        plain.release()
        smooth.release()


def test_still_layer_cache_draws_the_same_picture_as_a_full_render() -> None:
    """Once the camera rests, only what moves is redrawn over a cached layer: same pixels."""
    layout = LAYOUT  # the turntable turns: the focused product moves every frame
    showroom = Showroom(layout, [ProductSlot(m.name, 0, float(m.bounds()[1][1])) for m in MODELS.values()])
    showroom.update(0.0, [FocusProduct("blue-ball")])
    showroom.update(10.0)
    cached = Renderer(create_context(), LAYOUT, SIZE)
    full = Renderer(create_context(), LAYOUT, SIZE, cache_still_layer=False)
    try:
        for r in (cached, full):
            for name, model in MODELS.items():
                r.add_product(name, model)
        redrawn = []
        for _ in range(4):
            showroom.update(1 / 30)
            scene = showroom.frame()
            a = cached.render(scene)[..., :3].astype(np.int16)
            redrawn.append(cached.times.still_layer_redrawn)
            b = full.render(scene)[..., :3].astype(np.int16)
            assert np.abs(a - b).max() <= 2, "the cached path must match the full render"
        # Frame 1 renders in full, frame 2 builds the still layer, later frames reuse it.
        assert redrawn == [False, True, False, False]
        # Moving the camera (a new focus) invalidates the layer; it is rebuilt once things rest.
        showroom.update(0.0, [FocusProduct("red-box")])
        showroom.update(10.0)
        for _ in range(2):
            cached.render(showroom.frame())
        assert cached.times.still_layer_redrawn
    finally:
        cached.release()
        full.release()


def test_the_hand_cursor_is_drawn_where_the_hand_points_and_only_there(renderer: Renderer) -> None:
    scene = settled("red-box")
    plain = renderer.render(scene).astype(np.int16)
    for x, y in ((0.25, 0.25), (0.8, 0.7)):
        with_hand = renderer.render(dataclasses.replace(scene, hand=(x, y))).astype(np.int16)
        changed = np.abs(with_hand - plain)[..., :3].sum(axis=2) > 30
        rows, cols = np.nonzero(changed)
        assert changed.sum() > 20, "the cursor shows"
        # Centred on the point (rows run top-down) and small: within 4 % of the height around it.
        assert abs(rows.mean() - y * SIZE[1]) < 2 and abs(cols.mean() - x * SIZE[0]) < 2
        reach = 0.04 * SIZE[1]
        assert np.abs(rows - y * SIZE[1]).max() <= reach and np.abs(cols - x * SIZE[0]).max() <= reach
        assert (with_hand[..., :3] >= plain[..., :3] - 1).all(), "light added, never taken away"
    again = renderer.render(scene).astype(np.int16)
    assert np.abs(again - plain).max() <= 1, "gone with the hand: the still layer kept no trace"
