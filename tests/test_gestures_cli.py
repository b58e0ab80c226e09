"""`holoshop gestures classify|video` as a user runs them."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from holoshop.cli import app
from tests.gesture_data import HANDS_DIR, VIDEO_DIR, shared

runner = CliRunner()


def test_classify_json_one_object_per_image() -> None:
    thumbs = shared(HANDS_DIR / "thumbs_up" / "mp_thumbs_up.jpg")
    banana = shared(HANDS_DIR / "no_hand" / "mp_banana.jpg")
    result = runner.invoke(app, ["gestures", "classify", "--json", str(thumbs), str(banana)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["image"] == str(thumbs)
    assert [h["gesture"] for h in lines[0]["hands"]] == ["thumbs_up"]
    assert set(lines[0]["hands"][0]) == {"gesture", "confidence", "handedness"}
    assert lines[1] == {"image": str(banana), "hands": []}


def test_classify_text_and_missing_file() -> None:
    victory = shared(HANDS_DIR / "victory" / "mp_victory.jpg")
    result = runner.invoke(app, ["gestures", "classify", str(victory)])
    assert result.exit_code == 0 and "victory" in result.stdout
    assert runner.invoke(app, ["gestures", "classify", "nope.jpg"]).exit_code != 0


def test_video_json_lines_with_timestamps_and_events() -> None:
    video = shared(VIDEO_DIR / "mps_hand_landmarker_test_video.mp4")
    result = runner.invoke(app, ["gestures", "video", "--json", str(video)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) > 150
    assert all({"timestamp_ms", "hands", "events"} <= set(line) for line in lines)
    assert [line["timestamp_ms"] for line in lines] == sorted(line["timestamp_ms"] for line in lines)
    assert any(e["name"] == "open_palm" for line in lines for e in line["events"])
    assert "frames analysed" in result.stderr


def test_help_explains_the_commands() -> None:
    result = runner.invoke(app, ["gestures", "--help"])
    assert result.exit_code == 0
    assert "classify" in result.stdout and "video" in result.stdout
