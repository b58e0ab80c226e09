"""The `holoshop` command line: render stills, check models, list the catalog."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner, Result

from assets.demo_catalog import demo_products
from holoshop.cli import app

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
MODELS_DIR = SHARED_DATA / "models"
SUNGLASSES = MODELS_DIR / "SunglassesKhronos" / "SunglassesKhronos.glb"
SHOE = MODELS_DIR / "MaterialsVariantsShoe" / "glTF" / "MaterialsVariantsShoe.gltf"
SIZE_ERROR = re.compile(r"is not WIDTHxHEIGHT|is outside 16x16\.\.7680x4320")

# Click >= 8.2 always keeps stderr apart: result.stdout, result.stderr, result.output (both).
runner = CliRunner()


def shared(path: Path) -> Path:
    assert path.exists(), (
        f"shared test data missing: {path} (the tests need /work/shared/data, see SOURCES.md)"
    )
    return path


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def flat(text: str) -> str:
    """Rich's error panel without its box drawing and line wrapping."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def glb_json(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    length, kind = struct.unpack_from("<I4s", data, 12)
    assert kind == b"JSON"
    document: dict[str, Any] = json.loads(data[20 : 20 + length])
    return document


def png(path: Path) -> np.ndarray[Any, np.dtype[np.uint8]]:
    with Image.open(path) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB"))


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings() reads HOLOSHOP_* and ./.env: keep the developer's own out of the tests."""
    for name in [n for n in os.environ if n.startswith("HOLOSHOP_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


# --- help ---------------------------------------------------------------------------------------


def test_help_lists_the_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0, result.output
    for command in ("render", "serve", "assets"):
        assert re.search(rf"^\W*{command}\s", result.stdout, re.MULTILINE), command


def test_assets_help_lists_check_and_list() -> None:
    result = invoke("assets", "--help")
    assert result.exit_code == 0, result.output
    assert re.search(r"^\W*check\s", result.stdout, re.MULTILINE)
    assert re.search(r"^\W*list\s", result.stdout, re.MULTILINE)


def test_no_arguments_prints_usage() -> None:
    result = invoke()
    assert result.exit_code != 0
    assert "Usage:" in result.output and "render" in result.output


# --- render -------------------------------------------------------------------------------------


def test_render_writes_a_png_of_the_requested_size(tmp_path: Path) -> None:
    out = tmp_path / "tmp" / "x.png"
    result = invoke("render", "--size", "320x180", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out} (320x180" in result.stdout
    assert "preparing renderer at 320x180 and uploading 10 products" in result.stderr
    pixels = png(out)
    assert pixels.shape == (180, 320, 3)
    # Something was drawn: many distinct colours, not one flat fill.
    assert pixels.std() > 5
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 100


def test_render_focus_inspect_shows_a_different_view(tmp_path: Path) -> None:
    browse, close_up = tmp_path / "browse.png", tmp_path / "inspect.png"
    assert invoke("render", "--size", "160x90", "--out", str(browse)).exit_code == 0
    result = invoke(
        "render",
        "--size",
        "160x90",
        "--out",
        str(close_up),
        "--focus",
        "stride-runner-sneaker",
        "--inspect",
        "--variant",
        "1",
        "--orbit",
        "30",
        "--zoom",
        "1.5",
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {close_up} (160x90" in result.stdout
    a, b = png(browse), png(close_up)
    assert a.shape == b.shape == (90, 160, 3)
    assert b.std() > 5
    assert np.abs(a.astype(np.int16) - b.astype(np.int16)).mean() > 3, "inspect view should differ"


def test_render_unknown_focus_exits_2_naming_the_product(tmp_path: Path) -> None:
    out = tmp_path / "x.png"
    result = invoke("render", "--size", "160x90", "--out", str(out), "--focus", "no-such-sofa")
    assert result.exit_code == 2, result.output
    assert "error: no product 'no-such-sofa'" in result.stderr
    # The message helps: it lists the ids that do exist.
    assert "stride-runner-sneaker" in result.stderr and "oslo-lounge-chair" in result.stderr
    assert "wrote" not in result.stdout
    assert not out.exists()


@pytest.mark.parametrize("size", ["abc", "5x5", "320x", "1x2x3", "0x0", "8000x100"])
def test_render_rejects_a_bad_size(tmp_path: Path, size: str) -> None:
    out = tmp_path / "x.png"
    result = invoke("render", "--size", size, "--out", str(out))
    assert result.exit_code == 2, result.output
    message = flat(result.stderr)
    assert "Invalid value" in message and SIZE_ERROR.search(message), message
    assert not out.exists()


def test_render_size_accepts_upper_case_x(tmp_path: Path) -> None:
    out = tmp_path / "x.png"
    result = invoke("render", "--size", "48X32", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert png(out).shape == (32, 48, 3)


@pytest.mark.parametrize(
    "args",
    [
        ("assets", "list", "--models", "/nonexistent/models"),
        ("render", "--size", "32x32", "--models", "/nonexistent/models"),
        ("render", "--size", "32x32", "--environment", "/nonexistent/models.hdr"),
    ],
    ids=["list-models", "render-models", "render-environment"],
)
def test_missing_input_path_is_a_clean_error(args: tuple[str, ...]) -> None:
    result = invoke(*args)
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "/nonexistent/models" in result.stderr


# --- assets check -------------------------------------------------------------------------------


def test_assets_check_reports_a_glb() -> None:
    path = shared(SUNGLASSES)
    result = invoke("assets", "check", str(path))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"source: {path}" in out
    triangles = re.search(r"^triangles: (\d+)$", out, re.MULTILINE)
    assert triangles and int(triangles.group(1)) > 1000
    assert f"materials: {len(glb_json(path)['materials'])}\n" in out
    assert re.search(r"^variants: none$", out, re.MULTILINE)
    assert "1 of 1 models OK" in out
    assert "ERROR" not in result.output


def test_assets_check_lists_the_shoes_variants() -> None:
    path = shared(SHOE)
    document = json.loads(path.read_text(encoding="utf-8"))
    names = [v["name"] for v in document["extensions"]["KHR_materials_variants"]["variants"]]
    result = invoke("assets", "check", str(path))
    assert result.exit_code == 0, result.output
    assert f"variants: {', '.join(names)}\n" in result.stdout
    assert "KHR_materials_variants" in result.stdout


def test_assets_check_whole_shared_folder() -> None:
    result = invoke("assets", "check", str(shared(MODELS_DIR)))
    assert result.exit_code == 0, result.output
    assert "9 of 9 models OK" in result.stdout
    assert len(re.findall(r"^triangles: \d+$", result.stdout, re.MULTILINE)) == 9
    assert len(re.findall(r"^variants: ", result.stdout, re.MULTILINE)) == 9
    assert result.stderr == ""


def test_assets_check_reports_a_broken_file_and_still_checks_the_good_one(tmp_path: Path) -> None:
    folder = tmp_path / "tmp"
    folder.mkdir()
    good = Path(shutil.copy(shared(SUNGLASSES), folder / "good.glb"))
    (folder / "bad.glb").write_bytes(b"this is not a model at all" * 8)
    result = invoke("assets", "check", str(folder))
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1 and "bad.glb" in errors[0]
    assert f"source: {good}" in result.stdout
    assert re.search(r"^triangles: [1-9]\d*$", result.stdout, re.MULTILINE)
    assert "1 of 2 models OK" in result.stderr


def test_assets_check_empty_folder_fails(tmp_path: Path) -> None:
    result = invoke("assets", "check", str(tmp_path))
    assert result.exit_code == 1
    assert "no .gltf or .glb files found" in result.stderr


def test_assets_check_missing_file_fails(tmp_path: Path) -> None:
    result = invoke("assets", "check", str(tmp_path / "gone.glb"))
    assert result.exit_code == 1
    assert "ERROR" in result.stderr and "gone.glb" in result.stderr
    assert "0 of 1 models OK" in result.stderr


# --- assets list --------------------------------------------------------------------------------


def _lines_by_id(stdout: str) -> dict[str, str]:
    return {line.split()[0]: line for line in stdout.splitlines() if line.strip()}


def test_assets_list_shows_the_demo_catalog() -> None:
    result = invoke("assets", "list")
    assert result.exit_code == 0, result.output
    lines = _lines_by_id(result.stdout)
    products = demo_products()
    assert len(products) == 10
    assert list(lines) == [p.id for p in products]
    for p in products:
        line = lines[p.id]
        assert f"{p.price_minor // 100}.{p.price_minor % 100:02d} {p.currency}" in line
        assert p.category in line and p.name in line
        if p.variants:
            assert line.endswith(f"variants: {', '.join(p.variants)}")
        else:
            assert "variants" not in line
    assert "649.00 EUR" in lines["oslo-lounge-chair"]


def test_assets_list_with_shared_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLOSHOP_MAX_TEXTURE_SIZE", "64")  # Settings() picks it up; keeps this quick
    result = invoke("assets", "list", "--models", str(shared(MODELS_DIR)))
    assert result.exit_code == 0, result.output
    lines = _lines_by_id(result.stdout)
    assert len(lines) == 19
    assert list(lines)[:10] == [p.id for p in demo_products()]
    assert lines["materials-variants-shoe"].endswith("variants: midnight, beach, street")
    assert "Footwear" in lines["materials-variants-shoe"]
    assert re.search(r"\d+\.\d\d EUR", lines["water-bottle"])
