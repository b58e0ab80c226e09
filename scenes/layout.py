"""Showroom layouts are data files; this module validates them and places product slots."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = [
    "Arrangement",
    "CameraRig",
    "DisplayBox",
    "FloorSpec",
    "Layout",
    "LayoutError",
    "LightingSpec",
    "PlinthSpec",
    "SlotPose",
    "default_layout",
    "load_layout",
]

_LAYOUT_DIR = Path(__file__).parent / "layouts"

Color = tuple[float, float, float]


class LayoutError(ValueError):
    """A layout file that cannot be used; the message names the file and the field."""


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Arrangement(_Data):
    kind: Literal["arc", "row"] = "arc"
    radius: float = Field(9.0, gt=0, description="arc radius in metres (ignored for a row)")
    spacing: float = Field(1.9, gt=0, description="distance between neighbouring plinths")


class PlinthSpec(_Data):
    radius: float = Field(0.6, gt=0)
    height: float = Field(0.4, ge=0)
    ring_color: Color = (0.25, 0.85, 1.0)
    glow: float = Field(2.0, ge=0)


class DisplayBox(_Data):
    """Every product is scaled to fit this box on its plinth, whatever its real size."""

    footprint: float = Field(1.0, gt=0)
    height: float = Field(1.0, gt=0)


class CameraRig(_Data):
    fov_deg: float = Field(40.0, gt=5, lt=150)
    browse_distance: float = Field(3.4, gt=0)
    browse_height: float = 1.55
    look_height: float = 0.8
    inspect_distance: float = Field(1.9, gt=0)
    inspect_min_distance: float = Field(0.7, gt=0)
    inspect_max_distance: float = Field(3.5, gt=0)
    pitch_min_deg: float = Field(-10.0, ge=-89, le=89)
    pitch_max_deg: float = Field(70.0, ge=-89, le=89)
    smoothing: float = Field(6.0, gt=0, description="camera easing rate per second")


class LightingSpec(_Data):
    environment: str = "studio"
    environment_intensity: float = Field(1.0, ge=0)
    environment_rotation_deg: float = 0.0
    background_intensity: float = Field(0.16, ge=0)
    key_direction: Color = (-0.45, -0.8, -0.4)
    key_color: Color = (1.0, 0.97, 0.92)
    key_intensity: float = Field(1.6, ge=0)


class FloorSpec(_Data):
    color: Color = (0.035, 0.04, 0.055)
    grid_color: Color = (0.15, 0.55, 0.8)
    grid_spacing: float = Field(1.0, gt=0)
    extent: float = Field(40.0, gt=0)


class SlotPose(_Data):
    """Where a plinth stands and which way its product faces (yaw about +Y, radians)."""

    x: float
    z: float
    yaw: float


class Layout(_Data):
    version: Literal[1] = 1
    name: str = "showroom"
    arrangement: Arrangement = Arrangement()
    plinth: PlinthSpec = PlinthSpec()
    display_box: DisplayBox = DisplayBox()
    camera: CameraRig = CameraRig()
    turntable_speed_deg: float = 14.0
    lights: LightingSpec = LightingSpec()
    floor: FloorSpec = FloorSpec()

    def slot(self, index: int, count: int) -> SlotPose:
        """Slots run left to right, centred on the origin; an arc curves them toward the viewer."""
        offset = (index - (count - 1) / 2.0) * self.arrangement.spacing
        if self.arrangement.kind == "row":
            return SlotPose(x=offset, z=0.0, yaw=0.0)
        radius = self.arrangement.radius
        angle = offset / radius
        # Centre of the arc lies in front (+Z) so the row bends around the visitor.
        return SlotPose(x=radius * math.sin(angle), z=radius - radius * math.cos(angle), yaw=-angle)


def load_layout(path: Path) -> Layout:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise LayoutError(f"{path}: cannot read layout: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise LayoutError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    try:
        return Layout.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise LayoutError(f"{path}: invalid layout: {problems}") from exc


def default_layout() -> Layout:
    return load_layout(_LAYOUT_DIR / "showroom.json")
