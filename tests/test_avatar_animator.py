"""The assistant's animator: states, blends, lip movement, pointing, moving, all deterministic."""

from __future__ import annotations

import math

import numpy as np
import pytest

from avatar.character.animator import GLIDE_MAX_DISTANCE, Animator, CharacterState
from avatar.character.placement import home, spot_beside, wrap_deg
from avatar.character.skeleton import BIND_POSITIONS, BONE_COUNT, Bone
from avatar.mouth import CLOSED, MouthShape
from scenes.graph import FigureNode
from scenes.layout import default_layout
from scenes.math3d import look_at, perspective, vec3

DT = 1 / 30
LAYOUT = default_layout()
SPOT = vec3(1.0, 0.0, 0.5)
OPEN = MouthShape(open=1.0, wide=0.2, round=0.0)


def run(animator: Animator, seconds: float, mouth: MouthShape | None = None) -> FigureNode:
    node = animator.update(0.0, mouth)
    for _ in range(round(seconds / DT)):
        node = animator.update(DT, mouth)
    return node


def joint(node: FigureNode, bone: Bone) -> np.ndarray:
    """A joint's world position: root transform x skinning matrix x its bind position."""
    local = node.bones[bone] @ np.append(BIND_POSITIONS[bone], 1.0)
    world: np.ndarray = (node.transform @ local)[:3]
    return world


def relative(node: FigureNode, bone: Bone, parent: Bone) -> np.ndarray:
    """A bone's skinning matrix in its parent's frame: what the bone itself did."""
    m: np.ndarray = np.linalg.inv(node.bones[parent]) @ node.bones[bone]
    return m


def forward(node: FigureNode) -> np.ndarray:
    f = node.transform[:3, 2].copy()
    f[1] = 0.0
    return f / np.linalg.norm(f)


def test_starts_idle_at_home_with_a_valid_pose() -> None:
    a = Animator(SPOT, 20.0)
    node = a.update(DT, None)
    assert node.state == CharacterState.IDLE == a.state
    assert node.bones.shape == (BONE_COUNT, 4, 4) and node.bones.dtype == np.float32
    assert np.isfinite(node.bones).all() and np.isfinite(node.transform).all()
    assert np.allclose(node.transform[:3, 3], SPOT, atol=1e-5)
    yaw = math.degrees(math.atan2(node.transform[0, 2], node.transform[2, 2]))
    assert abs(wrap_deg(yaw - 20.0)) < 1e-3
    assert node.presence == 1.0 and node.mouth == (0.0, 0.0, 0.0)


def test_idle_breathes_and_hovers_but_keeps_its_mouth_still() -> None:
    a = Animator(SPOT, 0.0)
    poses = [run(a, 0.5) for _ in range(8)]
    chest = np.array([joint(p, Bone.HEAD) for p in poses])
    assert np.ptp(chest[:, 1]) > 0.005, "hovering and breathing move the body"
    jaw = [relative(p, Bone.JAW, Bone.HEAD) for p in poses]
    mouth = [relative(p, Bone.MOUTH, Bone.JAW) for p in poses]
    assert all(np.allclose(j, jaw[0], atol=1e-6) for j in jaw)
    assert all(np.allclose(m, mouth[0], atol=1e-6) for m in mouth)


def test_state_follows_the_commands_and_returns_to_idle() -> None:
    a = Animator(SPOT, 0.0)
    a.listen(True)
    assert run(a, 0.3).state == "listening"
    assert run(a, 0.3, OPEN).state == "talking"  # talking wins over listening
    a.point_at(vec3(0.0, 1.0, 0.0))
    assert run(a, 0.3, OPEN).state == "pointing"
    a.move_to(vec3(2.0, 0.0, 0.5), 0.0)
    assert run(a, 0.1).state == "walking"
    run(a, 5.0)
    assert a.state == "pointing"
    a.point_at(None)
    assert run(a, 0.1).state == "listening"
    a.listen(False)
    assert run(a, 0.1).state == "idle"


def test_layers_blend_in_rather_than_snap() -> None:
    a = Animator(SPOT, 0.0)
    run(a, 2.0)
    before = joint(a.update(0.0, None), Bone.HEAD)
    a.listen(True)
    steps = [joint(a.update(DT, None), Bone.HEAD) for _ in range(30)]
    moves = np.linalg.norm(np.diff(np.array([before, *steps]), axis=0), axis=1)
    assert moves.max() < 0.02, "no jump in any single frame"
    assert np.linalg.norm(steps[-1] - before) > 0.02, "yet the head leaned in: listening shows"
    assert run(a, 0.5).glow > 0.5 > Animator(SPOT, 0.0).update(DT, None).glow


