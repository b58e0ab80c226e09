"""glTF loading: the shared product models, the extensions the showroom relies on, hostile files."""

from __future__ import annotations

import base64
import functools
import io
import json
import shutil
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image as PILImage

from assets import gltf_loader
from assets.errors import AssetError
from assets.gltf_loader import load_gltf
from assets.model import WRAP_CLAMP, WRAP_MIRROR, Model, Sampler
from assets.report import describe, summary_line

MODELS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "models"
SHARED_MODELS = {
    "GlamVelvetSofa": "GlamVelvetSofa/GlamVelvetSofa.glb",
    "GlassHurricaneCandleHolder": "GlassHurricaneCandleHolder/GlassHurricaneCandleHolder.glb",
    "GlassVaseFlowers": "GlassVaseFlowers/GlassVaseFlowers.glb",
    "SunglassesKhronos": "SunglassesKhronos/SunglassesKhronos.glb",
    "SheenChair": "SheenChair/glTF/SheenChair.gltf",
    "LightsPunctualLamp": "LightsPunctualLamp/glTF/LightsPunctualLamp.gltf",
    "ToyCar": "ToyCar/glTF/ToyCar.gltf",
    "MaterialsVariantsShoe": "MaterialsVariantsShoe/glTF/MaterialsVariantsShoe.gltf",
    "WaterBottle": "WaterBottle/glTF/WaterBottle.gltf",
}
FLOAT, U8, U16 = 5126, 5121, 5123
Doc = dict[str, Any]


def shared_path(name: str) -> Path:
    path = MODELS_DIR / SHARED_MODELS[name]
    assert path.is_file(), f"shared test model missing: {path} (the tests need ../shared/data/models)"
    return path


@functools.cache
def shared_model(name: str) -> Model:
    return load_gltf(shared_path(name))


def shared_json(name: str) -> Doc:
    path = shared_path(name)
    assert path.suffix == ".gltf"
    document: Doc = json.loads(path.read_text(encoding="utf-8"))
    return document


# --- the shared models ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SHARED_MODELS))
def test_shared_model_loads_clean_geometry(name: str) -> None:
    model = shared_model(name)
    assert model.name == shared_path(name).stem
    assert model.triangle_count > 0
    assert model.mesh_names
    for primitive in model.primitives:
        n = len(primitive.positions)
        assert primitive.positions.dtype == np.float32 and primitive.positions.shape == (n, 3)
        assert np.isfinite(primitive.positions).all()
        assert primitive.normals.dtype == np.float32 and primitive.normals.shape == (n, 3)
        np.testing.assert_allclose(np.linalg.norm(primitive.normals, axis=1), 1.0, atol=1e-3)
        assert primitive.indices.dtype == np.uint32 and primitive.indices.shape[1] == 3
        assert int(primitive.indices.max()) < n
        used = {primitive.material, *primitive.variant_materials.values()}
        assert all(0 <= m < len(model.materials) for m in used)
        assert all(0 <= v < len(model.variants) for v in primitive.variant_materials)
        if primitive.tangents is not None:
            assert primitive.tangents.shape == (n, 4) and set(np.unique(primitive.tangents[:, 3])) <= {-1, 1}
    lo, hi = model.bounds()
    assert (hi - lo > 0).all(), f"degenerate bounds {lo} .. {hi}"


def test_variants_shoe_switches_base_colour_images() -> None:
    variants = shared_json("MaterialsVariantsShoe")["extensions"]["KHR_materials_variants"]["variants"]
    names = [v["name"] for v in variants]
    model = shared_model("MaterialsVariantsShoe")
    assert model.variants == tuple(names) and len(names) == 3
    assert "KHR_materials_variants" in model.extensions_honoured
    switching = [
        p for p in model.primitives if len({p.material_for(v) for v in range(len(names))}) == len(names)
    ]
    assert switching, "no primitive maps each variant to its own material"
    textures = [model.materials[switching[0].material_for(v)].base_color_texture for v in range(len(names))]
    assert all(t is not None for t in textures)
    assert len({t.image for t in textures if t is not None}) == len(names)


