"""Environment maps: Radiance .hdr loading, the generated studio, and image-based lighting prep."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from assets.environment import load_environment, load_hdr, studio_environment
from assets.errors import AssetError
from render_node.ibl import (
    cube_directions,
    irradiance_sh9,
    prefiltered_levels,
    prepare_environment,
    sh_irradiance,
)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ENV_DIR = SHARED_DATA / "env"
HDR_FILES = ("empty_warehouse_01_1k.hdr", "studio_small_03_1k.hdr")
F32 = npt.NDArray[np.float32]
AXES = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], np.float32)
UP, DOWN, FRONT, BACK = AXES[2], AXES[3], AXES[4], AXES[5]


def shared_hdr(name: str) -> Path:
    path = ENV_DIR / name
    assert path.is_file(), (
        f"shared test data missing: {path} (the tests need /work/shared/data, see SOURCES.md)"
    )
    return path


def hdr_bytes(width: int, height: int, body: bytes) -> bytes:
    return b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n" + f"-Y {height} +X {width}\n".encode() + body


def hdr_problem(path: Path) -> str:
    """The AssetError's problem text (its str() also holds the path, and tmp_path names the test)."""
    with pytest.raises(AssetError) as info:
        load_hdr(path)
    assert info.value.path == str(path)
    return info.value.problem


def directions(height: int, width: int) -> F32:
    """The equirectangular convention the module documents: row 0 at the zenith, +Z at the centre column."""
    theta = (np.arange(height) + 0.5) / height * math.pi
    phi = (np.arange(width) + 0.5) / width * 2 * math.pi - math.pi
    th, ph = np.meshgrid(theta, phi, indexing="ij")
    d = np.stack([np.sin(th) * np.sin(ph), np.cos(th), np.sin(th) * np.cos(ph)], axis=-1)
    return d.astype(np.float32)


# --- Radiance .hdr ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", HDR_FILES)
def test_shared_hdr_loads(name: str) -> None:
    env = load_hdr(shared_hdr(name))
    assert env.shape == (512, 1024, 3)
    assert env.dtype == np.float32
    assert np.isfinite(env).all()
    assert env.min() >= 0.0
    assert (env > 10).any(), "a real interior has lights far brighter than 1"
    assert 0.01 < float(np.median(env)) < 10


