"""The assistant's mesh and skeleton: bound to real bones, closed, outward-facing, within budget."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from avatar.character.mesh import FigureMesh, Part, build_figure_mesh, figure_mesh
from avatar.character.skeleton import (
    BIND_POSITIONS,
    BONE_COUNT,
    SKELETON,
    Bone,
    Pose,
    skinning_matrices,
    world_matrices,
)

MESH = figure_mesh()
TRIANGLE_BUDGET = 6000  # llvmpipe draws the figure every frame: a few thousand triangles at most


def part_faces(mesh: FigureMesh, part: Part) -> np.ndarray:
    faces: np.ndarray = mesh.indices[mesh.parts[mesh.indices[:, 0]] == part]
    return faces


def test_budget_and_every_part_present() -> None:
    assert 1500 < MESH.triangle_count <= TRIANGLE_BUDGET
    assert set(np.unique(MESH.parts)) == {int(p) for p in Part}
    # A triangle never mixes parts: the shader styles whole triangles.
    tri_parts = MESH.parts[MESH.indices]
    assert (tri_parts == tri_parts[:, :1]).all()
    # Coarser detail gives fewer triangles: the budget is a knob, not an accident.
    assert build_figure_mesh(detail=12).triangle_count < MESH.triangle_count


def test_vertices_are_bound_to_real_bones_with_valid_weights() -> None:
    bones = MESH.bone_indices
    assert bones.min() >= 0 and bones.max() < BONE_COUNT
    w = MESH.weights
    assert (w >= 0).all() and (w <= 1).all() and np.allclose(w.sum(axis=1), 1.0)
    assert np.allclose(np.linalg.norm(MESH.normals, axis=1), 1.0, atol=1e-4)
    assert np.isfinite(MESH.vertices).all()
    # The mouth moves with the mouth bone, the eyes blink with theirs, the pad stays on the floor.
    assert set(bones[MESH.parts == Part.MOUTH].ravel()) == {Bone.MOUTH}
    assert set(bones[MESH.parts == Part.EYES].ravel()) == {Bone.EYES}
    assert set(bones[MESH.parts == Part.PAD].ravel()) == {Bone.ROOT}
    # The face's chin follows the jaw: some face vertices blend head and jaw.
    face = (MESH.parts == Part.FACE) | (MESH.parts == Part.BODY)
    jawed = face & (bones[:, 1] == Bone.JAW) & (MESH.weights[:, 1] > 0.5)
    assert jawed.sum() > 10
    # Elbows bend smoothly: arm vertices blending upper and lower arm exist.
    blended = (bones[:, 0] == Bone.UPPER_ARM_L) & (bones[:, 1] == Bone.FOREARM_L) & (MESH.weights[:, 0] < 0.9)
    assert blended.sum() > 5


@pytest.mark.parametrize("part", [p for p in Part if p is not Part.PAD])
def test_parts_are_closed_and_face_outward(part: Part) -> None:
    faces = part_faces(MESH, part)
    edges: Counter[tuple[int, int]] = Counter()
    for a, b, c in faces.tolist():
        for u, v in ((a, b), (b, c), (c, a)):
            edges[(min(u, v), max(u, v))] += 1
    assert set(edges.values()) == {2}, "every edge is shared by exactly two triangles: closed shells"
    # Counter-clockwise from outside: the divergence theorem gives a positive volume.
    tri = MESH.positions[faces].astype(np.float64)
    volume = np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() / 6.0
    assert volume > 0


def test_floor_pad_faces_up_just_above_the_floor() -> None:
    faces = part_faces(MESH, Part.PAD)
    tri = MESH.positions[faces]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    assert (normals[:, 1] > 0).all()
    assert 0.0 < MESH.positions[MESH.parts == Part.PAD][:, 1].max() < 0.02


def test_proportions_read_as_a_figure() -> None:
    pos = MESH.positions
    height = pos[:, 1].max()
    assert 1.5 < height < 1.7
    head = pos[MESH.bone_indices[:, 0] == Bone.HEAD]
    # A friendly, slightly big head: about a sixth of the height, over shoulders wider than it.
    head_height = head[:, 1].max() - head[:, 1].min()
    assert 0.14 < head_height / height < 0.2
    shoulders = pos[np.isin(MESH.bone_indices[:, 0], [Bone.SHOULDER_L, Bone.SHOULDER_R])]
    assert np.ptp(shoulders[:, 0]) > np.ptp(head[:, 0])
    # Eyes and mouth sit on the front of the face plate.
    face_front = pos[MESH.parts == Part.FACE][:, 2].max()
    for part in (Part.EYES, Part.MOUTH):
        assert pos[MESH.parts == part][:, 2].max() > face_front - 0.01


def test_rest_pose_skins_to_the_bind_pose() -> None:
    skin = skinning_matrices(Pose())
    assert skin.shape == (BONE_COUNT, 4, 4)
    assert np.allclose(skin, np.identity(4), atol=1e-6)
    world = world_matrices(Pose())
    assert np.allclose(world[:, :3, 3], BIND_POSITIONS)
    for spec in SKELETON:  # parents come first
        assert spec.parent is None or spec.parent < spec.bone
