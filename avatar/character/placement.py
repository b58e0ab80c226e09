"""Where the assistant stands in a showroom layout: beside a plinth, in view of the shopper.

Pure layout arithmetic (no state): the spot sits on the shopper's right of the plinth, a little
towards the browse camera, so the figure and the product share the picture; it faces the
camera, turned partly toward the product it presents.
"""

from __future__ import annotations

import math

import numpy as np

from scenes.layout import Layout
from scenes.math3d import Vec3, vec3

__all__ = ["FIGURE_SCALE", "home", "spot_beside", "wrap_deg", "yaw_deg"]

FIGURE_SCALE = 0.9  # the figure is built 1.6 m tall; this keeps its head in the browse camera's frame
_SIDE_GAP = 0.3  # metres between the plinth's edge and the figure's centre
_FORWARD = 0.45  # metres from the plinth line toward the camera
_TURN_TO_PRODUCT = 0.3  # 0: faces the camera, 1: faces the product


def wrap_deg(angle: float) -> float:
    """An angle in degrees brought into [-180, 180)."""
    return (angle + 180.0) % 360.0 - 180.0


def yaw_deg(direction: Vec3) -> float:
    """Yaw about +Y (degrees) of a horizontal direction; yaw 0 faces +Z, like a slot's yaw."""
    return math.degrees(math.atan2(float(direction[0]), float(direction[2])))


def spot_beside(layout: Layout, slot_index: int, slot_count: int) -> tuple[Vec3, float]:
    """(floor position, facing in degrees) for the assistant presenting slot `slot_index`."""
    if not 0 <= slot_index < slot_count:
        raise ValueError(f"slot {slot_index} is not one of {slot_count} slots")
    pose = layout.slot(slot_index, slot_count)
    facing = vec3(math.sin(pose.yaw), 0.0, math.cos(pose.yaw))  # from the plinth toward its camera
    right = vec3(math.cos(pose.yaw), 0.0, -math.sin(pose.yaw))  # the shopper's right
    base = vec3(pose.x, 0.0, pose.z)
    spot = (base + right * (layout.plinth.radius + _SIDE_GAP) + facing * _FORWARD).astype(np.float32)
    camera = base + facing * layout.camera.browse_distance
    to_camera, to_product = yaw_deg(camera - spot), yaw_deg(base - spot)
    heading = to_camera + _TURN_TO_PRODUCT * wrap_deg(to_product - to_camera)
    return spot, wrap_deg(heading)


def home(layout: Layout, count: int) -> tuple[Vec3, float]:
    """Where the assistant waits at first: beside the first slot, which the showroom focuses first.

    With no products it stands at the centre, facing the default camera.
    """
    if count <= 0:
        return vec3(0.0, 0.0, 0.0), 0.0
    return spot_beside(layout, 0, count)
