"""The shape of the assistant's mouth: what the voice's visemes produce and the character wears."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CLOSED", "MouthShape"]


@dataclass(frozen=True)
class MouthShape:
    open: float = 0.0  # jaw drop, 0 closed .. 1 wide open ("aa")
    wide: float = 0.0  # lip spread, 0 neutral .. 1 spread ("ee")
    round: float = 0.0  # lip rounding, 0 neutral .. 1 pursed ("oo")

    def mix(self, other: MouthShape, t: float) -> MouthShape:
        """Linear blend towards `other` by t in 0..1, for smooth co-articulation."""
        u = min(1.0, max(0.0, t))
        return MouthShape(
            self.open + (other.open - self.open) * u,
            self.wide + (other.wide - self.wide) * u,
            self.round + (other.round - self.round) * u,
        )


CLOSED = MouthShape()