def test_textures_are_rgba8_and_downscaled_on_request() -> None:
    model = shared_model("WaterBottle")
    texture = model.materials[model.primitives[0].material].base_color_texture
    assert texture is not None
    pixels = model.images[texture.image].pixels
    assert pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 4
    assert max(pixels.shape[:2]) <= 2048
    small = load_gltf(shared_path("WaterBottle"), max_texture_size=64)
    assert len(small.images) == len(model.images)
    assert all(max(image.size) <= 64 for image in small.images)
    assert small.images[texture.image].size == (64, 64)


def test_sheen_is_ignored_but_materials_still_load() -> None:
    model = shared_model("SheenChair")
    assert "KHR_materials_sheen" in model.extensions_ignored
    assert "KHR_materials_sheen" not in model.extensions_honoured
    assert any(m.base_color_texture is not None for m in model.materials)
    assert {"KHR_texture_transform", "KHR_materials_variants"} <= set(model.extensions_honoured)


def test_texture_transform_is_parsed_from_sheen_chair() -> None:
    source = shared_json("SheenChair")["materials"]
    model = shared_model("SheenChair")
    for index in (0, 1):
        texture_info = source[index]["pbrMetallicRoughness"]["baseColorTexture"]
        info = texture_info["extensions"]["KHR_texture_transform"]
        ref = model.materials[index].base_color_texture
        assert ref is not None
        assert ref.offset == pytest.approx(tuple(info["offset"]))
        assert ref.scale == pytest.approx(tuple(info["scale"]))
        assert ref.rotation == pytest.approx(info.get("rotation", 0.0))
    occlusion = model.materials[0].occlusion_texture
    assert occlusion is not None and occlusion.texcoord == 1  # texCoord override from the extension
    assert model.primitives[0].texcoords[1] is not None


def test_transmission_is_read() -> None:
    model = shared_model("ToyCar")
    glass = [m for m in model.materials if m.name == "Glass"]
    assert glass and glass[0].transmission == 1.0 and glass[0].is_transparent


def test_describe_reports_variants_and_extensions() -> None:
    shoe = describe(shared_model("MaterialsVariantsShoe"))
    for name in shared_model("MaterialsVariantsShoe").variants:
        assert name in shoe
    assert "KHR_materials_variants" in shoe
    chair = describe(shared_model("SheenChair"))
    ignored = [line for line in chair.splitlines() if line.startswith("extensions ignored:")]
    assert ignored and "KHR_materials_sheen" in ignored[0]
    line = summary_line(shared_model("SheenChair"))
    assert "\n" not in line and "SheenChair" in line
    assert str(shared_model("SheenChair").triangle_count) in line


# --- small generated files --------------------------------------------------------------------


def new_doc() -> tuple[Doc, bytearray]:
    doc: Doc = {"asset": {"version": "2.0"}, "bufferViews": [], "accessors": [], "scene": 0}
    return doc, bytearray()


def add_accessor(
    doc: Doc, blob: bytearray, data: npt.NDArray[Any], component: int, kind: str, **extra: Any
) -> int:
    """Append `data` as its own 4-byte aligned bufferView plus an accessor reading all of it."""
    offset, raw = len(blob), data.tobytes()
    blob += raw + b"\0" * (-len(raw) % 4)
    view = {"buffer": 0, "byteOffset": offset, "byteLength": len(raw), **extra.pop("view", {})}
    doc["bufferViews"].append(view)
    accessor = {"bufferView": len(doc["bufferViews"]) - 1, "componentType": component, "type": kind}
    doc["accessors"].append({**accessor, "count": len(data), **extra})
    return len(doc["accessors"]) - 1


def finish(doc: Doc, blob: bytes, primitive: Doc, node: Doc | None = None) -> Doc:
    encoded = base64.b64encode(blob).decode("ascii")
    doc["buffers"] = [{"byteLength": len(blob), "uri": f"data:application/octet-stream;base64,{encoded}"}]
    doc["meshes"] = [{"name": "generated", "primitives": [primitive]}]
    doc["nodes"] = [{"mesh": 0, **(node or {})}]
    doc["scenes"] = [{"nodes": [0]}]
    return doc


