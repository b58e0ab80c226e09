"""What can happen to the showroom: every input (remote, pointer, gesture, assistant) becomes one of these."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Action",
    "Back",
    "FocusNext",
    "FocusPrevious",
    "FocusProduct",
    "HandCursor",
    "Inspect",
    "NextVariant",
    "Orbit",
    "SelectVariant",
    "Zoom",
]


@dataclass(frozen=True)
class FocusNext:
    """Move the focus one plinth to the right (wraps around)."""


@dataclass(frozen=True)
class FocusPrevious:
    """Move the focus one plinth to the left (wraps around)."""


@dataclass(frozen=True)
class FocusProduct:
    product_id: str


@dataclass(frozen=True)
class Inspect:
    """Go close to the focused product to orbit and zoom it."""


@dataclass(frozen=True)
class Back:
    """Leave inspect mode; in browse mode nothing to undo."""


@dataclass(frozen=True)
class Orbit:
    """Turn the inspect camera: radians around the product (yaw) and up/down (pitch)."""

    yaw: float = 0.0
    pitch: float = 0.0


@dataclass(frozen=True)
class Zoom:
    """Factor above 1 moves closer, below 1 further; clamped to the rig's distances."""

    factor: float


@dataclass(frozen=True)
class SelectVariant:
    """Pick the focused product's colourway by index into its variants."""

    index: int


@dataclass(frozen=True)
class NextVariant:
    """Cycle the focused product's colourway."""


@dataclass(frozen=True)
class HandCursor:
    """Where a viewer's hand points, 0..1 across the picture from its top-left; None hides the cursor.

    Shown in the picture (every co-browser sees it) but not part of the snapshot: it moves many
    times a second and clients have nothing to do with it.
    """

    position: tuple[float, float] | None


Action = (
    FocusNext
    | FocusPrevious
    | FocusProduct
    | Inspect
    | Back
    | Orbit
    | Zoom
    | SelectVariant
    | NextVariant
    | HandCursor
)
