import json
import math
from pathlib import Path

import pytest

from scenes.layout import Layout, LayoutError, default_layout, load_layout


def test_default_layout_loads_from_its_data_file() -> None:
    layout = default_layout()
    assert layout.name == "Holoshop showroom"
    assert layout.arrangement.kind == "arc"
    assert (
        layout.camera.inspect_min_distance
        < layout.camera.inspect_distance
        < layout.camera.inspect_max_distance
    )


def test_slots_are_centred_spaced_and_face_the_visitor() -> None:
    layout = default_layout()
    poses = [layout.slot(i, 5) for i in range(5)]
    assert poses[2].x == pytest.approx(0.0) and poses[2].z == pytest.approx(0.0) and poses[2].yaw == 0.0
    # Symmetric about the centre, curving toward the visitor at +Z.
    assert poses[0].x == pytest.approx(-poses[4].x)
    assert poses[0].z == pytest.approx(poses[4].z) and poses[0].z > 0
    for a, b in zip(poses, poses[1:], strict=False):
        chord = math.hypot(b.x - a.x, b.z - a.z)
        assert chord == pytest.approx(layout.arrangement.spacing, rel=0.01)
    # Each product faces the arc's centre.
    for pose in poses:
        to_centre = (0.0 - pose.x, layout.arrangement.radius - pose.z)
        facing = (math.sin(pose.yaw), math.cos(pose.yaw))
        cos = (to_centre[0] * facing[0] + to_centre[1] * facing[1]) / math.hypot(*to_centre)
        assert cos == pytest.approx(1.0)


def test_row_arrangement_is_straight() -> None:
    layout = Layout.model_validate({"arrangement": {"kind": "row", "spacing": 2.0}})
    assert [layout.slot(i, 3).x for i in range(3)] == [-2.0, 0.0, 2.0]
    assert {layout.slot(i, 3).z for i in range(3)} == {0.0}


def test_invalid_layout_file_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"plinth": {"radius": -1}}))
    with pytest.raises(LayoutError, match=r"bad\.json: invalid layout: plinth\.radius"):
        load_layout(path)


def test_unknown_field_is_an_error_not_ignored(tmp_path: Path) -> None:
    path = tmp_path / "typo.json"
    path.write_text(json.dumps({"plinths": {}}))
    with pytest.raises(LayoutError, match="plinths"):
        load_layout(path)


def test_broken_json_reports_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "name": "x",\n  oops\n}')
    with pytest.raises(LayoutError, match=r"broken\.json: invalid JSON at line 3"):
        load_layout(path)
