"""Reading a glTF 2.0 file's bytes safely: the GLB container, JSON, URIs, buffers and accessors.

Every way a hostile file could escape its folder, make numpy read out of bounds or ask for
gigabytes is checked here, so the loader on top can treat the arrays it gets as trustworthy.
Problems are raised as `gltf_json.GltfProblem` (no path attached); `load_gltf` turns them into
AssetError.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import stat
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, unquote_to_bytes, urlsplit

import numpy as np
import numpy.typing as npt

from assets.gltf_json import (
    GltfProblem,
    JsonObject,
    as_object,
    child_object,
    element,
    get_bool,
    get_int,
    get_str,
    opt_int,
)

__all__ = [
    "MAX_ACCESSOR_ELEMENTS",
    "MAX_FILE_BYTES",
    "Accessors",
    "Buffers",
    "Document",
    "read_document",
    "resolve_uri",
]

F32 = npt.NDArray[np.float32]
U32 = npt.NDArray[np.uint32]

MAX_FILE_BYTES = 1 << 30  # model files and each external buffer/image
MAX_ACCESSOR_ELEMENTS = 50_000_000

_GLB_MAGIC = b"glTF"
_CHUNK_JSON = 0x4E4F534A
_CHUNK_BIN = 0x004E4942

_COMPONENTS: dict[int, np.dtype[Any]] = {
    5120: np.dtype("<i1"),
    5121: np.dtype("<u1"),
    5122: np.dtype("<i2"),
    5123: np.dtype("<u2"),
    5125: np.dtype("<u4"),
    5126: np.dtype("<f4"),
}
_INDEX_COMPONENTS = (5121, 5123, 5125)
_WIDTHS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}  # matrices are never vertex data


# --- the file itself --------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """The parsed JSON plus where its relative URIs and GLB-embedded buffer live."""

    json: JsonObject
    folder: Path
    glb_bin: memoryview | None


def read_document(path: Path) -> Document:
    data = _read_regular_file(path, "file")
    if len(data) == 0:
        raise GltfProblem("empty file")
    glb_bin: memoryview | None = None
    if bytes(data[:4]) == _GLB_MAGIC:
        json_bytes, glb_bin = _split_glb(data)
    elif path.suffix.lower() == ".glb":
        raise GltfProblem(f"not a GLB file: bad magic {bytes(data[:4])!r} (expected b'glTF')")
    else:
        json_bytes = data
    doc = _parse_json(json_bytes)
    _check_version(doc)
    return Document(doc, path.parent, glb_bin)


def _read_regular_file(path: Path, what: str, limit: int = MAX_FILE_BYTES) -> memoryview:
    """Stat first so directories, FIFOs and huge files are refused before a single read."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise GltfProblem(f"{what} not found") from None
    except (OSError, ValueError) as exc:
        raise GltfProblem(f"cannot read {what}: {exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise GltfProblem(f"{what} is a directory, not a glTF file")
    if not stat.S_ISREG(info.st_mode):
        raise GltfProblem(f"{what} is not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise GltfProblem(f"{what} is {info.st_size} bytes, over the {MAX_FILE_BYTES} byte (1 GiB) limit")
    try:
        with path.open("rb") as handle:
            data = handle.read(min(limit, MAX_FILE_BYTES) + 1)
    except OSError as exc:
        raise GltfProblem(f"cannot read {what}: {exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise GltfProblem(f"{what} grew past the 1 GiB limit while being read")
    return memoryview(data)


def _split_glb(data: memoryview) -> tuple[memoryview, memoryview | None]:
    if len(data) < 12:
        raise GltfProblem(f"truncated GLB: {len(data)} bytes, shorter than the 12-byte header")
    _, version, length = struct.unpack_from("<4sII", data)
    if version != 2:
        raise GltfProblem(f"GLB container version {version} is not supported (need 2)")
    if length > len(data):
        raise GltfProblem(f"truncated GLB: header declares {length} bytes but the file has {len(data)}")
    json_chunk: memoryview | None = None
    bin_chunk: memoryview | None = None
    offset = 12
    while offset + 8 <= length:
        chunk_length, chunk_type = struct.unpack_from("<II", data, offset)
        start, end = offset + 8, offset + 8 + chunk_length
        if end > length:
            raise GltfProblem(f"truncated GLB: the chunk at byte {offset} runs past the end of the file")
        if json_chunk is None:
            if chunk_type != _CHUNK_JSON:
                raise GltfProblem("GLB's first chunk is not JSON")
            json_chunk = data[start:end]
        elif chunk_type == _CHUNK_BIN and bin_chunk is None:
            bin_chunk = data[start:end]
        offset = end
    if json_chunk is None:
        raise GltfProblem("truncated GLB: no JSON chunk")
    return json_chunk, bin_chunk


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


def _parse_json(raw: memoryview) -> JsonObject:
    try:
        value = json.loads(str(raw, "utf-8-sig"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise GltfProblem(f"invalid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise GltfProblem("invalid JSON: the top level is not an object")
    return value


def _check_version(doc: JsonObject) -> None:
    asset = child_object(doc, "asset", "glTF")
    version = get_str(asset, "version", "asset", "")
    if not version:
        raise GltfProblem("asset.version is missing: not a glTF 2.0 file")
    if not re.fullmatch(r"2\.\d+", version):
        raise GltfProblem(f"unsupported glTF version {version!r} (need 2.x)")
    minimum = get_str(asset, "minVersion", "asset", "2.0")
    if minimum != "2.0":
        raise GltfProblem(f"asset.minVersion {minimum!r} is newer than the supported 2.0")


# --- URIs -------------------------------------------------------------------------------------


def resolve_uri(folder: Path, uri: str, what: str) -> Path:
    """A relative URI as a real path, refusing schemes, absolute paths and anything outside `folder`."""
    try:
        parts = urlsplit(uri)
    except ValueError as exc:
        raise GltfProblem(f"{what} uri {uri!r} is malformed: {exc}") from None
    if parts.scheme:
        raise GltfProblem(f"{what} uri {uri!r} has unsupported scheme {parts.scheme!r} (only relative paths)")
    relative = unquote(parts.path).replace("\\", "/")
    if parts.netloc or relative.startswith("/") or uri.startswith(("/", "\\")):
        raise GltfProblem(f"{what} uri {uri!r} is an absolute path; only paths inside the model folder")
    if "\x00" in relative or not relative:
        raise GltfProblem(f"{what} uri {uri!r} is not a usable file name")
    try:
        base = folder.resolve()
        target = (base / relative).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # RuntimeError: a symlink loop
        raise GltfProblem(f"{what} uri {uri!r} cannot be resolved: {exc}") from None
    if not target.is_relative_to(base):
        raise GltfProblem(f"{what} uri {uri!r} escapes the model folder")
    return target


def _read_uri(folder: Path, uri: str, what: str, limit: int = MAX_FILE_BYTES) -> memoryview:
    if uri.startswith("data:"):
        return _decode_data_uri(uri, what)
    target = resolve_uri(folder, uri, what)
    return _read_regular_file(target, f"{what} uri {uri!r}", limit)


def _decode_data_uri(uri: str, what: str) -> memoryview:
    header, comma, payload = uri.partition(",")
    if not comma:
        raise GltfProblem(f"{what} has a malformed data: uri (no comma)")
    try:
        if header.endswith(";base64"):
            return memoryview(base64.b64decode(payload))
        return memoryview(unquote_to_bytes(payload))
    except (binascii.Error, ValueError) as exc:
        raise GltfProblem(f"{what} has a data: uri that is not valid base64: {exc}") from None


# --- buffers, views and accessors -------------------------------------------------------------


class Buffers:
    """Buffers loaded on first use (and only those used), and range-checked bufferView slices."""

    def __init__(self, doc: Document) -> None:
        self._doc = doc
        self._cache: dict[int, memoryview] = {}

    def buffer(self, index: int, what: str) -> memoryview:
        if index not in self._cache:
            self._cache[index] = self._load(index, what)
        return self._cache[index]

    def _load(self, index: int, what: str) -> memoryview:
        name = f"buffers[{index}]"
        spec = element(self._doc.json, "buffers", index, what)
        length = get_int(spec, "byteLength", name, minimum=1)
        uri = spec.get("uri")
        if uri is None:
            if self._doc.glb_bin is None:
                raise GltfProblem(f"{name} has no uri and the file has no GLB BIN chunk")
            data, source = self._doc.glb_bin, "the GLB BIN chunk"
        else:
            if not isinstance(uri, str):
                raise GltfProblem(f"{name}.uri must be a string")
            data, source = _read_uri(self._doc.folder, uri, name, limit=length), f"uri {uri!r}"
        if len(data) < length:
            raise GltfProblem(f"{name} ({source}) is {len(data)} bytes, shorter than byteLength {length}")
        return data[:length]

    def view(self, index: int, what: str) -> tuple[memoryview, int | None]:
        """The bytes of bufferViews[index] and its byteStride, checked against the buffer."""
        name = f"bufferViews[{index}]"
        spec = element(self._doc.json, "bufferViews", index, what)
        buffer_index = get_int(spec, "buffer", name)
        offset = get_int(spec, "byteOffset", name, 0)
        length = get_int(spec, "byteLength", name, minimum=1)
        stride = opt_int(spec, "byteStride", name)
        if stride is not None and not 4 <= stride <= 252:
            raise GltfProblem(f"{name}.byteStride {stride} is outside 4..252")
        data = self.buffer(buffer_index, name)
        if offset + length > len(data):
            raise GltfProblem(
                f"{name} (offset {offset}, length {length}) extends past the end of "
                f"buffers[{buffer_index}] ({len(data)} bytes)"
            )
        return data[offset : offset + length], stride

    def image_bytes(self, index: int, what: str) -> memoryview:
        spec = element(self._doc.json, "images", index, what)
        uri = spec.get("uri")
        if uri is not None:
            if not isinstance(uri, str):
                raise GltfProblem(f"{what}.uri must be a string")
            return _read_uri(self._doc.folder, uri, what)
        view = opt_int(spec, "bufferView", what)
        if view is None:
            raise GltfProblem(f"{what} has neither a uri nor a bufferView")
        return self.view(view, what)[0]


class Accessors:
    """Accessor arrays as numpy, decoded once each; every byte range is checked before viewing."""

    def __init__(self, doc: Document, buffers: Buffers) -> None:
        self._doc = doc
        self._buffers = buffers
        self._cache: dict[int, tuple[npt.NDArray[Any], bool]] = {}

    def floats(self, index: int, what: str, widths: tuple[int, ...]) -> F32:
        """(count, width) float32, with normalized integers mapped to [0, 1] or [-1, 1]."""
        raw, normalized = self._raw(index, what)
        if raw.shape[1] not in widths:
            raise GltfProblem(f"{what} accessor {index} has {raw.shape[1]} components, expected {widths}")
        values = raw.astype(np.float32)
        if normalized and raw.dtype.kind in "iu":
            values /= float(np.iinfo(raw.dtype).max)
            np.maximum(values, -1.0, out=values)
        if not np.isfinite(values).all():
            raise GltfProblem(f"{what} accessor {index} contains NaN or infinite values")
        return values

    def indices(self, index: int, what: str) -> U32:
        raw, _ = self._raw(index, what)
        if raw.shape[1] != 1 or raw.dtype not in [_COMPONENTS[c] for c in _INDEX_COMPONENTS]:
            raise GltfProblem(f"{what} accessor {index} must be unsigned byte/short/int SCALAR")
        return raw.reshape(-1).astype(np.uint32)

    def _raw(self, index: int, what: str) -> tuple[npt.NDArray[Any], bool]:
        if index not in self._cache:
            self._cache[index] = self._read(index, what)
        return self._cache[index]

    def _read(self, index: int, what: str) -> tuple[npt.NDArray[Any], bool]:
        name = f"accessors[{index}]"
        spec = element(self._doc.json, "accessors", index, what)
        dtype = _component(spec, name)
        kind = get_str(spec, "type", name, "")
        width = _WIDTHS.get(kind)
        if width is None:
            raise GltfProblem(f"{name}.type {kind!r} is not usable as vertex data")
        count = get_int(spec, "count", name, minimum=1)
        if count > MAX_ACCESSOR_ELEMENTS or count * width > MAX_ACCESSOR_ELEMENTS:
            raise GltfProblem(f"{name} count {count} is absurd (limit {MAX_ACCESSOR_ELEMENTS} elements)")
        view = opt_int(spec, "bufferView", name)
        if view is None:
            values = np.zeros((count, width), dtype)
        else:
            offset = get_int(spec, "byteOffset", name, 0)
            values = self._view_array(view, offset, dtype, count, width, name)
        sparse = spec.get("sparse")
        if sparse is not None:
            self._apply_sparse(values, as_object(sparse, f"{name}.sparse"), name)
        return values, get_bool(spec, "normalized", name, False)

    def _view_array(
        self, view: int, offset: int, dtype: np.dtype[Any], count: int, width: int, what: str
    ) -> npt.NDArray[Any]:
        data, stride = self._buffers.view(view, what)
        element_size = dtype.itemsize * width
        step = element_size if stride is None else stride
        if step < element_size:
            raise GltfProblem(f"{what}: bufferViews[{view}].byteStride {step} is smaller than an element")
        end = offset + step * (count - 1) + element_size
        if end > len(data):
            raise GltfProblem(
                f"{what} (offset {offset}, {count} x {step} bytes) extends past the end of "
                f"bufferViews[{view}] ({len(data)} bytes)"
            )
        shape, strides = (count, width), (step, dtype.itemsize)
        return np.ndarray(shape, dtype, buffer=data, offset=offset, strides=strides).copy()

    def _apply_sparse(self, values: npt.NDArray[Any], sparse: JsonObject, what: str) -> None:
        name = f"{what}.sparse"
        count = get_int(sparse, "count", name, minimum=1)
        if count > len(values):
            raise GltfProblem(f"{name}.count {count} exceeds the accessor's {len(values)} elements")
        idx_spec = child_object(sparse, "indices", name)
        val_spec = child_object(sparse, "values", name)
        idx_type = get_int(idx_spec, "componentType", f"{name}.indices")
        if idx_type not in _INDEX_COMPONENTS:
            raise GltfProblem(f"{name}.indices.componentType {idx_type} is not an unsigned integer type")
        idx_view = get_int(idx_spec, "bufferView", f"{name}.indices")
        idx_offset = get_int(idx_spec, "byteOffset", f"{name}.indices", 0)
        targets = self._view_array(idx_view, idx_offset, _COMPONENTS[idx_type], count, 1, name).reshape(-1)
        if int(targets.max()) >= len(values):
            raise GltfProblem(f"{name} index {int(targets.max())} is out of range ({len(values)} elements)")
        val_view = get_int(val_spec, "bufferView", f"{name}.values")
        val_offset = get_int(val_spec, "byteOffset", f"{name}.values", 0)
        values[targets] = self._view_array(val_view, val_offset, values.dtype, count, values.shape[1], name)


def _component(spec: JsonObject, what: str) -> np.dtype[Any]:
    code = get_int(spec, "componentType", what)
    dtype = _COMPONENTS.get(code)
    if dtype is None:
        raise GltfProblem(f"{what}.componentType {code} is not a glTF component type")
    return dtype