def test_flat_scanlines_decode_exactly(tmp_path: Path) -> None:
    # Width < 8 is never run-length encoded: plain RGBE quads. value = mantissa * 2**(exponent - 136).
    pixels = [(128, 64, 32, 129), (0, 0, 0, 0), (255, 128, 1, 136), (200, 100, 50, 128)] * 2
    path = tmp_path / "flat.hdr"
    path.write_bytes(hdr_bytes(4, 2, bytes(v for px in pixels for v in px)))
    env = load_hdr(path)
    assert env.shape == (2, 4, 3)
    np.testing.assert_allclose(env[0, 0], [1.0, 0.5, 0.25])
    np.testing.assert_allclose(env[0, 1], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(env[0, 2], [255.0, 128.0, 1.0])
    np.testing.assert_allclose(env[1, 3], [200 / 256, 100 / 256, 50 / 256])


def test_rle_scanlines_decode_exactly(tmp_path: Path) -> None:
    # New-style RLE: 2 2 W>>8 W&255, then each channel as runs (count > 128) or literals.
    width = 8
    row = bytes([2, 2, 0, width])
    row += bytes([128 + 8, 128])  # R: a run of eight 128s
    row += bytes([4, 1, 2, 3, 4, 128 + 4, 64])  # G: literal 1..4, then a run of four 64s
    row += bytes([128 + 8, 32])  # B
    row += bytes([128 + 8, 129])  # E
    path = tmp_path / "rle.hdr"
    path.write_bytes(hdr_bytes(width, 1, row))
    env = load_hdr(path)
    assert env.shape == (1, 8, 3)
    np.testing.assert_allclose(env[0, :, 0], 1.0)
    np.testing.assert_allclose(env[0, :, 1], np.array([1, 2, 3, 4, 64, 64, 64, 64]) / 128)
    np.testing.assert_allclose(env[0, :, 2], 0.25)


@pytest.mark.parametrize("name", HDR_FILES)
def test_truncated_hdr_says_truncated(tmp_path: Path, name: str) -> None:
    data = shared_hdr(name).read_bytes()
    path = tmp_path / "half.hdr"
    path.write_bytes(data[: len(data) // 2])
    assert "truncated" in hdr_problem(path)


@pytest.mark.parametrize("name", HDR_FILES)
def test_truncated_hdr_is_an_asset_error(tmp_path: Path, name: str) -> None:
    data = shared_hdr(name).read_bytes()
    path = tmp_path / "half.hdr"
    path.write_bytes(data[: len(data) // 2])
    assert re.fullmatch(r"(truncated|corrupt) HDR .* at scanline \d+( of 512)?", hdr_problem(path))


def test_hdr_with_header_but_no_pixels_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "empty.hdr"
    path.write_bytes(hdr_bytes(16, 4, b""))
    assert hdr_problem(path) == "truncated HDR pixel data at scanline 0 of 4"


def test_flat_hdr_cut_short_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "short.hdr"
    path.write_bytes(hdr_bytes(4, 3, bytes(4 * 4 * 2 + 6)))  # two rows and a bit of the third
    assert hdr_problem(path) == "truncated HDR pixel data at scanline 2 of 3"


def test_header_without_end_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "header.hdr"
    path.write_bytes(shared_hdr(HDR_FILES[0]).read_bytes()[:40])
    assert hdr_problem(path) == "truncated HDR header"


@pytest.mark.parametrize(
    "content", [b"", b"hello world", b"\x89PNG\r\n\x1a\n" + bytes(64)], ids=["empty", "text", "png"]
)
def test_not_an_hdr(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "fake.hdr"
    path.write_bytes(content)
    assert hdr_problem(path).startswith("not a Radiance HDR file")


@pytest.mark.parametrize(
    ("resolution", "message"),
    [
        ("-Y 100000 +X 100000", "absurd HDR size 100000x100000"),
        ("-Y 20000 +X 16", "absurd HDR size 16x20000"),
        ("-Y 0 +X 16", "absurd HDR size 16x0"),
        ("+Y 16 +X 16", "unsupported HDR orientation"),
    ],
)
def test_bad_resolution_line(tmp_path: Path, resolution: str, message: str) -> None:
    path = tmp_path / "size.hdr"
    path.write_bytes(b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n" + resolution.encode() + b"\n" + bytes(64))
    assert hdr_problem(path).startswith(message)


def test_xyze_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "xyz.hdr"
    path.write_bytes(b"#?RADIANCE\nFORMAT=32-bit_rle_xyze\n\n-Y 1 +X 1\n\x80\x80\x80\x81")
    assert "XYZE HDR files are not supported" in hdr_problem(path)


def test_missing_hdr(tmp_path: Path) -> None:
    path = tmp_path / "gone.hdr"
    assert hdr_problem(path).startswith("cannot read HDR file")


# --- load_environment ---------------------------------------------------------------------------


def test_load_environment_studio() -> None:
    env = load_environment("studio")
    assert env.shape == (256, 512, 3) and env.dtype == np.float32
    assert np.isfinite(env).all() and env.min() >= 0.0
    np.testing.assert_array_equal(env, studio_environment())
    # The soft boxes light from above: the upper half is brighter than the floor.
    assert env[:128].mean() > 3 * env[128:].mean()
    assert env.max() > 3


def test_load_environment_hdr_path() -> None:
    path = shared_hdr(HDR_FILES[1])
    np.testing.assert_array_equal(load_environment(str(path)), load_hdr(path))


@pytest.mark.parametrize("name", ["x.png", "studio.exr", "Studio", "/tmp"])
def test_load_environment_refuses_other_names(name: str) -> None:
    with pytest.raises(AssetError) as info:
        load_environment(name)
    assert info.value.problem == "environment must be 'studio' or a Radiance .hdr file"


def test_load_environment_missing_hdr(tmp_path: Path) -> None:
    with pytest.raises(AssetError) as info:
        load_environment(str(tmp_path / "gone.HDR"))
    assert info.value.problem.startswith("cannot read HDR file")


# --- spherical-harmonic irradiance --------------------------------------------------------------


def test_constant_environment_gives_pi_l_everywhere() -> None:
    radiance = np.array([2.0, 0.5, 1.25], np.float32)
    env = np.broadcast_to(radiance, (64, 128, 3)).astype(np.float32)
    sh = irradiance_sh9(env)
    assert sh.shape == (9, 3) and sh.dtype == np.float32
    rng = np.random.default_rng(7)
    random = rng.normal(size=(200, 3))
    dirs = np.concatenate([AXES, random / np.linalg.norm(random, axis=1, keepdims=True)]).astype(np.float32)
    irradiance = sh_irradiance(sh, dirs)
    assert irradiance.shape == (len(dirs), 3)
    np.testing.assert_allclose(irradiance, np.broadcast_to(math.pi * radiance, irradiance.shape), rtol=0.02)


def test_upper_hemisphere_lights_upward_faces() -> None:
    env = np.zeros((64, 128, 3), np.float32)
    env[:32] = 1.0  # the sky only
    sh = irradiance_sh9(env)
    up, side, down = sh_irradiance(sh, np.stack([UP, FRONT, DOWN]))[:, 0]
    assert up == pytest.approx(math.pi, rel=0.03)  # a face looking straight at a uniform sky
    assert side == pytest.approx(math.pi / 2, rel=0.05)  # half the sky
    assert up > 20 * max(down, 1e-6)
    assert down < 0.05 * math.pi


def test_sh_irradiance_is_never_negative() -> None:
    env = np.zeros((64, 128, 3), np.float32)
    env[5:10, 60:68] = 500.0  # a small, very bright sun
    sh = irradiance_sh9(env)
    dirs = cube_directions(8).reshape(-1, 3)
    assert (sh_irradiance(sh, dirs) >= 0).all()


def test_a_bright_spot_lights_faces_that_look_at_it() -> None:
    env = np.zeros((64, 128, 3), np.float32)
    d = directions(64, 128)
    env[d @ np.array([0.0, 0.0, 1.0]) > 0.95] = 10.0  # a disc of light toward +Z
    irradiance = sh_irradiance(irradiance_sh9(env), AXES)[:, 0]
    assert int(np.argmax(irradiance)) == 4  # +Z
    assert irradiance[4] > 5 * irradiance[5]


# --- cube maps ----------------------------------------------------------------------------------


def test_cube_directions_are_unit_vectors() -> None:
    d = cube_directions(4)
    assert d.shape == (6, 4, 4, 3) and d.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(d, axis=-1), 1.0, atol=1e-6)


def test_cube_face_order_is_gl() -> None:
    d = cube_directions(4)
    for face, axis in enumerate(AXES):
        major = int(np.argmax(np.abs(axis)))
        sign = axis[major]
        component = d[face][..., major] * sign
        # Every texel of a face looks mostly along its axis: that component is the largest.
        np.testing.assert_allclose(component, np.abs(d[face]).max(axis=-1))
        assert (component > 0).all()
    # +X in particular: x is the max component of every texel.
    np.testing.assert_array_equal(d[0][..., 0], d[0].max(axis=-1))


def test_cube_texels_follow_the_gl_spec_table() -> None:
    """OpenGL 4.6 table 8.19: for each face, sc and tc from the direction; s, t = (sc/|ma| + 1) / 2."""
    size = 4
    d = cube_directions(size).astype(np.float64)
    x, y, z = d[..., 0], d[..., 1], d[..., 2]
    table = [  # (sc, tc, ma) per face +X -X +Y -Y +Z -Z
        (-z[0], -y[0], x[0]),
        (z[1], -y[1], x[1]),
        (x[2], z[2], y[2]),
        (x[3], -z[3], y[3]),
        (x[4], -y[4], z[4]),
        (-x[5], -y[5], z[5]),
    ]
    centres = (np.arange(size) + 0.5) / size
    for sc, tc, ma in table:
        s = (sc / np.abs(ma) + 1) / 2
        t = (tc / np.abs(ma) + 1) / 2
        np.testing.assert_allclose(s, np.broadcast_to(centres[None, :], s.shape), atol=1e-6)  # columns are s
        np.testing.assert_allclose(t, np.broadcast_to(centres[:, None], t.shape), atol=1e-6)  # rows are t


# --- specular prefiltering ----------------------------------------------------------------------


def test_prefiltered_levels_halve_and_smooth() -> None:
    rng = np.random.default_rng(3)
    noisy = rng.random((256, 512, 3)).astype(np.float32)
    levels = prefiltered_levels(noisy)
    assert len(levels) == 7
    assert [lv.shape for lv in levels] == [(256 >> k, 512 >> k, 3) for k in range(7)]
    assert all(lv.dtype == np.float32 for lv in levels)
    np.testing.assert_array_equal(levels[0], noisy)  # already at base width: the sharpest level is the input
    variances = [float(lv.var()) for lv in levels]
    assert all(a > b for a, b in zip(variances, variances[1:], strict=False)), variances
    assert variances[-1] < 0.01 * variances[0]
    # Blurring moves light around but does not create or lose much of it.
    for lv in levels:
        assert float(lv.mean()) == pytest.approx(float(noisy.mean()), rel=0.02)


def test_prefiltered_levels_downsample_a_large_map_to_the_base_width() -> None:
    env = np.ones((512, 1024, 3), np.float32)
    levels = prefiltered_levels(env, base_width=256, count=4)
    assert [lv.shape for lv in levels] == [(128, 256, 3), (64, 128, 3), (32, 64, 3), (16, 32, 3)]
    for lv in levels:
        np.testing.assert_allclose(lv, 1.0, rtol=1e-5)  # a uniform map stays uniform


# --- prepare_environment ------------------------------------------------------------------------


def _front_lit() -> F32:
    env = np.full((64, 128, 3), 0.05, np.float32)
    env[directions(64, 128) @ np.array([0.0, 0.0, 1.0]) > 0.9] = 5.0  # a soft box toward +Z
    return env


def test_prepare_environment_outputs() -> None:
    env = _front_lit()
    prepared = prepare_environment(env, cube_size=8)
    assert prepared.sh.shape == (9, 3)
    assert prepared.irradiance_cube.shape == (6, 8, 8, 3)
    np.testing.assert_allclose(
        prepared.irradiance_cube, sh_irradiance(prepared.sh, cube_directions(8)) / math.pi, rtol=1e-5
    )
    np.testing.assert_allclose(prepared.ambient_up, sh_irradiance(prepared.sh, UP) / math.pi, rtol=1e-5)
    assert prepared.levels[0].shape == env.shape


def test_prepare_environment_clamps_reflections_not_diffuse() -> None:
    env = np.full((64, 128, 3), 0.1, np.float32)
    env[2:4, 10:12] = 10000.0  # a sun
    prepared = prepare_environment(env)
    assert max(float(lv.max()) for lv in prepared.levels) <= 64.0
    np.testing.assert_allclose(prepared.sh, irradiance_sh9(env), rtol=1e-5)


def test_rotation_180_swaps_front_and_back() -> None:
    env = _front_lit()
    still = prepare_environment(env)
    turned = prepare_environment(env, rotation_deg=180.0)
    front, back = sh_irradiance(still.sh, np.stack([FRONT, BACK]))[:, 0]
    turned_front, turned_back = sh_irradiance(turned.sh, np.stack([FRONT, BACK]))[:, 0]
    assert front > 3 * back
    assert turned_front == pytest.approx(back, rel=0.02)
    assert turned_back == pytest.approx(front, rel=0.02)
    # Turning about +Y leaves the light from above alone.
    np.testing.assert_allclose(turned.ambient_up, still.ambient_up, rtol=0.02)
    np.testing.assert_array_equal(turned.levels[0], np.roll(env, 64, axis=1))


def test_rotation_360_is_no_rotation() -> None:
    env = _front_lit()
    np.testing.assert_array_equal(prepare_environment(env, 360.0).sh, prepare_environment(env).sh)


def test_a_small_environment_gets_a_shorter_but_whole_mip_chain() -> None:
    """Regression: a 128-pixel map used to repeat 8-pixel levels, which GL refused to upload."""
    levels = prefiltered_levels(studio_environment(128))
    widths = [level.shape[1] for level in levels]
    assert widths == [128, 64, 32, 16, 8]
    assert all(level.shape[0] * 2 == level.shape[1] for level in levels)
