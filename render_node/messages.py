"""Messages on the `input` data channel, both ways: validated, versioned and bounded in size."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from render_node.camera_analysis import GestureName, Hand

__all__ = [
    "CART_TOKEN_PATTERN",
    "MAX_MESSAGE_BYTES",
    "MAX_PRODUCTS_SAID",
    "MAX_REPLY_CHARS",
    "AssistantMessage",
    "CartMessage",
    "CartNotice",
    "CommandMessage",
    "ErrorCode",
    "ErrorMessage",
    "GestureMessage",
    "InputMessage",
    "KeyMessage",
    "ListeningMessage",
    "PointerMessage",
    "ProductInfo",
    "StateMessage",
    "TextMessage",
    "parse_input",
]

MAX_MESSAGE_BYTES = 1024
MAX_REPLY_CHARS = 1000  # what the voice speaks at most (EspeakVoice rejects longer text)
MAX_PRODUCTS_SAID = 20
CART_TOKEN_PATTERN = r"^[A-Za-z0-9_-]+$"  # urlsafe base64, as the shop makes them


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeyMessage(_Message):
    """A TV remote's D-pad and OK/Back keys; keyboards send the same names."""

    type: Literal["key"]
    key: Literal["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Enter", "Back"]
    repeat: bool = Field(False, description="the key is held (KeyboardEvent.repeat): Enter held adds to cart")


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


class ListeningMessage(_Message):
    """The shopper is speaking or typing to the assistant (mic on, Ask box in use): the character listens.

    Sent on every change only; `active: false` when the mic stops, the box is left or the words are sent.
    """

    type: Literal["listening"]
    active: bool


class CartMessage(_Message):
    """The viewer's cart, by its token (the shop's capability); the page sends it when the channel opens."""

    type: Literal["cart"]
    token: str = Field(min_length=1, max_length=64, pattern=CART_TOKEN_PATTERN)


class CommandMessage(_Message):
    """A named request from an overlay button rather than a key."""

    type: Literal["command"]
    name: Literal["add_to_cart"]


InputMessage = Annotated[
    KeyMessage | PointerMessage | TextMessage | ListeningMessage | CartMessage | CommandMessage,
    Field(discriminator="type"),
]
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


class CartNotice(_Message):
    """The session's cart changed hands or contents: every viewer of a session shares its cart.

    `token` lets a co-browsing viewer's page show and check out the shared cart; `message` is a
    line to show ("Added Runner, red"), absent when there is nothing to say.
    """

    type: Literal["cart"] = "cart"
    v: Literal[1] = 1
    token: str
    count: int = Field(ge=0)
    message: str | None = None


ErrorCode = Literal["no_cart", "no_product", "unknown_product", "out_of_stock", "unavailable", "busy"]


class ErrorMessage(_Message):
    """A request that could not be done, with a short reason fit to show as it is ("Only 2 left")."""

    type: Literal["error"] = "error"
    v: Literal[1] = 1
    code: ErrorCode
    message: str


class GestureMessage(_Message):
    """A hand gesture from the viewer's camera that did something: the page shows it briefly.

    Sent only to the viewer whose camera it came from; co-browsers see its effect (and the hand
    cursor, which is part of the shared picture).
    """

    type: Literal["gesture"] = "gesture"
    v: Literal[1] = 1
    name: GestureName
    confidence: float = Field(ge=0.0, le=1.0)
    hand: Hand


class AssistantMessage(_Message):
    """The assistant's answer to a `text` message, sent to every viewer of the session.

    The page shows `reply` as subtitles while it is spoken (`speech_s`, the utterance's length;
    None when there is no voice: the page estimates a reading time) and `products` (catalog ids,
    in the reply's order) as chips. `speaking`: the session's audio track is saying it now.
    `navigate` opens the cart or the checkout, on the page of the viewer who asked only.
    """

    type: Literal["assistant"] = "assistant"
    v: Literal[1] = 1
    reply: str = Field(max_length=MAX_REPLY_CHARS)
    products: tuple[str, ...] = Field((), max_length=MAX_PRODUCTS_SAID)
    intent: str = Field(max_length=32)
    speech_s: float | None = Field(None, ge=0.0, le=600.0, allow_inf_nan=False)
    speaking: bool = False
    navigate: Literal["cart", "checkout"] | None = None


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
