"""What a viewer asks of a render node and what it gets back; signaling speaks HTTP around these."""

from __future__ import annotations

from dataclasses import dataclass

from render_node.encoder import Codec

__all__ = ["OfferError", "ViewerAnswer", "ViewerOffer"]


@dataclass(frozen=True)
class ViewerOffer:
    sdp: str
    session_id: str | None = None  # join this session (co-browsing) instead of starting one
    width: int | None = None
    height: int | None = None
    fps: int | None = None
    codec: Codec | None = None  # preferred; the other one is accepted too


@dataclass(frozen=True)
class ViewerAnswer:
    sdp: str
    session_id: str
    viewer_id: str
    codec: Codec
    width: int
    height: int
    fps: int


class OfferError(Exception):
    """An offer that cannot be served; `status` is the HTTP status signaling should answer with."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
