"""Scale and pivot a model so any product, a pair of sunglasses or a sofa, sits on its plinth."""

from __future__ import annotations

import dataclasses

import numpy as np

from assets.model import Model

__all__ = ["fit_to_display"]


def fit_to_display(model: Model, footprint: float, height: float) -> Model:
    """Uniformly scale to fit a `footprint`-wide, `height`-tall box; pivot at the base centre.

    The footprint is a diameter, so a product keeps clear of the plinth's edge at any turntable angle.
    """
    lo, hi = model.bounds()
    size = hi - lo
    radius = float(np.hypot(size[0], size[2])) or 1.0
    scale = min(footprint / radius, height / (float(size[1]) or 1.0))
    pivot = np.array([(lo[0] + hi[0]) / 2, lo[1], (lo[2] + hi[2]) / 2], np.float32)
    primitives = tuple(
        dataclasses.replace(p, positions=((p.positions - pivot) * scale).astype(np.float32))
        for p in model.primitives
    )
    return dataclasses.replace(model, primitives=primitives)
