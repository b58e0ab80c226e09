"""Materials' textures: textureInfo/sampler resolution and decoding of the images they use.

Kept apart from geometry because images are the loader's other big cost and risk: only images a
material actually refers to are decoded, each size-checked from its header before decoding and
downscaled to the renderer's texture limit, and any PIL failure becomes a `GltfProblem`.
"""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from assets.gltf_container import Buffers
from assets.gltf_json import (
    GltfProblem,
    JsonObject,
    as_object,
    child_object,
    element,
    get_float,
    get_floats,
    get_int,
    get_str,
    opt_int,
)
from assets.model import WRAP_CLAMP, WRAP_MIRROR, WRAP_REPEAT, Image, Sampler, TextureRef

__all__ = ["MAX_IMAGE_SIDE", "Textures", "decode_images"]

U8 = npt.NDArray[np.uint8]

MAX_IMAGE_SIDE = 16384
_WRAPS = (WRAP_REPEAT, WRAP_CLAMP, WRAP_MIRROR)
_NEAREST = 9728


class Textures:
    """Turns textureInfo objects into TextureRefs and numbers the images they use, in first-use order."""

    def __init__(self, doc: JsonObject) -> None:
        self._doc = doc
        self.slots: dict[int, int] = {}  # glTF image index -> Model.images index

    def ref(self, info_value: object, what: str) -> TextureRef | None:
        """None for an absent textureInfo or one with no decodable source, so factors still apply."""
        if info_value is None:
            return None
        info = as_object(info_value, what)
        index = get_int(info, "index", what)
        texture = element(self._doc, "textures", index, what)
        source = opt_int(texture, "source", f"textures[{index}]")
        if source is None:  # e.g. a KHR_texture_basisu-only texture: the factors still apply
            return None
        element(self._doc, "images", source, f"textures[{index}]")
        slot = self.slots.setdefault(source, len(self.slots))
        transform = child_object(child_object(info, "extensions", what), "KHR_texture_transform", what)
        offset = get_floats(transform, "offset", what, (0.0, 0.0))
        scale = get_floats(transform, "scale", what, (1.0, 1.0))
        return TextureRef(
            image=slot,
            sampler=self._sampler(opt_int(texture, "sampler", f"textures[{index}]")),
            texcoord=get_int(transform, "texCoord", what, get_int(info, "texCoord", what, 0)),
            offset=(offset[0], offset[1]),
            rotation=get_float(transform, "rotation", what, 0.0),
            scale=(scale[0], scale[1]),
        )

    def _sampler(self, index: int | None) -> Sampler:
        if index is None:
            return Sampler()
        spec = element(self._doc, "samplers", index, "texture")
        what = f"samplers[{index}]"
        wrap_s, wrap_t = get_int(spec, "wrapS", what, WRAP_REPEAT), get_int(spec, "wrapT", what, WRAP_REPEAT)
        return Sampler(
            wrap_s=wrap_s if wrap_s in _WRAPS else WRAP_REPEAT,
            wrap_t=wrap_t if wrap_t in _WRAPS else WRAP_REPEAT,
            nearest=get_int(spec, "magFilter", what, 0) == _NEAREST,
        )


def decode_images(
    buffers: Buffers, doc: JsonObject, slots: dict[int, int], max_size: int
) -> tuple[Image, ...]:
    """Decode only the images in `slots` (those some material uses), in Model.images order."""
    images = []
    for source in sorted(slots, key=slots.__getitem__):
        spec = element(doc, "images", source, "texture")
        uri = spec.get("uri")
        fallback = uri.rsplit("/", 1)[-1] if isinstance(uri, str) and not uri.startswith("data:") else ""
        name = get_str(spec, "name", f"images[{source}]", fallback or f"image_{source}")
        what = f"images[{source}] ({name!r})"
        images.append(Image(name, _decode_pixels(buffers.image_bytes(source, what), what, max_size)))
    return tuple(images)


def _decode_pixels(data: memoryview, what: str, max_size: int) -> U8:
    """RGBA8 pixels no larger than max_size a side; the header's size is checked before decoding."""
    try:
        with PILImage.open(io.BytesIO(data)) as img:
            width, height = img.size
            if max(width, height) > MAX_IMAGE_SIDE:
                raise GltfProblem(f"{what} is {width}x{height} px, too large (limit {MAX_IMAGE_SIDE} a side)")
            target = _fit(width, height, max_size, what)
            if img.format == "JPEG" and target != (width, height):
                img.draft(None, target)  # let libjpeg decode at a reduced scale: far less work
            rgba = _to_rgba(img)
        if rgba.size != target:
            rgba = rgba.resize(target, PILImage.Resampling.LANCZOS, reducing_gap=3.0)
        return np.array(rgba, dtype=np.uint8)
    except GltfProblem:
        raise
    except PILImage.DecompressionBombError as exc:
        raise GltfProblem(f"{what} is too large to decode safely: {exc}") from None
    except UnidentifiedImageError:
        raise GltfProblem(f"cannot decode {what}: not a PNG, JPEG or other known image format") from None
    except Exception as exc:  # truncated or corrupt data: PIL raises OSError, SyntaxError, ValueError...
        raise GltfProblem(f"cannot decode {what}: {exc}") from None


def _to_rgba(img: PILImage.Image) -> PILImage.Image:
    """PIL clips 16-bit grey to 255 when converting; keep the high byte instead."""
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        wide = np.asarray(img).astype(np.int64)
        img = PILImage.fromarray((np.clip(wide, 0, 65535) >> 8).astype(np.uint8))
    return img.convert("RGBA")


def _fit(width: int, height: int, max_size: int, what: str) -> tuple[int, int]:
    if width < 1 or height < 1:
        raise GltfProblem(f"{what} has no pixels ({width}x{height})")
    if max(width, height) <= max_size:
        return width, height
    scale = max_size / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))