def test_talking_moves_jaw_and_mouth_with_the_mouth_shape() -> None:
    a, b = Animator(SPOT, 0.0), Animator(SPOT, 0.0)
    wide_open, closed = run(a, 0.5, OPEN), run(b, 0.5, MouthShape(0.0, 0.0, 0.0))
    assert wide_open.state == closed.state == "talking"
    jaw_open = relative(wide_open, Bone.JAW, Bone.HEAD)
    jaw_shut = relative(closed, Bone.JAW, Bone.HEAD)
    assert not np.allclose(jaw_open, jaw_shut, atol=1e-3)
    # The chin drops: a point in front of the jaw goes down when the mouth opens.
    chin = np.array([0.0, 1.38, 0.11, 1.0])
    assert (jaw_open @ chin)[1] < (jaw_shut @ chin)[1] - 0.01

    # The mouth bone opens the slit: its vertical scale grows with "open".
    def mouth_scale(node: FigureNode) -> np.ndarray:
        scale: np.ndarray = np.linalg.norm(relative(node, Bone.MOUTH, Bone.JAW)[:3, :3], axis=0)
        return scale

    assert mouth_scale(wide_open)[1] > 2.5 * mouth_scale(closed)[1]
    assert wide_open.mouth[0] > 0.95 and closed.mouth[0] < 0.05
    # Rounded lips are narrower than spread ones.
    spread = run(Animator(SPOT, 0.0), 0.5, MouthShape(0.3, 1.0, 0.0))
    rounded = run(Animator(SPOT, 0.0), 0.5, MouthShape(0.3, 0.0, 1.0))
    assert mouth_scale(spread)[0] > mouth_scale(rounded)[0] + 0.3


