"""Messages on the `input` data channel, both ways: validated, versioned and bounded in size."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

__all__ = [
    "MAX_MESSAGE_BYTES",
    "InputMessage",
    "KeyMessage",
    "PointerMessage",
    "ProductInfo",
    "StateMessage",
    "TextMessage",
    "parse_input",
]

MAX_MESSAGE_BYTES = 1024


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeyMessage(_Message):
    """A TV remote's D-pad and OK/Back keys; keyboards send the same names."""

    type: Literal["key"]
    key: Literal["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Enter", "Back"]


class PointerMessage(_Message):
    """Mouse, touch or pen; x and y are 0..1 across the video picture from its top-left corner."""

    type: Literal["pointer"]
    action: Literal["down", "move", "up", "wheel"]
    x: float = Field(ge=0.0, le=1.0)
    y: float = Field(ge=0.0, le=1.0)
    dy: float = Field(0.0, ge=-10_000.0, le=10_000.0, allow_inf_nan=False)
    id: int = Field(0, ge=0, le=64, description="pointer id, to tell the fingers of a pinch apart")


class TextMessage(_Message):
    """Typed words for the shopping assistant (issue 6); accepted and counted for now."""

    type: Literal["text"]
    text: str = Field(min_length=1, max_length=500)


InputMessage = Annotated[KeyMessage | PointerMessage | TextMessage, Field(discriminator="type")]
_INPUT = TypeAdapter(InputMessage)


class ProductInfo(_Message):
    id: str
    name: str
    price_minor: int
    currency: str
    variants: tuple[str, ...] = ()


class StateMessage(_Message):
    """Sent whenever what the overlays show changes."""

    type: Literal["state"] = "state"
    v: Literal[1] = 1
    focused: str | None
    mode: Literal["browse", "inspect"]
    cart_count: int = 0
    variant: int | None = None
    product: ProductInfo | None = None


def parse_input(raw: str | bytes) -> InputMessage:
    """Validate one message; raises ValueError with a short reason for anything else."""
    size = len(raw.encode("utf-8", "surrogatepass")) if isinstance(raw, str) else len(raw)
    if size > MAX_MESSAGE_BYTES:
        raise ValueError(f"message of {size} bytes exceeds {MAX_MESSAGE_BYTES}")
    try:
        return _INPUT.validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "message"
        raise ValueError(f"invalid input at {where}: {first['msg']}") from None