def write(folder: Path, doc: Doc, name: str = "model.gltf") -> Path:
    path = folder / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def triangle_doc() -> Doc:
    """One indexed triangle: the valid base the hostile tests break one field of."""
    doc, blob = new_doc()
    corners = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32)
    positions = add_accessor(doc, blob, corners, FLOAT, "VEC3")
    indices = add_accessor(doc, blob, np.array([0, 1, 2], np.uint16), U16, "SCALAR")
    return finish(doc, bytes(blob), {"attributes": {"POSITION": positions}, "indices": indices})


def test_generated_strip_is_converted_and_transform_baked(tmp_path: Path) -> None:
    quad = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]], np.float32)
    doc, blob = new_doc()
    positions = add_accessor(doc, blob, quad, FLOAT, "VEC3")
    node = {"translation": [10.0, 0.0, 0.0], "scale": [2.0, 2.0, 2.0]}
    finish(doc, bytes(blob), {"attributes": {"POSITION": positions}, "mode": 5}, node)
    model = load_gltf(write(tmp_path, doc))
    (primitive,) = model.primitives
    np.testing.assert_allclose(primitive.positions, quad * 2 + [10, 0, 0])
    assert primitive.indices.tolist() == [[0, 1, 2], [1, 3, 2]]  # spec strip order keeps CCW winding
    np.testing.assert_allclose(primitive.normals, np.tile([0, 0, 1], (4, 1)), atol=1e-6)
    assert model.materials[primitive.material].name == "default"
    assert model.mesh_names == ("generated",)


def test_generated_fan_mirror_sparse_and_normalized(tmp_path: Path) -> None:
    doc, blob = new_doc()
    fan = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], np.float32)
    sparse_index = add_accessor(doc, blob, np.array([3], np.uint8), U8, "SCALAR")
    sparse_value = add_accessor(doc, blob, np.array([[0, 2, 0]], np.float32), FLOAT, "VEC3")
    sparse = {
        "count": 1,
        "indices": {"bufferView": doc["accessors"][sparse_index]["bufferView"], "componentType": U8},
        "values": {"bufferView": doc["accessors"][sparse_value]["bufferView"]},
    }
    positions = add_accessor(doc, blob, fan, FLOAT, "VEC3", sparse=sparse)
    normals = add_accessor(doc, blob, np.tile(np.array([0, 0, 1], np.float32), (4, 1)), FLOAT, "VEC3")
    uv = np.array([[0, 0, 9, 9], [255, 0, 9, 9], [255, 255, 9, 9], [0, 255, 9, 9]], np.uint8)  # 2 pad bytes
    texcoords = add_accessor(doc, blob, uv, U8, "VEC2", normalized=True, view={"byteStride": 4})
    attributes = {"POSITION": positions, "NORMAL": normals, "TEXCOORD_0": texcoords}
    finish(doc, bytes(blob), {"attributes": attributes, "mode": 6}, {"scale": [-1.0, 1.0, 1.0]})
    (primitive,) = load_gltf(write(tmp_path, doc)).primitives
    expected = fan.copy()
    expected[3] = (0, 2, 0)
    np.testing.assert_allclose(primitive.positions, expected * [-1, 1, 1])
    assert primitive.triangle_count == 2
    p = primitive.positions[primitive.indices]
    face = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    assert (face[:, 2] > 0).all(), "mirrored node must flip the winding back to match the normals"
    np.testing.assert_allclose(primitive.normals, np.tile([0, 0, 1], (4, 1)), atol=1e-6)
    texcoord0 = primitive.texcoords[0]
    assert texcoord0 is not None
    np.testing.assert_allclose(texcoord0, [[0, 0], [1, 0], [1, 1], [0, 1]])


def test_generated_triangle_loads(tmp_path: Path) -> None:
    doc = triangle_doc()
    del doc["meshes"][0]["name"]
    model = load_gltf(write(tmp_path, doc))
    assert model.triangle_count == 1 and len(model.materials) == 1
    assert model.mesh_names == ("mesh_0",)


