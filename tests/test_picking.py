"""A click or tap picks the product under it: nearest first, sky and things behind the camera never."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from scenes import (
    Camera,
    FocusNext,
    FrameScene,
    Light,
    Mode,
    ProductNode,
    ProductSlot,
    Showroom,
    default_layout,
)
from scenes.math3d import look_at, perspective, translation, vec3
from scenes.picking import pick_product

SLOTS = [ProductSlot("chair", 0, 0.9), ProductSlot("shoe", 3, 0.5), ProductSlot("lamp", 2, 1.0)]
HEIGHTS = {s.product_id: s.height for s in SLOTS}
RADIUS = default_layout().plinth.radius
WIDE = 21 / 9
TV = 16 / 9


def settled_on_the_middle() -> FrameScene:
    showroom = Showroom(default_layout(), SLOTS)
    showroom.update(0.0, [FocusNext()])
    showroom.update(10.0)
    assert showroom.focused_id == "shoe"
    return showroom.frame()


def project(scene: FrameScene, point: npt.NDArray[np.float64], aspect: float) -> tuple[float, float]:
    """Where a world point lands in the picture, 0..1 from the top-left corner."""
    cam = scene.camera
    view_proj = perspective(cam.fov_deg, aspect, cam.near, cam.far) @ look_at(cam.eye, cam.target)
    clip = view_proj @ np.append(point, 1.0)
    ndc = clip[:2] / clip[3]
    return float(ndc[0] + 1) / 2, float(1 - ndc[1]) / 2


def middle_of(scene: FrameScene, product_id: str) -> npt.NDArray[np.float64]:
    node = next(n for n in scene.products if n.product_id == product_id)
    return np.asarray(node.transform[:3, 3] + np.array([0.0, HEIGHTS[product_id] / 2, 0.0]), np.float64)


def test_centre_of_the_picture_picks_the_focused_product() -> None:
    scene = settled_on_the_middle()
    assert pick_product(scene, 0.5, 0.5, TV, HEIGHTS, RADIUS) == "shoe"
    x, y = project(scene, middle_of(scene, "shoe"), TV)
    assert x == pytest.approx(0.5, abs=1e-3)
    assert pick_product(scene, x, y, TV, HEIGHTS, RADIUS) == "shoe"


@pytest.mark.parametrize(("neighbour", "side"), [("chair", -1), ("lamp", 1)])
def test_points_left_and_right_of_centre_pick_the_neighbours(neighbour: str, side: int) -> None:
    scene = settled_on_the_middle()
    x, y = project(scene, middle_of(scene, neighbour), WIDE)
    assert 0.0 < x < 1.0 and 0.0 < y < 1.0  # on the picture in a wide frame
    assert (x - 0.5) * side > 0.2  # and well to that side of the centre
    assert pick_product(scene, x, y, WIDE, HEIGHTS, RADIUS) == neighbour


@pytest.mark.parametrize(("x", "expected"), [(0.01, "chair"), (0.99, "lamp")])
def test_the_edges_of_a_16_by_9_picture_reach_the_neighbours(x: float, expected: str) -> None:
    """In 16:9 the neighbours' middles are just off the picture; their plinth-wide cylinders are not."""
    scene = settled_on_the_middle()
    _, y = project(scene, middle_of(scene, expected), TV)
    assert pick_product(scene, x, y, TV, HEIGHTS, RADIUS) == expected


def test_gap_between_products_picks_nothing() -> None:
    scene = settled_on_the_middle()
    left_x, y = project(scene, middle_of(scene, "chair"), WIDE)
    centre_x, _ = project(scene, middle_of(scene, "shoe"), WIDE)
    assert pick_product(scene, (left_x + centre_x) / 2, y, WIDE, HEIGHTS, RADIUS) is None


@pytest.mark.parametrize(("x", "y"), [(0.5, 0.02), (0.5, 0.0), (0.1, 0.05), (0.9, 0.05)])
def test_empty_sky_picks_nothing(x: float, y: float) -> None:
    scene = settled_on_the_middle()
    assert pick_product(scene, x, y, TV, HEIGHTS, RADIUS) is None


def test_a_taller_product_reaches_higher_up_the_picture() -> None:
    scene = settled_on_the_middle()
    assert pick_product(scene, 0.5, 0.02, TV, HEIGHTS, RADIUS) is None
    assert pick_product(scene, 0.5, 0.02, TV, {**HEIGHTS, "shoe": 2.0}, RADIUS) == "shoe"


def test_missing_height_counts_as_one_metre() -> None:
    scene = settled_on_the_middle()
    assert pick_product(scene, 0.5, 0.5, TV, {}, RADIUS) == "shoe"


# -- hand-built scenes ---------------------------------------------------------------------------


def scene_with(*placed: tuple[str, float, float]) -> FrameScene:
    """Camera at (0, 1, 5) looking down -Z at (0, 1, 0); products (id, x, z) standing on y=0."""
    camera = Camera(eye=vec3(0.0, 1.0, 5.0), target=vec3(0.0, 1.0, 0.0), fov_deg=40.0)
    light = Light(direction=vec3(0.0, -1.0, 0.0), color=vec3(1.0, 1.0, 1.0), intensity=1.0)
    products = tuple(ProductNode(pid, translation(x, 0.0, z), None, 0.0) for pid, x, z in placed)
    return FrameScene(camera, light, products, (), 0.0, Mode.BROWSE)


HEIGHTS_2M = {"near": 2.0, "far": 2.0, "behind": 2.0, "only": 2.0}


@pytest.mark.parametrize("order", ["near first", "far first"])
def test_nearest_wins_where_two_products_overlap(order: str) -> None:
    placed = [("near", 0.0, 1.0), ("far", 0.0, -3.0)]
    scene = scene_with(*(placed if order == "near first" else placed[::-1]))
    assert pick_product(scene, 0.5, 0.5, 1.0, HEIGHTS_2M, 0.5) == "near"


def test_the_farther_product_is_picked_where_only_it_is_under_the_point() -> None:
    scene = scene_with(("near", -1.5, 1.0), ("far", 0.0, -3.0))
    assert pick_product(scene, 0.5, 0.5, 1.0, HEIGHTS_2M, 0.5) == "far"


def test_a_product_behind_the_camera_is_never_picked() -> None:
    # Straight behind the eye: projected without the check it would land mirrored on the centre.
    scene = scene_with(("behind", 0.0, 8.0))
    for x, y in [(0.5, 0.5), (0.5, 0.3), (0.5, 0.7), (0.2, 0.5), (0.8, 0.5)]:
        assert pick_product(scene, x, y, 1.0, HEIGHTS_2M, 0.5) is None


def test_a_nearer_product_behind_the_camera_does_not_hide_one_in_front() -> None:
    scene = scene_with(("behind", 0.0, 7.0), ("only", 0.0, 0.0))  # 2 m behind, 5 m in front
    assert pick_product(scene, 0.5, 0.5, 1.0, HEIGHTS_2M, 0.5) == "only"


def test_no_products_picks_nothing() -> None:
    assert pick_product(scene_with(), 0.5, 0.5, 1.0, {}, 0.5) is None