def test_talking_changes_the_pose_over_time_more_than_idling() -> None:
    def spread(mouth_at: object) -> tuple[float, float]:
        a = Animator(SPOT, 0.0)
        run(a, 1.0)
        jaws, hands = [], []
        for i in range(60):
            mouth = mouth_at(i) if callable(mouth_at) else None
            node = a.update(DT, mouth)
            jaws.append(relative(node, Bone.JAW, Bone.HEAD)[:3, :3].ravel())
            hands.append(joint(node, Bone.HAND_R))
        return float(np.ptp(np.array(jaws), axis=0).max()), float(np.ptp(np.array(hands), axis=0).max())

    syllables = lambda i: OPEN if (i // 4) % 2 else CLOSED  # noqa: E731
    talk_jaw, talk_hand = spread(syllables)
    idle_jaw, idle_hand = spread(None)
    assert idle_jaw < 1e-6 < 0.05 < talk_jaw
    assert talk_hand > 2 * idle_hand, "talking gestures with a hand"


def test_pointing_turns_toward_the_target_and_raises_an_arm_at_it() -> None:
    target = vec3(-0.5, 1.0, 0.2)  # off to the figure's right, in front of it
    a = Animator(SPOT, 0.0)
    before = run(a, 1.0)
    to_target = target - SPOT
    to_target[1] = 0.0
    to_target /= np.linalg.norm(to_target)
    a.point_at(target)
    after = run(a, 1.5)
    assert after.state == "pointing"
    assert np.dot(forward(after), to_target) > np.dot(forward(before), to_target) + 0.2
    # The right hand (the target is on the right) reaches out toward the target and rises.
    hand_before, hand_after = joint(before, Bone.HAND_R), joint(after, Bone.HAND_R)
    assert np.linalg.norm(hand_after - target) < np.linalg.norm(hand_before - target) - 0.15
    assert hand_after[1] > hand_before[1] + 0.2
    # The arm points: shoulder -> hand runs toward the target.
    shoulder = joint(after, Bone.UPPER_ARM_R)
    arm = (hand_after - shoulder) / np.linalg.norm(hand_after - shoulder)
    aim = (target - shoulder) / np.linalg.norm(target - shoulder)
    assert np.dot(arm, aim) > 0.9
    # A target on the other side is pointed at with the other hand; None lowers it again.
    a.point_at(vec3(3.0, 1.0, 0.2))
    left = run(a, 1.5)
    assert joint(left, Bone.HAND_L)[1] > joint(before, Bone.HAND_L)[1] + 0.2
    a.point_at(None)
    lowered = run(a, 2.0)
    assert abs(joint(lowered, Bone.HAND_L)[1] - joint(before, Bone.HAND_L)[1]) < 0.05


def test_gliding_to_a_nearby_spot_arrives_and_faces_the_goal() -> None:
    a = Animator(SPOT, 0.0)
    goal = SPOT + vec3(1.9, 0.0, 0.3)
    a.move_to(goal, 35.0)
    path, presences = [], []
    for _ in range(round(4.0 / DT)):
        node = a.update(DT, None)
        path.append(node.transform[:3, 3].copy())
        presences.append(node.presence)
    distances = [float(np.linalg.norm(p - goal)) for p in path]
    assert all(d1 <= d0 + 1e-6 for d0, d1 in zip(distances, distances[1:], strict=False)), (
        "glides straight in"
    )
    assert min(presences) == 1.0, "a short move glides in plain sight"
    assert distances[-1] < 1e-4 and a.state == "idle"
    run(a, 1.0)
    assert abs(wrap_deg(a.facing_deg - 35.0)) < 1.0


def test_a_far_move_beams_out_and_in() -> None:
    a = Animator(SPOT, 0.0)
    goal = SPOT + vec3(GLIDE_MAX_DISTANCE + 4.0, 0.0, 0.0)
    a.move_to(goal, -10.0)
    presences, xs, states = [], [], []
    for _ in range(round(2.0 / DT)):
        node = a.update(DT, None)
        presences.append(node.presence)
        xs.append(float(node.transform[0, 3]))
        states.append(node.state)
    assert states[0] == "walking" and states[-1] == "idle"
    gone = presences.index(min(presences))
    assert min(presences) < 0.1 and presences[-1] == 1.0
    # It fades where it was and reappears where it goes: no glide through the plinths between.
    assert all(x == pytest.approx(SPOT[0]) or x == pytest.approx(goal[0]) for x in xs)
    assert xs[gone - 2] == pytest.approx(SPOT[0]) and xs[-1] == pytest.approx(goal[0])


def test_same_calls_give_the_same_poses() -> None:
    def script() -> list[np.ndarray]:
        a = Animator(SPOT, 10.0)
        out = []
        for i in range(120):
            if i == 10:
                a.listen(True)
            if i == 30:
                a.point_at(vec3(0.0, 1.0, 0.0))
            if i == 60:
                a.move_to(vec3(2.5, 0.0, 0.0), -20.0)
            mouth = MouthShape((i % 7) / 7, 0.3, 0.1) if 20 <= i < 80 else None
            node = a.update(DT, mouth)
            out.append(
                np.concatenate([node.bones.ravel(), node.transform.ravel(), [node.glow, node.presence]])
            )
        return out

    first, second = script(), script()
    assert all(np.array_equal(x, y) for x, y in zip(first, second, strict=True))


def test_rejects_bad_time_steps() -> None:
    a = Animator(SPOT, 0.0)
    for dt in (-0.1, math.nan, math.inf):
        with pytest.raises(ValueError, match="dt"):
            a.update(dt, None)


def project(point: np.ndarray, eye: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    vp = perspective(LAYOUT.camera.fov_deg, 16 / 9, 0.05, 80.0) @ look_at(eye, target)
    clip = vp @ np.append(point, 1.0)
    return float(clip[0] / clip[3]), float(clip[1] / clip[3])


@pytest.mark.parametrize("count", [1, 3, 10])
def test_spot_beside_each_plinth_is_in_the_browse_cameras_view(count: int) -> None:
    rig = LAYOUT.camera
    for i in range(count):
        spot, facing = spot_beside(LAYOUT, i, count)
        pose = LAYOUT.slot(i, count)
        base = vec3(pose.x, 0.0, pose.z)
        toward_camera = vec3(math.sin(pose.yaw), 0.0, math.cos(pose.yaw))
        eye = base + toward_camera * rig.browse_distance + vec3(0.0, rig.browse_height, 0.0)
        look = base + vec3(0.0, rig.look_height, 0.0)
        # Clear of the plinth, on the shopper's right, and its head and pad inside the picture.
        assert np.linalg.norm((spot - base)[[0, 2]]) > LAYOUT.plinth.radius + 0.25
        for height in (0.0, 1.6 * 0.9):
            x, y = project(spot + vec3(0.0, height, 0.0), eye, look)
            assert 0.2 < x < 0.95 and -0.95 < y < 0.95
        # It faces between the camera and the product: toward the shopper, turned to the product.
        f = vec3(math.sin(math.radians(facing)), 0.0, math.cos(math.radians(facing)))
        to_cam = (eye - spot) * vec3(1, 0, 1)
        to_product = (base - spot) * vec3(1, 0, 1)
        assert np.dot(f, to_cam / np.linalg.norm(to_cam)) > 0.7
        assert np.dot(f, to_product) > np.dot(to_cam / np.linalg.norm(to_cam), to_product)
    assert np.allclose(home(LAYOUT, count)[0], spot_beside(LAYOUT, 0, count)[0])
    with pytest.raises(ValueError):
        spot_beside(LAYOUT, count, count)
