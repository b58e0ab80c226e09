import math

import numpy as np
import pytest

from scenes import (
    Back,
    FocusNext,
    FocusPrevious,
    FocusProduct,
    Inspect,
    Mode,
    NextVariant,
    Orbit,
    ProductSlot,
    SelectVariant,
    Showroom,
    Zoom,
    default_layout,
)
from scenes.actions import Action

SLOTS = [ProductSlot("chair", 0, 0.9), ProductSlot("shoe", 3, 0.4), ProductSlot("lamp", 2, 1.0)]


def make() -> Showroom:
    return Showroom(default_layout(), SLOTS)


def settle(showroom: Showroom, seconds: float = 5.0) -> None:
    for _ in range(int(seconds * 60)):
        showroom.update(1 / 60)


def test_starts_browsing_the_first_product() -> None:
    s = make()
    snap = s.snapshot()
    assert (snap.mode, snap.focused, snap.variant) == (Mode.BROWSE, "chair", None)


def test_focus_moves_and_wraps_both_ways() -> None:
    s = make()
    assert s.update(0.0, [FocusNext()]) is True
    assert s.focused_id == "shoe"
    s.update(0.0, [FocusNext(), FocusNext()])
    assert s.focused_id == "chair"
    s.update(0.0, [FocusPrevious()])
    assert s.focused_id == "lamp"
    s.update(0.0, [FocusProduct("shoe")])
    assert s.focused_id == "shoe"


def test_unknown_product_and_no_op_actions_change_nothing() -> None:
    s = make()
    assert s.update(0.1, [FocusProduct("nope"), Back(), Orbit(1.0, 1.0), Zoom(2.0)]) is False
    assert s.snapshot().focused == "chair"


def test_inspect_orbit_zoom_and_back() -> None:
    s = make()
    s.update(0.0, [FocusProduct("shoe"), Inspect()])
    assert s.mode is Mode.INSPECT
    settle(s)
    frame = s.frame()
    pose = s.pose(1)
    centre = np.array([pose.x, s.layout.plinth.height + 0.2, pose.z])
    assert frame.camera.target == pytest.approx(centre, abs=1e-3)
    assert np.linalg.norm(frame.camera.eye - centre) == pytest.approx(
        s.layout.camera.inspect_distance, abs=1e-3
    )
    s.update(0.0, [Zoom(100.0)])  # clamped to the closest allowed distance
    settle(s)
    assert np.linalg.norm(s.frame().camera.eye - centre) == pytest.approx(
        s.layout.camera.inspect_min_distance, abs=1e-3
    )
    before = s.frame().camera.eye.copy()
    s.update(0.0, [Orbit(yaw=math.pi / 2)])
    settle(s)
    after = s.frame().camera.eye
    assert np.linalg.norm(after - before) > 0.5
    s.update(0.0, [Orbit(pitch=10.0)])  # clamped to the rig's highest pitch
    settle(s)
    eye = s.frame().camera.eye
    pitch = math.degrees(math.asin((eye[1] - centre[1]) / np.linalg.norm(eye - centre)))
    assert pitch == pytest.approx(s.layout.camera.pitch_max_deg, abs=0.1)
    s.update(0.0, [Back()])
    assert s.snapshot().mode is Mode.BROWSE


def test_focusing_another_product_leaves_inspect() -> None:
    s = make()
    s.update(0.0, [Inspect(), FocusNext()])
    assert (s.mode, s.focused_id) == (Mode.BROWSE, "shoe")


def test_variants_select_cycle_and_ignore_out_of_range() -> None:
    s = make()
    s.update(0.0, [FocusProduct("shoe"), SelectVariant(2)])
    assert s.snapshot().variant == 2
    s.update(0.0, [NextVariant()])
    assert s.snapshot().variant == 0
    s.update(0.0, [SelectVariant(7), SelectVariant(-1)])
    assert s.snapshot().variant == 0
    s.update(0.0, [FocusProduct("chair"), NextVariant(), SelectVariant(0)])  # the chair has none
    assert s.snapshot().variant is None
    assert s.frame().products[1].variant == 0


def test_camera_eases_toward_the_focused_plinth() -> None:
    s = make()
    settle(s)
    s.update(1 / 60, [FocusNext()])
    first = s.frame().camera.target[0]
    settle(s)
    goal = s.frame().camera.target[0]
    assert goal == pytest.approx(s.pose(1).x, abs=1e-3)
    assert abs(first - s.pose(0).x) < abs(goal - s.pose(0).x)


def test_update_is_deterministic() -> None:
    script: list[list[Action]] = [
        [FocusNext()],
        [],
        [Inspect()],
        [Orbit(0.3, 0.1)],
        [Zoom(1.5)],
        [Back()],
        [],
    ]
    frames = []
    for _ in range(2):
        s = make()
        for actions in script * 20:
            s.update(1 / 60, actions)
        f = s.frame()
        frames.append(
            (f.camera.eye.tobytes(), f.camera.target.tobytes(), [p.transform.tobytes() for p in f.products])
        )
    assert frames[0] == frames[1]


def test_focused_product_turns_on_its_turntable_only_while_browsing() -> None:
    s = make()
    settle(s, 1.0)
    spun = s.frame().products[0].transform[:3, :3].copy()
    assert not np.allclose(spun, np.identity(3), atol=1e-3)
    assert np.allclose(s.frame().products[1].transform[:3, :3], np.identity(3), atol=1e-6)
    s.update(0.0, [Inspect()])
    settle(s, 1.0)
    assert np.allclose(s.frame().products[0].transform[:3, :3], spun, atol=1e-6)


def test_frame_places_products_on_plinth_tops() -> None:
    s = make()
    frame = s.frame()
    assert len(frame.products) == len(frame.plinths) == 3
    for product, plinth in zip(frame.products, frame.plinths, strict=True):
        assert product.transform[1, 3] == pytest.approx(plinth.transform[1, 3] + plinth.height)
        assert product.transform[[0, 2], 3] == pytest.approx(plinth.transform[[0, 2], 3])


def test_empty_showroom_is_valid_and_inert() -> None:
    s = Showroom(default_layout(), [])
    assert s.update(1.0, [FocusNext(), Inspect(), NextVariant()]) is False
    assert s.snapshot().focused is None
    assert s.frame().products == ()


def test_rejects_duplicate_ids_and_bad_time_steps() -> None:
    with pytest.raises(ValueError, match="unique"):
        Showroom(default_layout(), [ProductSlot("a"), ProductSlot("a")])
    with pytest.raises(ValueError, match="dt"):
        make().update(-1.0)
    with pytest.raises(ValueError, match="dt"):
        make().update(float("nan"))
