"""The thin client's files without a browser: each JS module parses, what it looks up exists in the
page, its imports resolve, and the page stays small (a TV on a slow link loads all of it)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from render_node.messages import AssistantMessage, parse_input

STATIC = Path(__file__).resolve().parent.parent / "signaling" / "static"
MODULES = sorted(STATIC.glob("*.js"))
# Every file of the page, uncompressed: the showroom, the cart and checkout, the camera, and the
# assistant (Ask panel, on-screen keyboard, speech, subtitles, chips, sound) of issue 6.
PAGE_BUDGET_BYTES = 50_000


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_each_module_parses_as_an_es_module(module: Path, tmp_path: Path) -> None:
    copy = tmp_path / f"{module.stem}.mjs"  # .mjs: parsed as a module whatever node's defaults
    copy.write_text(module.read_text(encoding="utf-8"), encoding="utf-8")
    result = subprocess.run(["node", "--check", str(copy)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def test_every_element_the_scripts_look_up_is_in_the_page() -> None:
    page_ids = set(re.findall(r'\bid="([^"]+)"', (STATIC / "index.html").read_text(encoding="utf-8")))
    wanted = {
        (module.name, name)
        for module in MODULES
        for name in re.findall(
            r'(?:getElementById|\$|field)\("([^"]+)"\)', module.read_text(encoding="utf-8")
        )
    }
    assert wanted, "no look-ups found: the pattern is stale"
    assert sorted(w for w in wanted if w[1] not in page_ids) == []


def test_module_imports_resolve_to_files_here() -> None:
    for module in MODULES:
        for target in re.findall(r'from "/static/([^"]+)"', module.read_text(encoding="utf-8")):
            assert (STATIC / target).is_file(), f"{module.name} imports missing {target}"


def test_the_page_stays_small() -> None:
    total = sum(p.stat().st_size for p in STATIC.iterdir() if p.is_file())
    assert total < PAGE_BUDGET_BYTES, total


def test_the_camera_is_asked_for_small_and_silent_and_never_recorded() -> None:
    hands = (STATIC / "hands.js").read_text(encoding="utf-8")
    ask = re.search(r"getUserMedia\((\{.*\})\)", hands)
    assert ask is not None and "width: 640, height: 480" in ask.group(1) and "audio: false" in ask.group(1)
    assert "replaceTrack(null)" in hands and "track.stop()" in hands, "Stop ends the camera and sends nothing"
    for module in MODULES:
        text = module.read_text(encoding="utf-8")
        assert "MediaRecorder" not in text and "captureStream" not in text, module.name
    # The showroom's section comes first: the render node answers the first video section with it.
    connection = (STATIC / "connection.js").read_text(encoding="utf-8")
    assert connection.index('direction: "recvonly"') < connection.index('direction: "sendonly"')


def test_the_offer_asks_to_receive_the_assistants_voice() -> None:
    connection = (STATIC / "connection.js").read_text(encoding="utf-8")
    assert 'addTransceiver("audio", { direction: "recvonly" })' in connection
    # After the camera's section: the render node takes the first video section as the showroom.
    assert connection.index('addTransceiver("audio"') > connection.index('direction: "sendonly"')
    # The video starts muted so it may autoplay; sound.js unmutes it on the shopper's first gesture.
    assert re.search(r"<video[^>]*\bmuted\b", (STATIC / "index.html").read_text(encoding="utf-8"))
    assert "video.muted = false" in (STATIC / "sound.js").read_text(encoding="utf-8")


def test_every_message_the_page_sends_is_one_the_server_accepts() -> None:
    """Each `{ type: "...", ... }` literal the modules send is a valid input message once filled in."""
    samples = {
        "key": '{"type": "key", "key": "Enter"}',
        "pointer": '{"type": "pointer", "action": "down", "x": 0.5, "y": 0.5}',
        "text": '{"type": "text", "text": "a lamp under 300"}',
        "listening": '{"type": "listening", "active": true}',
        "cart": '{"type": "cart", "token": "abc"}',
        "command": '{"type": "command", "name": "add_to_cart"}',
    }
    sent = {
        kind
        for module in MODULES
        for kind in re.findall(r'send\(\{ type: "(\w+)"', module.read_text(encoding="utf-8"))
    }
    assert {"text", "listening", "cart", "command"} <= sent, sent
    for kind in sent:
        assert parse_input(samples[kind]).type == kind


def test_the_assistant_module_reads_the_fields_the_server_sends() -> None:
    assistant = (STATIC / "assistant.js").read_text(encoding="utf-8")
    for field in AssistantMessage.model_fields:
        if field not in ("v", "intent", "speaking", "navigate"):  # the reply, its products, its length
            assert f"message.{field}" in assistant, field
    assert 'message.type === "assistant"' in assistant
    cart = (STATIC / "cart.js").read_text(encoding="utf-8")
    assert 'message.navigate === "cart"' in cart and 'message.navigate === "checkout"' in cart


def test_subtitles_are_announced_and_keys_inside_the_assistant_stay_there() -> None:
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    assert re.search(r'id="says-live"[^>]*aria-live="polite"', page)
    for region in ("ask-panel", "says"):  # input.js leaves keys on [data-ui] controls alone
        assert re.search(rf'id="{region}"[^>]*data-ui', page), region
    assistant = (STATIC / "assistant.js").read_text(encoding="utf-8")
    assert 'window.addEventListener("keydown", keys, true)' in assistant  # before cart.js's and input.js's