def test_generated_material_fields(tmp_path: Path) -> None:
    grey16 = PILImage.fromarray(np.full((8, 16), 0x8000, np.uint16))
    encoded = io.BytesIO()
    grey16.save(encoded, "PNG")
    doc = textured_doc("data:image/png;base64," + base64.b64encode(encoded.getvalue()).decode("ascii"))
    doc["extensionsUsed"] = ["KHR_materials_emissive_strength", "KHR_materials_clearcoat"]
    doc["samplers"] = [{"magFilter": 9728, "wrapS": 33071, "wrapT": 33648}]
    doc["textures"][0]["sampler"] = 0
    doc["materials"][0].update(
        name="trim",
        alphaMode="MASK",
        alphaCutoff=0.25,
        doubleSided=True,
        emissiveFactor=[1.0, 0.5, 0.0],
        normalTexture={"index": 0, "scale": 0.5, "texCoord": 1},
        occlusionTexture={"index": 0, "strength": 0.75},
        extensions={"KHR_materials_emissive_strength": {"emissiveStrength": 4.0}},
    )
    model = load_gltf(write(tmp_path, doc))
    (material,) = model.materials
    assert (material.name, material.alpha_mode, material.alpha_cutoff) == ("trim", "MASK", 0.25)
    assert material.double_sided and material.emissive_strength == 4.0
    assert material.emissive_factor == (1.0, 0.5, 0.0)
    assert (material.normal_scale, material.occlusion_strength) == (0.5, 0.75)
    assert material.normal_texture is not None and material.normal_texture.texcoord == 1
    texture = material.base_color_texture
    assert texture is not None and texture.sampler == Sampler(WRAP_CLAMP, WRAP_MIRROR, nearest=True)
    assert len(model.images) == 1 and model.images[0].size == (16, 8)
    assert model.images[0].pixels[0, 0].tolist() == [128, 128, 128, 255]  # 16-bit grey keeps its level
    assert model.extensions_honoured == ("KHR_materials_emissive_strength",)
    assert model.extensions_ignored == ("KHR_materials_clearcoat",)


def test_instancing_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gltf_loader, "MAX_TOTAL_VERTICES", 8)
    doc = triangle_doc()
    doc["nodes"] = [{"children": [1, 2, 3]}, {"mesh": 0}, {"mesh": 0}, {"mesh": 0}]
    expect_error(write(tmp_path, doc), "too large")


# --- hostile files ----------------------------------------------------------------------------


def expect_error(path: Path, *words: str) -> str:
    with pytest.raises(AssetError) as caught:
        load_gltf(path)
    message = str(caught.value)
    assert path.name in message, message
    for word in words:
        assert word.lower() in message.lower(), message
    return message


