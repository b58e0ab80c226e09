"""The assistant drawn by the real renderer (Mesa llvmpipe through EGL), in the showroom's frame."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np
import pytest
import trimesh

from assets.normalize import fit_to_display
from avatar.character.animator import Animator
from avatar.character.mesh import figure_mesh
from avatar.character.placement import spot_beside
from avatar.mouth import MouthShape
from render_node.gl_context import create_context
from render_node.renderer import Renderer
from scenes import FocusProduct, ProductSlot, Showroom, default_layout
from scenes.graph import FigureNode, FrameScene
from scenes.math3d import look_at, perspective
from tests.render_helpers import renderer_with, solid_model

SIZE = (480, 270)
LAYOUT = default_layout().model_copy(update={"turntable_speed_deg": 0.0})
MODELS = {
    name: fit_to_display(
        solid_model(name, mesh, colour), LAYOUT.display_box.footprint, LAYOUT.display_box.height
    )
    for name, mesh, colour in (
        ("box", trimesh.creation.box((0.6, 0.8, 0.6)), (0.8, 0.1, 0.1)),
        ("ball", trimesh.creation.icosphere(3, 0.4), (0.1, 0.2, 0.8)),
        ("drum", trimesh.creation.cylinder(0.35, 0.7), (0.2, 0.7, 0.2)),
    )
}
FOCUS = 1


@pytest.fixture(scope="module")
def renderer() -> Iterator[Renderer]:
    r = renderer_with(MODELS, LAYOUT, SIZE)
    yield r
    r.release()


@pytest.fixture(scope="module")
def scene() -> FrameScene:
    showroom = Showroom(LAYOUT, [ProductSlot(m.name, 0, float(m.bounds()[1][1])) for m in MODELS.values()])
    showroom.update(0.0, [FocusProduct(list(MODELS)[FOCUS])])
    showroom.update(10.0)
    return showroom.frame()


def figure(
    mouth: MouthShape | None = None, seconds: float = 1.0, *, presence_at: float | None = None
) -> FigureNode:
    spot, facing = spot_beside(LAYOUT, FOCUS, len(MODELS))
    animator = Animator(spot, facing)
    node = animator.update(0.0, mouth)
    for _ in range(round(seconds * 30)):
        node = animator.update(1 / 30, mouth)
    return node


def to_pixels(scene: FrameScene, node: FigureNode, local: np.ndarray) -> np.ndarray:
    """Figure-space points (N, 3) at rest -> (N, 2) pixel positions, y down."""
    cam = scene.camera
    vp = perspective(cam.fov_deg, SIZE[0] / SIZE[1], cam.near, cam.far) @ look_at(cam.eye, cam.target)
    world = node.transform @ np.c_[local, np.ones(len(local))].T
    clip = vp @ world
    ndc = clip[:2] / clip[3]
    return np.stack([(ndc[0] + 1) / 2 * SIZE[0], (1 - ndc[1]) / 2 * SIZE[1]], axis=1)


def changed(a: np.ndarray, b: np.ndarray, threshold: int = 12) -> np.ndarray:
    diff: np.ndarray = (
        np.abs(a[..., :3].astype(np.int16) - b[..., :3].astype(np.int16)).max(axis=2) > threshold
    )
    return diff


def test_the_figure_shows_where_it_stands_and_nowhere_else(renderer: Renderer, scene: FrameScene) -> None:
    without = renderer.render(scene).copy()
    node = figure()
    with_it = renderer.render(dataclasses.replace(scene, assistant=node)).copy()
    assert renderer.ctx.error == "GL_NO_ERROR"
    mask = changed(with_it, without)
    ys, xs = np.nonzero(mask)
    assert mask.sum() > 2000, "a readable figure, not a speck"
    # Everything it changed lies within its projected outline (its pad and its raised hands included).
    box = to_pixels(scene, node, figure_mesh().positions)
    assert xs.min() >= box[:, 0].min() - 3 and xs.max() <= box[:, 0].max() + 3
    assert ys.min() >= box[:, 1].min() - 3 and ys.max() <= box[:, 1].max() + 3
    # Standing upright beside the product: tall rather than wide, on the right of the picture.
    assert np.ptp(ys) > 1.5 * np.ptp(xs) and xs.mean() > SIZE[0] * 0.6
    # A hologram in the brand's cyan: blue and green, little red, added over the dark showroom.
    colour = with_it[mask][:, :3].astype(np.float64).mean(axis=0)
    assert colour[2] > colour[0] + 40 and colour[1] > colour[0] + 30
    assert renderer.times.triangles >= figure_mesh().triangle_count


def test_an_open_mouth_changes_the_face(renderer: Renderer, scene: FrameScene) -> None:
    speaking = figure(MouthShape(1.0, 0.3, 0.0))
    silent = figure(MouthShape(0.0, 0.0, 0.0))
    assert speaking.state == silent.state == "talking"
    a = renderer.render(dataclasses.replace(scene, assistant=speaking)).copy()
    b = renderer.render(dataclasses.replace(scene, assistant=silent)).copy()
    head = to_pixels(scene, speaking, np.array([[0.0, 1.46, 0.0], [0.0, 1.42, 0.12]]))
    (hx, hy), (mx, my) = head
    radius = int(abs(to_pixels(scene, speaking, np.array([[0.0, 1.59, 0.0]]))[0, 1] - hy)) + 2
    face = np.zeros(SIZE[::-1], bool)
    face[int(hy) - radius : int(hy) + radius, int(hx) - radius : int(hx) + radius] = True
    diff = changed(a, b, threshold=20)
    assert (diff & face).sum() > 8, "the mouth opens visibly"
    # The mouth is a bright slit: open, it lights more pixels around where it sits.
    near_mouth = np.zeros_like(face)
    near_mouth[
        int(my) - radius // 2 : int(my) + radius // 2, int(mx) - radius // 2 : int(mx) + radius // 2
    ] = True

    def bright(img: np.ndarray) -> int:
        return int((img[..., :3].min(axis=2)[near_mouth] > 170).sum())

    assert bright(a) > bright(b) + 3


def test_the_still_layer_never_keeps_the_figure(renderer: Renderer, scene: FrameScene) -> None:
    """Like the cursor, the figure is drawn after the cached still layer: gone when it goes."""
    node = figure()
    plain = [renderer.render(scene).copy() for _ in range(3)][-1]
    for _ in range(3):
        renderer.render(dataclasses.replace(scene, assistant=node))
        assert not renderer.times.still_layer_redrawn
    again = renderer.render(scene)
    assert np.abs(again.astype(np.int16) - plain.astype(np.int16)).max() <= 1
    # And the cached path draws the same figure as a full redraw.
    full = Renderer(create_context(), LAYOUT, SIZE, cache_still_layer=False)
    try:
        for name, model in MODELS.items():
            full.add_product(name, model)
        cached = renderer.render(dataclasses.replace(scene, assistant=node)).astype(np.int16)
        fresh = full.render(dataclasses.replace(scene, assistant=node)).astype(np.int16)
        assert np.abs(cached - fresh).max() <= 2
    finally:
        full.release()


def test_it_materialises_from_the_floor_up(renderer: Renderer, scene: FrameScene) -> None:
    node = figure()
    without = renderer.render(scene).copy()
    gone = renderer.render(dataclasses.replace(scene, assistant=dataclasses.replace(node, presence=0.0)))
    assert np.array_equal(gone, without)
    whole = changed(renderer.render(dataclasses.replace(scene, assistant=node)).copy(), without)
    half = changed(
        renderer.render(dataclasses.replace(scene, assistant=dataclasses.replace(node, presence=0.5))),
        without,
    )
    assert 0 < half.sum() < whole.sum()
    # Half there: the lower part shows, the head does not yet.
    head_y = to_pixels(scene, node, np.array([[0.0, 1.46, 0.0]]))[0, 1]
    assert whole[: int(head_y) + 5].sum() > 100 and half[: int(head_y) + 5].sum() == 0


def test_a_nearer_product_hides_the_figure_behind_it(renderer: Renderer, scene: FrameScene) -> None:
    """Depth tested against the showroom: standing behind a product, the figure is hidden there."""
    node = figure()
    plinth = scene.plinths[FOCUS].transform[:3, 3]
    toward = plinth - scene.camera.eye
    toward[1] = 0.0
    behind = plinth + toward / np.linalg.norm(toward) * 1.2
    hidden = dataclasses.replace(node, transform=node.transform.copy())
    hidden.transform[:3, 3] = behind
    cam = scene.camera
    vp = perspective(cam.fov_deg, SIZE[0] / SIZE[1], cam.near, cam.far) @ look_at(cam.eye, cam.target)
    side = vp @ np.append(plinth + np.array([0.0, LAYOUT.plinth.height + 0.45, 0.0]), 1.0)  # the product
    px = int((side[0] / side[3] + 1) / 2 * SIZE[0])
    py = int((1 - side[1] / side[3]) / 2 * SIZE[1])
    spot = (slice(py - 3, py + 3), slice(px - 3, px + 3))
    for shown, expect in ((dataclasses.replace(scene, products=(), plinths=()), True), (scene, False)):
        without = renderer.render(shown).copy()
        mask = changed(renderer.render(dataclasses.replace(shown, assistant=hidden)), without)
        assert mask[spot].any() == expect, "in the open it shows there; behind the product it does not"
        assert mask.sum() > 200, "the parts beside the product still show"
