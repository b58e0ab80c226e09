"""The showroom as plain data: layout, scene graph and the interaction state machine (no OpenGL)."""

from scenes.actions import (
    Action,
    Back,
    FocusNext,
    FocusPrevious,
    FocusProduct,
    HandCursor,
    Inspect,
    NextVariant,
    Orbit,
    SelectVariant,
    Zoom,
)
from scenes.graph import Camera, FigureNode, FrameScene, Light, Mode, PlinthNode, ProductNode
from scenes.layout import Layout, LayoutError, default_layout, load_layout
from scenes.showroom import ProductSlot, Showroom, StateSnapshot

__all__ = [
    "Action",
    "Back",
    "Camera",
    "FigureNode",
    "FocusNext",
    "FocusPrevious",
    "FocusProduct",
    "FrameScene",
    "HandCursor",
    "Inspect",
    "Layout",
    "LayoutError",
    "Light",
    "Mode",
    "NextVariant",
    "Orbit",
    "PlinthNode",
    "ProductNode",
    "ProductSlot",
    "SelectVariant",
    "Showroom",
    "StateSnapshot",
    "Zoom",
    "default_layout",
    "load_layout",
]
