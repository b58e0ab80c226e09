"""The signaling HTTP API's bodies: validated and bounded before anything reaches a render node."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AnswerOut", "IceServerOut", "OfferIn", "RtcConfigOut"]

MAX_SDP_BYTES = 64 * 1024


class OfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sdp: str = Field(min_length=1, max_length=MAX_SDP_BYTES, description="the client's SDP offer")
    type: Literal["offer"]
    width: int | None = Field(None, ge=160, le=1920, description="frame width asked for (even)")
    height: int | None = Field(None, ge=90, le=1080, description="frame height asked for (even)")
    fps: int | None = Field(None, ge=1, le=60)
    codec: Literal["h264", "vp8"] | None = Field(None, description="preferred video codec")
    session_id: str | None = Field(
        None, max_length=64, pattern=r"^[0-9a-f]+$", description="join this session"
    )


class IceServerOut(BaseModel):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class AnswerOut(BaseModel):
    sdp: str
    type: Literal["answer"] = "answer"
    session_id: str
    viewer_id: str
    codec: Literal["h264", "vp8"]
    width: int
    height: int
    fps: int
    ice_servers: list[IceServerOut]


class RtcConfigOut(BaseModel):
    ice_servers: list[IceServerOut]
