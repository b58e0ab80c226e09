"""The `input` data channel's messages: every valid form parses, everything else is a short ValueError."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from pydantic import ValidationError

from render_node.messages import (
    MAX_MESSAGE_BYTES,
    MAX_PRODUCTS_SAID,
    MAX_REPLY_CHARS,
    AssistantMessage,
    CartMessage,
    CartNotice,
    CommandMessage,
    ErrorMessage,
    GestureMessage,
    KeyMessage,
    ListeningMessage,
    PointerMessage,
    ProductInfo,
    StateMessage,
    TextMessage,
    parse_input,
)

KEYS = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Enter", "Back"]
ACTIONS = ["down", "move", "up", "wheel"]


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message)


def rejection(raw: str | bytes) -> str:
    """The reason parse_input gives; fails the test unless it is a plain ValueError."""
    with pytest.raises(ValueError) as info:
        parse_input(raw)
    assert type(info.value) is ValueError, f"expected a plain ValueError, got {type(info.value).__name__}"
    return str(info.value)


# -- valid input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_every_key_name_parses_as_a_key_message(key: str) -> None:
    message = parse_input(encode({"type": "key", "key": key}))
    assert message == KeyMessage(type="key", key=key)


@pytest.mark.parametrize("action", ACTIONS)
def test_every_pointer_action_parses_with_its_position(action: str) -> None:
    message = parse_input(encode({"type": "pointer", "action": action, "x": 0.25, "y": 0.75}))
    assert isinstance(message, PointerMessage)
    assert (message.action, message.x, message.y) == (action, 0.25, 0.75)
    assert (message.dy, message.id) == (0.0, 0)  # the defaults


@pytest.mark.parametrize(("x", "y"), [(0, 0), (1, 1), (0.0, 1.0), (1.0, 0.0), (0.5, 0.5)])
def test_pointer_positions_on_the_picture_edges_are_accepted(x: float, y: float) -> None:
    message = parse_input(encode({"type": "pointer", "action": "down", "x": x, "y": y}))
    assert isinstance(message, PointerMessage)
    assert (message.x, message.y) == (float(x), float(y))


def test_pointer_wheel_delta_and_pointer_id_are_kept() -> None:
    raw = encode({"type": "pointer", "action": "wheel", "x": 0.5, "y": 0.5, "dy": -120.5, "id": 7})
    message = parse_input(raw)
    assert isinstance(message, PointerMessage)
    assert (message.dy, message.id) == (-120.5, 7)


@pytest.mark.parametrize("dy", [-10_000.0, 10_000.0])
def test_wheel_delta_at_its_bounds_is_accepted(dy: float) -> None:
    message = parse_input(encode({"type": "pointer", "action": "wheel", "x": 0, "y": 0, "dy": dy}))
    assert isinstance(message, PointerMessage)
    assert message.dy == dy


@pytest.mark.parametrize("pointer_id", [0, 64])
def test_pointer_id_at_its_bounds_is_accepted(pointer_id: int) -> None:
    message = parse_input(encode({"type": "pointer", "action": "down", "x": 0, "y": 0, "id": pointer_id}))
    assert isinstance(message, PointerMessage)
    assert message.id == pointer_id


@pytest.mark.parametrize("text", ["a", "red sneakers under 100", "x" * 500, "crème brûlée ☕"])
def test_text_from_one_to_500_characters_parses(text: str) -> None:
    assert parse_input(encode({"type": "text", "text": text})) == TextMessage(type="text", text=text)


def test_bytes_and_str_give_the_same_message() -> None:
    raw = encode({"type": "key", "key": "Enter"})
    assert parse_input(raw) == parse_input(raw.encode()) == KeyMessage(type="key", key="Enter")


def test_message_of_exactly_max_bytes_is_accepted() -> None:
    head = encode({"type": "text", "text": "hi"})
    raw = head + " " * (MAX_MESSAGE_BYTES - len(head))  # trailing JSON whitespace
    assert len(raw.encode()) == MAX_MESSAGE_BYTES
    assert parse_input(raw) == TextMessage(type="text", text="hi")


def test_parsed_messages_are_frozen() -> None:
    message = parse_input(encode({"type": "key", "key": "Back"}))
    with pytest.raises(ValueError):
        message.key = "Enter"  # type: ignore[misc, union-attr]


# -- rejected input ------------------------------------------------------------------------------


def test_junk_bytes_are_rejected_as_invalid_json() -> None:
    assert "Invalid JSON" in rejection(b"\xff\xfe\x00\x81garbage")


@pytest.mark.parametrize("raw", ["", "nope", "{", '{"type": "key", "key": "Enter"', "{'type': 'key'}"])
def test_invalid_json_is_rejected_with_the_parse_error(raw: str) -> None:
    reason = rejection(raw)
    assert reason.startswith("invalid input at message: Invalid JSON")


@pytest.mark.parametrize("raw", ['[{"type": "key", "key": "Enter"}]', "null", '"key"', "42"])
def test_json_that_is_not_an_object_is_rejected(raw: str) -> None:
    assert rejection(raw) == "invalid input at message: Input should be an object"


def test_unknown_message_type_is_rejected_naming_the_tag() -> None:
    reason = rejection(encode({"type": "gesture", "name": "wave"}))
    assert reason.startswith("invalid input at message:")
    assert "'gesture'" in reason


def test_object_without_a_type_is_rejected() -> None:
    assert "discriminator 'type'" in rejection(encode({"key": "Enter"}))


def test_unknown_key_name_is_rejected_at_the_key_field() -> None:
    reason = rejection(encode({"type": "key", "key": "Escape"}))
    assert reason.startswith("invalid input at key.key:")
    assert "'ArrowLeft'" in reason


def test_unknown_pointer_action_is_rejected_at_the_action_field() -> None:
    reason = rejection(encode({"type": "pointer", "action": "hover", "x": 0.5, "y": 0.5}))
    assert reason.startswith("invalid input at pointer.action:")


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("x", 1.5, "less than or equal to 1"),
        ("x", -0.01, "greater than or equal to 0"),
        ("y", 1.0001, "less than or equal to 1"),
        ("y", -1, "greater than or equal to 0"),
    ],
)
def test_pointer_outside_the_picture_is_rejected(field: str, value: float, reason: str) -> None:
    message = {"type": "pointer", "action": "down", "x": 0.5, "y": 0.5, field: value}
    text = rejection(encode(message))
    assert text.startswith(f"invalid input at pointer.{field}:")
    assert reason in text


def test_pointer_without_a_position_is_rejected() -> None:
    assert rejection(encode({"type": "pointer", "action": "down"})).startswith(
        "invalid input at pointer.x: Field required"
    )


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_wheel_delta_is_rejected(literal: str) -> None:
    raw = '{"type": "pointer", "action": "wheel", "x": 0.5, "y": 0.5, "dy": ' + literal + "}"
    assert rejection(raw) == "invalid input at pointer.dy: Input should be a finite number"


@pytest.mark.parametrize("literal", ["NaN", "Infinity"])
def test_non_finite_position_is_rejected(literal: str) -> None:
    raw = '{"type": "pointer", "action": "down", "x": ' + literal + ', "y": 0.5}'
    assert rejection(raw).startswith("invalid input at pointer.x:")


@pytest.mark.parametrize("dy", [-10_000.5, 1e300])
def test_huge_wheel_delta_is_rejected(dy: float) -> None:
    reason = rejection(encode({"type": "pointer", "action": "wheel", "x": 0, "y": 0, "dy": dy}))
    assert reason.startswith("invalid input at pointer.dy:")


@pytest.mark.parametrize("pointer_id", [-1, 65, 1.5])
def test_pointer_id_out_of_range_or_fractional_is_rejected(pointer_id: float) -> None:
    message = {"type": "pointer", "action": "down", "x": 0, "y": 0, "id": pointer_id}
    assert rejection(encode(message)).startswith("invalid input at pointer.id:")


@pytest.mark.parametrize(
    ("message", "where"),
    [
        ({"type": "key", "key": "Enter", "shift": True}, "key.shift"),
        ({"type": "pointer", "action": "up", "x": 0, "y": 0, "pressure": 0.5}, "pointer.pressure"),
        ({"type": "text", "text": "hi", "lang": "en"}, "text.lang"),
    ],
)
def test_extra_fields_are_rejected_by_name(message: dict[str, Any], where: str) -> None:
    assert rejection(encode(message)) == f"invalid input at {where}: Extra inputs are not permitted"


def test_empty_text_is_rejected() -> None:
    assert rejection(encode({"type": "text", "text": ""})) == (
        "invalid input at text.text: String should have at least 1 character"
    )


def test_text_over_500_characters_is_rejected() -> None:
    assert rejection(encode({"type": "text", "text": "x" * 501})) == (
        "invalid input at text.text: String should have at most 500 characters"
    )


def test_text_that_is_not_a_string_is_rejected() -> None:
    assert rejection(encode({"type": "text", "text": 42})).startswith("invalid input at text.text:")


@pytest.mark.parametrize("kind", [str, bytes])
def test_message_over_max_bytes_is_rejected_naming_its_size(kind: type) -> None:
    head = encode({"type": "text", "text": "hi"})
    raw = head + " " * (MAX_MESSAGE_BYTES + 1 - len(head))
    data: str | bytes = raw if kind is str else raw.encode()
    assert rejection(data) == f"message of {MAX_MESSAGE_BYTES + 1} bytes exceeds {MAX_MESSAGE_BYTES}"


def test_huge_message_is_rejected_by_size_before_parsing() -> None:
    assert rejection(b"[" * 1_000_000) == f"message of 1000000 bytes exceeds {MAX_MESSAGE_BYTES}"


def test_str_message_over_max_bytes_in_utf8_is_rejected() -> None:
    raw = json.dumps({"type": "text", "text": "€" * 400}, ensure_ascii=False)  # 425 chars, 1225 bytes
    size = len(raw.encode())
    assert len(raw) < MAX_MESSAGE_BYTES < size
    assert rejection(raw) == f"message of {size} bytes exceeds {MAX_MESSAGE_BYTES}"


def test_deeply_nested_json_is_rejected_not_a_recursion_error() -> None:
    assert "recursion limit" in rejection("[" * 1000)


def test_random_bytes_only_ever_raise_value_error() -> None:
    """A fixed-seed fuzz: random bytes, random JSON-ish text and mutated valid messages."""
    rng = random.Random(20240601)
    valid = [
        encode({"type": "key", "key": "Enter"}),
        encode({"type": "pointer", "action": "wheel", "x": 0.5, "y": 0.5, "dy": 3.0, "id": 1}),
        encode({"type": "text", "text": "hello"}),
    ]
    alphabet = '{}[]":,.-+0123456789eEtruefalsnNaINFinity typekeypointertext \\u'
    samples: list[str | bytes] = []
    for _ in range(300):
        samples.append(rng.randbytes(rng.randrange(0, 80)))
    for _ in range(200):
        samples.append("".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 80))))
    for _ in range(300):
        chars = list(rng.choice(valid))
        for _ in range(rng.randrange(1, 4)):
            chars[rng.randrange(len(chars))] = chr(rng.randrange(0, 0x3000))
        samples.append("".join(chars))
    accepted = 0
    for raw in samples:
        try:
            parse_input(raw)
            accepted += 1
        except Exception as exc:  # noqa: BLE001 - the point is which type escapes
            assert type(exc) is ValueError, f"{raw!r} raised {type(exc).__name__}: {exc}"
            assert str(exc).startswith(("invalid input at ", "message of ")), str(exc)
    assert accepted < len(samples)


# -- state sent to the viewers ---------------------------------------------------------------------


def test_state_message_serialises_with_type_version_and_product() -> None:
    product = ProductInfo(
        id="shoe", name="Runner", price_minor=12_999, currency="EUR", variants=("red", "blue")
    )
    message = StateMessage(focused="shoe", mode="inspect", cart_count=2, variant=1, product=product)
    assert json.loads(message.model_dump_json()) == {
        "type": "state",
        "v": 1,
        "focused": "shoe",
        "mode": "inspect",
        "cart_count": 2,
        "variant": 1,
        "product": {
            "id": "shoe",
            "name": "Runner",
            "price_minor": 12_999,
            "currency": "EUR",
            "variants": ["red", "blue"],
        },
    }


def test_state_message_defaults_for_an_empty_showroom() -> None:
    message = StateMessage(focused=None, mode="browse")
    assert json.loads(message.model_dump_json()) == {
        "type": "state",
        "v": 1,
        "focused": None,
        "mode": "browse",
        "cart_count": 0,
        "variant": None,
        "product": None,
    }


def test_state_message_rejects_an_unknown_mode() -> None:
    with pytest.raises(ValueError):
        StateMessage(focused=None, mode="fly")


# -- the cart ------------------------------------------------------------------------------------


def test_key_repeat_flag_defaults_to_false_and_is_kept() -> None:
    assert parse_input(encode({"type": "key", "key": "Enter"})) == KeyMessage(type="key", key="Enter")
    held = parse_input(encode({"type": "key", "key": "Enter", "repeat": True}))
    assert isinstance(held, KeyMessage) and held.repeat is True


@pytest.mark.parametrize("token", ["a", "Zx-_09", "A" * 64, "k3Yq2bXc7_vLw0-9RtUo5mNpA1sDfGhJkLzXcVbNm8Q"])
def test_cart_token_of_urlsafe_characters_parses(token: str) -> None:
    assert parse_input(encode({"type": "cart", "token": token})) == CartMessage(type="cart", token=token)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "at least 1 character"),
        ("A" * 65, "at most 64 characters"),
        ("a b", "should match pattern"),
        ("tok/en", "should match pattern"),
        ("tok+en=", "should match pattern"),
        ("<script>", "should match pattern"),
        (42, "valid string"),
    ],
)
def test_cart_token_that_is_empty_long_or_not_urlsafe_is_rejected(token: object, reason: str) -> None:
    text = rejection(encode({"type": "cart", "token": token}))
    assert text.startswith("invalid input at cart.token:")
    assert reason in text


def test_cart_message_without_a_token_or_with_extras_is_rejected() -> None:
    assert rejection(encode({"type": "cart"})).startswith("invalid input at cart.token: Field required")
    assert rejection(encode({"type": "cart", "token": "abc", "account": 1})) == (
        "invalid input at cart.account: Extra inputs are not permitted"
    )


def test_the_add_to_cart_command_parses_and_unknown_commands_are_rejected() -> None:
    raw = encode({"type": "command", "name": "add_to_cart"})
    assert parse_input(raw) == CommandMessage(type="command", name="add_to_cart")
    assert rejection(encode({"type": "command", "name": "checkout"})).startswith(
        "invalid input at command.name:"
    )
    assert rejection(encode({"type": "command"})).startswith("invalid input at command.name: Field required")


def test_cart_notice_and_error_serialise_with_type_and_version() -> None:
    notice = CartNotice(token="abc", count=3, message="Added Runner, red")
    assert json.loads(notice.model_dump_json()) == {
        "type": "cart",
        "v": 1,
        "token": "abc",
        "count": 3,
        "message": "Added Runner, red",
    }
    error = ErrorMessage(code="out_of_stock", message="Only 2 left")
    assert json.loads(error.model_dump_json()) == {
        "type": "error",
        "v": 1,
        "code": "out_of_stock",
        "message": "Only 2 left",
    }
    with pytest.raises(ValueError):
        ErrorMessage(code="teapot", message="?")


def test_gesture_feedback_serialises_with_type_and_version_and_is_not_input() -> None:
    message = GestureMessage(name="thumbs_up", confidence=0.92, hand="right")
    assert json.loads(message.model_dump_json()) == {
        "type": "gesture",
        "v": 1,
        "name": "thumbs_up",
        "confidence": 0.92,
        "hand": "right",
    }
    for bad in ({"name": "wave"}, {"confidence": 1.5}, {"hand": "both"}):
        with pytest.raises(ValueError):
            GestureMessage(**{"name": "fist", "confidence": 0.5, "hand": "left", **bad})
    with pytest.raises(ValueError, match="gesture"):
        parse_input(message.model_dump_json())  # the server says it; a viewer cannot send it


# -- the assistant (issue 6) -----------------------------------------------------------------------


@pytest.mark.parametrize("active", [True, False])
def test_listening_parses_with_its_flag(active: bool) -> None:
    message = parse_input(encode({"type": "listening", "active": active}))
    assert message == ListeningMessage(type="listening", active=active)


@pytest.mark.parametrize(
    ("message", "where"),
    [
        ({"type": "listening"}, "listening.active: Field required"),
        ({"type": "listening", "active": "maybe"}, "listening.active: Input should be a valid boolean"),
        ({"type": "listening", "active": True, "text": "hi"}, "listening.text: Extra inputs are not"),
    ],
)
def test_listening_without_a_flag_or_with_extras_is_rejected(message: dict[str, Any], where: str) -> None:
    assert rejection(encode(message)).startswith(f"invalid input at {where}")


def test_the_largest_text_a_page_can_send_fits_in_a_message() -> None:
    """500 ASCII characters fit; 500 three-byte characters do not, so the page trims by bytes."""
    assert isinstance(parse_input(encode({"type": "text", "text": "a" * 500})), TextMessage)
    wide = json.dumps({"type": "text", "text": "€" * 500}, ensure_ascii=False)
    assert rejection(wide) == f"message of {len(wide.encode())} bytes exceeds {MAX_MESSAGE_BYTES}"


def test_assistant_message_serialises_with_type_version_and_its_fields() -> None:
    reply = "The Oslo Lounge Chair is €649."
    products = ["oslo-chair", "haven-sofa"]
    message = AssistantMessage(reply=reply, products=products, intent="search", speech_s=2.4)
    assert json.loads(message.model_dump_json()) == {
        "type": "assistant",
        "v": 1,
        "reply": reply,
        "products": ["oslo-chair", "haven-sofa"],
        "intent": "search",
        "speech_s": 2.4,
        "speaking": False,
        "navigate": None,
    }
    going = AssistantMessage(reply="Off to checkout.", intent="checkout", navigate="checkout")
    assert json.loads(going.model_dump_json())["navigate"] == "checkout"
    with pytest.raises(ValidationError):
        AssistantMessage(reply="x", intent="checkout", navigate="payments")
    spoken = AssistantMessage(reply="Hello!", products=(), intent="small_talk", speech_s=0.8, speaking=True)
    assert json.loads(spoken.model_dump_json())["speaking"] is True
    silent = AssistantMessage(reply="Hello!", intent="small_talk")
    assert silent.speech_s is None and silent.products == ()


@pytest.mark.parametrize(
    "bad",
    [
        {"reply": "x" * (MAX_REPLY_CHARS + 1)},
        {"products": [f"p{i}" for i in range(MAX_PRODUCTS_SAID + 1)]},
        {"speech_s": -0.1},
        {"speech_s": float("inf")},
        {"speech_s": float("nan")},
        {"intent": "x" * 33},
        {"mood": "happy"},
    ],
    ids=["long-reply", "many-products", "negative-speech", "inf-speech", "nan", "long-intent", "extra"],
)
def test_assistant_message_is_bounded(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        AssistantMessage(**{"reply": "Hi", "intent": "help", **bad})


def test_assistant_message_is_server_to_client_only() -> None:
    message = AssistantMessage(reply="Hi", intent="help")
    with pytest.raises(ValueError, match="assistant"):
        parse_input(message.model_dump_json())
