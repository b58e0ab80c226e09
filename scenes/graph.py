"""One frame of the showroom as plain data: what to draw, from where, under which light."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from scenes.math3d import Mat4, Vec3

__all__ = ["Camera", "FigureNode", "FrameScene", "Light", "Mode", "PlinthNode", "ProductNode"]


class Mode(StrEnum):
    BROWSE = "browse"
    INSPECT = "inspect"


@dataclass(frozen=True)
class Camera:
    eye: Vec3
    target: Vec3
    fov_deg: float
    near: float = 0.05
    far: float = 80.0


@dataclass(frozen=True)
class Light:
    """A directional key light; direction points from the light toward the scene."""

    direction: Vec3
    color: Vec3
    intensity: float


@dataclass(frozen=True)
class ProductNode:
    product_id: str
    transform: Mat4  # model -> world, the product's pivot (base centre) on the plinth top
    variant: int | None
    focus: float  # 0..1, eased: how much the showroom highlights this product


@dataclass(frozen=True)
class PlinthNode:
    transform: Mat4  # base centre on the floor
    radius: float
    height: float
    focus: float


@dataclass(frozen=True)
class FigureNode:
    """The assistant's pose for one frame: where it stands and how its skeleton bends."""

    transform: Mat4  # figure root -> world (its feet on the floor, facing its local +Z)
    bones: npt.NDArray[np.float32]  # (B, 4, 4) skinning matrices: bind space -> figure space
    mouth: tuple[float, float, float]  # (open, wide, round) in 0..1, as avatar.mouth.MouthShape
    glow: float  # 0..1: brighter while it talks or listens
    state: str  # what it is doing (idle, listening, talking, pointing, walking)
    presence: float = 1.0  # 0..1: how materialised it is (it fades out and in when it beams away)


@dataclass(frozen=True)
class FrameScene:
    """Everything the renderer needs for one frame; it holds no GL objects."""

    camera: Camera
    key_light: Light
    products: tuple[ProductNode, ...]
    plinths: tuple[PlinthNode, ...]
    time: float
    mode: Mode
    hand: tuple[float, float] | None = None  # the hand cursor, 0..1 across the picture; None: none
    assistant: FigureNode | None = None  # the shopping assistant's figure; None: not shown