def png_header(width: int, height: int) -> bytes:
    """A PNG whose IHDR declares `width` x `height` but that carries no pixel data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def textured_doc(image_uri: str) -> Doc:
    doc = triangle_doc()
    doc["images"] = [{"uri": image_uri}]
    doc["textures"] = [{"source": 0}]
    doc["materials"] = [{"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}}]
    doc["meshes"][0]["primitives"][0]["material"] = 0
    return doc


def test_truncated_glb(tmp_path: Path) -> None:
    data = shared_path("SunglassesKhronos").read_bytes()
    path = tmp_path / "half.glb"
    path.write_bytes(data[: len(data) // 2])
    expect_error(path, "truncated")


def test_glb_with_wrong_magic(tmp_path: Path) -> None:
    path = tmp_path / "magic.glb"
    path.write_bytes(b"glTX" + shared_path("SunglassesKhronos").read_bytes()[4:])
    expect_error(path, "magic")


def test_missing_external_buffer(tmp_path: Path) -> None:
    doc = triangle_doc()
    doc["buffers"][0]["uri"] = "nope.bin"
    expect_error(write(tmp_path, doc), "nope.bin", "not found")


def test_buffer_shorter_than_byte_length(tmp_path: Path) -> None:
    doc = triangle_doc()
    (tmp_path / "short.bin").write_bytes(b"\0" * 10)
    doc["buffers"][0]["uri"] = "short.bin"
    expect_error(write(tmp_path, doc), "short.bin", "shorter")


@pytest.mark.parametrize(
    ("uri", "word"),
    [
        ("../../../etc/passwd", "escapes the model folder"),
        ("sub/../../outside.bin", "escapes the model folder"),
        ("/etc/passwd", "absolute"),
        ("http://example.com/model.bin", "scheme"),
        ("file:///etc/passwd", "scheme"),
    ],
)
def test_unsafe_buffer_uris(tmp_path: Path, uri: str, word: str) -> None:
    doc = triangle_doc()
    doc["buffers"][0]["uri"] = uri
    message = expect_error(write(tmp_path, doc), word)
    assert uri in message


def test_symlink_out_of_folder(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (tmp_path / "secret.bin").write_bytes(b"\0" * 64)
    (folder / "link.bin").symlink_to(tmp_path / "secret.bin")
    doc = triangle_doc()
    doc["buffers"][0]["uri"] = "link.bin"
    expect_error(write(folder, doc), "link.bin", "escapes")


def test_absurd_accessor_count(tmp_path: Path) -> None:
    doc = triangle_doc()
    doc["accessors"][0]["count"] = 10**12
    expect_error(write(tmp_path, doc), "absurd")


def test_accessor_past_its_buffer_view(tmp_path: Path) -> None:
    doc = triangle_doc()
    doc["accessors"][0]["byteOffset"] = 8
    expect_error(write(tmp_path, doc), "accessors[0]", "past the end")


def test_buffer_view_past_its_buffer(tmp_path: Path) -> None:
    doc = triangle_doc()
    doc["bufferViews"][0]["byteLength"] = 4096
    expect_error(write(tmp_path, doc), "bufferViews[0]", "past the end")


def test_index_out_of_range(tmp_path: Path) -> None:
    doc, blob = new_doc()
    positions = add_accessor(doc, blob, np.zeros((3, 3), np.float32), FLOAT, "VEC3")
    indices = add_accessor(doc, blob, np.array([0, 1, 7], np.uint16), U16, "SCALAR")
    finish(doc, bytes(blob), {"attributes": {"POSITION": positions}, "indices": indices})
    expect_error(write(tmp_path, doc), "index 7", "out of range")


def test_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.gltf"
    path.write_text('{"asset": {"version": "2.0"}, ', encoding="utf-8")
    expect_error(path, "invalid JSON")


def test_old_gltf_version(tmp_path: Path) -> None:
    doc = triangle_doc()
    doc["asset"]["version"] = "1.0"
    expect_error(write(tmp_path, doc), "version", "1.0")


def test_required_draco(tmp_path: Path) -> None:
    doc = triangle_doc()
    doc["extensionsUsed"] = doc["extensionsRequired"] = ["KHR_draco_mesh_compression"]
    expect_error(write(tmp_path, doc), "requires unsupported extension KHR_draco_mesh_compression")


@pytest.mark.parametrize(
    ("content", "word"),
    [
        (png_header(100_000, 100_000), "too large"),  # PIL's decompression-bomb guard
        (png_header(20_000, 8), "too large"),  # small in pixels, but over the per-side limit
        (b"this is not an image at all", "decode"),
        (png_header(64, 64), "decode"),  # valid header, no pixel data
    ],
)
def test_bad_images_are_named(tmp_path: Path, content: bytes, word: str) -> None:
    (tmp_path / "picture.png").write_bytes(content)
    message = expect_error(write(tmp_path, textured_doc("picture.png")), word)
    assert "images[0]" in message and "picture.png" in message


def test_unused_images_are_not_decoded(tmp_path: Path) -> None:
    (tmp_path / "picture.png").write_bytes(b"garbage")
    doc = textured_doc("picture.png")
    del doc["materials"][0]["pbrMetallicRoughness"]
    model = load_gltf(write(tmp_path, doc))
    assert model.images == ()


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.glb"
    path.write_bytes(b"")
    expect_error(path, "empty")


def test_directory_path(tmp_path: Path) -> None:
    path = tmp_path / "folder.gltf"
    path.mkdir()
    expect_error(path, "directory")


def test_missing_model_file(tmp_path: Path) -> None:
    expect_error(tmp_path / "absent.glb", "not found")


def test_glb_copy_still_loads(tmp_path: Path) -> None:
    """The hostile GLB tests start from this file, so prove the untouched copy is fine."""
    path = tmp_path / "copy.glb"
    shutil.copyfile(shared_path("SunglassesKhronos"), path)
    assert load_gltf(path).triangle_count == shared_model("SunglassesKhronos").triangle_count
