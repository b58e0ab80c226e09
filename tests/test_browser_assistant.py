"""The assistant in the real page: headless Chromium against an in-process server.

The page's Ask box, on-screen keyboard and mic send `text` and `listening` messages over the real data
channel, and the server counts every one as accepted (`/metrics`). The server's answers (`assistant`
messages) are delivered through the page's own message handler (`receive` in app.js, what the data
channel calls), so subtitles and chips are tested on the page as the session will drive them. The
offer asks for the assistant's voice; the server's answer is not asserted (it gains audio when the
assistant is wired into the session). Every message the page sends is recorded on its way out by
wrapping `RTCDataChannel.send`, which still sends it.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request

from tests.browser_harness import (
    catalog_products,
    chromium_available,
    chromium_browser,
    end_session,
    running_server,
    small_settings,
    wait_for_live_video,
)

assert chromium_available(), "no Chromium at /usr/bin/chromium: run `make install` (apt package chromium)"

pytestmark = pytest.mark.slow  # a real browser and a real WebRTC stream

WIDTH = 640

RECORD_SENT = """(() => {
  window.sent = [];
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (data) {
    window.sent.push(JSON.parse(data));
    return send.call(this, data);
  };
})()"""

# The browser's recogniser needs a microphone and Google's speech service, neither of which a
# headless test has: this stand-in has the same interface and says what the test tells it to.
FAKE_RECOGNITION = """(() => {
  class Recognition {
    start() { window.recognition = this; this.started = true; }
    stop() { this.onend && this.onend(); }
    abort() { this.onend && this.onend(); }
    hear(transcript, isFinal) {
      const result = Object.assign([{ transcript, confidence: 0.9 }], { isFinal });
      this.onresult({ resultIndex: 0, results: [result] });
    }
  }
  window.SpeechRecognition = undefined;
  window.webkitSpeechRecognition = Recognition;
})()"""

NO_RECOGNITION = """(() => { delete window.SpeechRecognition; delete window.webkitSpeechRecognition; })()"""

DELIVER = """async (message) => { const app = await import("/static/app.js"); app.receive(message); }"""

# The assistant's region as the shopper sees it.
SAYS_JS = """() => {
  const says = document.getElementById("says"), text = (id) => document.getElementById(id).textContent;
  const chips = [...document.querySelectorAll("#chips .chip")].map((c) => c.textContent);
  return { on: says.classList.contains("on"), subtitle: text("subtitle"), live: text("says-live"),
           asked: text("asked"), chips };
}"""


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_server(small_settings(gestures=False)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as browser:
        yield browser


@pytest.fixture(scope="module")
def products(base_url: str) -> list[dict[str, Any]]:
    return catalog_products(base_url, at_least=3)


def new_page(browser: Browser, *scripts: str) -> Page:
    context = browser.new_context(viewport={"width": 960, "height": 540})
    for script in (RECORD_SENT, *scripts):
        context.add_init_script(script)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def close_page(page: Page, base_url: str) -> None:
    session = None if page.is_closed() else page.evaluate("() => sessionStorage.getItem('holoshop-session')")
    page.context.close()
    if session:
        end_session(base_url, session)


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    page = new_page(browser)
    yield page
    close_page(page, base_url)


def accepted_and_rejected(base_url: str) -> tuple[float, float]:
    with urllib.request.urlopen(f"{base_url}/metrics", timeout=10) as response:
        text = response.read().decode()
    found = dict(
        re.findall(r'^holoshop_input_messages_total\{result="(\w+)"\} ([0-9.e+-]+)$', text, re.MULTILINE)
    )
    return float(found.get("accepted", 0.0)), float(found.get("rejected", 0.0))


def open_live(page: Page, base_url: str) -> str:
    """Load the page, wait for the stream and the product card; returns the focused product's id."""
    page.goto(f"{base_url}/")
    wait_for_live_video(page, WIDTH, timeout_s=20)
    page.wait_for_function("() => document.getElementById('overlay').dataset.focused")
    focused: str = page.evaluate("() => document.getElementById('overlay').dataset.focused")
    return focused


def sent(page: Page, kind: str | None = None) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = page.evaluate("() => window.sent")
    return [m for m in messages if kind is None or m["type"] == kind]


def wait_sent(page: Page, message: dict[str, Any]) -> None:
    page.wait_for_function(
        "(m) => window.sent.some((s) => JSON.stringify(s) === JSON.stringify(m))", arg=message, timeout=10_000
    )


def all_accepted(page: Page, base_url: str, before: tuple[float, float]) -> None:
    """Every message this page sent reached the real server and was accepted, none rejected.

    `before` is read before the page opened; no other page is live in this module meanwhile."""
    deadline = time.monotonic() + 10
    while True:
        accepted, rejected = accepted_and_rejected(base_url)
        count = len(sent(page))
        if accepted - before[0] >= count or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert (accepted - before[0], rejected - before[1]) == (count, 0), sent(page)


def keyboard_to(page: Page, key: str) -> None:
    """Walk the on-screen keyboard's highlight to `key` with the arrow keys only, like a remote."""
    for _ in range(30):
        if page.evaluate("() => document.activeElement.dataset.key") == key:
            return
        dx, dy = page.evaluate(
            """(k) => {
              const a = document.activeElement.getBoundingClientRect();
              const b = [...document.querySelectorAll("#osk button")].find((e) => e.dataset.key === k)
                .getBoundingClientRect();
              return [(b.left + b.right - a.left - a.right) / 2, (b.top + b.bottom - a.top - a.bottom) / 2];
            }""",
            key,
        )
        if abs(dy) > 5:
            page.keyboard.press("ArrowDown" if dy > 0 else "ArrowUp")
        else:
            page.keyboard.press("ArrowRight" if dx > 0 else "ArrowLeft")
    pytest.fail(
        f"the arrows never reached {key!r}; at {page.evaluate('() => document.activeElement.outerHTML')}"
    )


def test_typing_a_question_sends_it_and_the_server_accepts_it(page: Page, base_url: str) -> None:
    before = accepted_and_rejected(base_url)
    open_live(page, base_url)
    page.click("#ask")
    assert page.evaluate("() => document.activeElement.id") == "ask-text", (
        "a pointer opens the box, not the keyboard"
    )
    assert page.is_hidden("#osk")
    wait_sent(page, {"type": "listening", "active": True})
    page.keyboard.type("a lamp under 300")
    page.keyboard.press("Enter")
    wait_sent(page, {"type": "text", "text": "a lamp under 300"})
    wait_sent(page, {"type": "listening", "active": False})  # sent: the character answers, not listens
    kinds = [m["type"] for m in sent(page)]
    assert kinds.index("listening") < kinds.index("text") < len(kinds) - 1 - kinds[::-1].index("listening")
    assert page.input_value("#ask-text") == ""
    says = page.evaluate(SAYS_JS)
    assert says["asked"] == "a lamp under 300" and says["on"], says  # the question stays until the answer
    assert sent(page, "key") == [], "typing never drives the showroom"
    all_accepted(page, base_url, before)


def test_remote_keys_in_the_box_stay_out_of_the_showroom(page: Page, base_url: str) -> None:
    first = open_live(page, base_url)
    page.click("#ask")
    for key in ("ArrowRight", "ArrowLeft", "ArrowUp", "ArrowDown", "m", "Backspace", "Enter", "ArrowRight"):
        page.keyboard.press(key)
    page.wait_for_timeout(800)  # long enough for a state message, had a key reached the session
    assert page.evaluate("() => document.getElementById('overlay').dataset.focused") == first
    assert sent(page, "key") == [] and sent(page, "text") == [], "an empty box sends nothing either"
    page.keyboard.press("Escape")  # closes the panel; the remote's focus returns to the Ask button
    assert page.is_hidden("#ask-panel")
    assert page.evaluate("() => document.activeElement.id") == "ask"
    wait_sent(page, {"type": "listening", "active": False})
    page.evaluate("() => document.activeElement.blur()")  # back in the showroom: the same key moves it
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(f) => document.getElementById('overlay').dataset.focused !== f", arg=first)
    assert sent(page, "key") == [{"type": "key", "key": "ArrowRight"}]


def test_the_on_screen_keyboard_types_with_arrows_and_ok_only(page: Page, base_url: str) -> None:
    before = accepted_and_rejected(base_url)
    first = open_live(page, base_url)
    page.keyboard.press("Tab")  # the remote's Menu: into the bar (Add to cart), then left to Ask
    for _ in range(4):  # past Sound, when the voice has arrived
        page.keyboard.press("ArrowLeft")
        if page.evaluate("() => document.activeElement.id") == "ask":
            break
    assert page.evaluate("() => document.activeElement.id") == "ask"
    page.keyboard.press("Enter")  # OK on Ask: the on-screen keyboard, its highlight on a letter
    assert page.is_visible("#osk")
    assert page.evaluate("() => document.activeElement.closest('#osk') !== null")
    for key in ("h", "i", "x", "del", "space", "3"):
        keyboard_to(page, key)
        page.keyboard.press("Enter")
    assert page.input_value("#ask-text") == "hi 3"
    page.keyboard.press(" ")  # a real keyboard types too while the highlight is on the keyboard
    page.keyboard.press("Backspace")
    page.keyboard.press("4")
    assert page.input_value("#ask-text") == "hi 34"
    keyboard_to(page, "send")
    page.keyboard.press("Enter")
    wait_sent(page, {"type": "text", "text": "hi 34"})
    assert page.input_value("#ask-text") == ""
    keyboard_to(page, "close")  # Close hides the keyboard; Back then closes the panel
    page.keyboard.press("Enter")
    assert page.is_hidden("#osk") and page.evaluate("() => document.activeElement.id") == "ask-keys"
    page.keyboard.press("Escape")
    assert page.is_hidden("#ask-panel") and page.evaluate("() => document.activeElement.id") == "ask"
    assert page.evaluate("() => document.getElementById('overlay').dataset.focused") == first
    assert sent(page, "key") == [], "not one of those arrows or OKs reached the showroom"
    assert {"type": "listening", "active": True} in sent(page)
    all_accepted(page, base_url, before)


def test_an_answer_shows_subtitles_and_product_chips_then_clears(
    page: Page, base_url: str, products: list[dict[str, Any]]
) -> None:
    open_live(page, base_url)
    boxes = """() => ["overlay", "bar", "video"].map((id) => {
      const r = document.getElementById(id).getBoundingClientRect();
      return [r.left, r.top, r.width, r.height];
    })"""
    layout = page.evaluate(boxes)
    assert all(box[2] > 0 and box[3] > 0 for box in layout), layout
    named = products[1:3]  # not the focused one: their names come from the catalog
    reply = f"The {named[0]['name']} and the {named[1]['name']} would suit you."
    message = {
        "type": "assistant",
        "v": 1,
        "reply": reply,
        "products": [p["id"] for p in named],
        "intent": "search",
        "speech_s": 1.5,
        "speaking": True,
    }
    start = time.monotonic()
    page.evaluate(DELIVER, message)
    page.wait_for_function(  # named and priced from the catalog once it arrives
        "() => { const c = [...document.querySelectorAll('#chips .chip')]; "
        "return c.length && c.every((e) => e.textContent.includes(' · ')); }"
    )
    says = page.evaluate(SAYS_JS)
    assert says["on"] and says["subtitle"] == reply and says["live"] == reply, says
    assert page.evaluate("() => document.getElementById('says').classList.contains('speaking')")
    assert [chip.split(" · ")[0] for chip in says["chips"]] == [p["name"] for p in named], says
    assert all(
        str(p["price_minor"] // 100) in re.sub(r"\D", "", c)
        for p, c in zip(named, says["chips"], strict=True)
    )
    assert page.evaluate(boxes) == layout, "the subtitles moved nothing else"
    page.wait_for_function("() => !document.getElementById('says').classList.contains('on')", timeout=10_000)
    assert time.monotonic() - start >= 1.5, "the words stay while they are spoken"
    gone = page.evaluate(SAYS_JS)
    assert gone["subtitle"] == "" and gone["chips"] == [] and gone["asked"] == "", gone


def test_a_chip_is_reachable_with_the_remote_and_asks_for_its_product(
    page: Page, base_url: str, products: list[dict[str, Any]]
) -> None:
    before = accepted_and_rejected(base_url)
    first = open_live(page, base_url)
    target = products[2]
    page.evaluate(
        DELIVER,
        {
            "type": "assistant",
            "v": 1,
            "reply": "Here you go.",
            "products": [products[1]["id"], target["id"]],
            "intent": "recommend",
            "speech_s": 1.0,
            "speaking": True,
        },
    )
    page.keyboard.press("Tab")  # into the bar, then up to the chips, right to the second one
    page.keyboard.press("ArrowUp")
    assert page.evaluate("() => document.activeElement.dataset.id") == products[1]["id"]
    page.keyboard.press("ArrowRight")
    assert page.evaluate("() => document.activeElement.dataset.id") == target["id"]
    page.wait_for_timeout(2500)  # past the answer's time: a chip with the remote on it stays
    assert page.evaluate(SAYS_JS)["chips"], "the chips went away under the remote"
    page.keyboard.press("Enter")
    wait_sent(page, {"type": "text", "text": f"Show me the {target['name']}"})
    assert page.evaluate("() => document.activeElement.id") == "ask", "the remote keeps a place"
    assert page.evaluate("() => document.getElementById('overlay').dataset.focused") == first
    assert sent(page, "key") == []
    all_accepted(page, base_url, before)


def test_a_long_answer_is_subtitled_in_order_and_a_silent_one_for_its_reading_time(
    page: Page, base_url: str
) -> None:
    open_live(page, base_url)
    page.evaluate(
        """() => {
          window.lines = [];
          const subtitle = document.getElementById("subtitle");
          new MutationObserver(() => window.lines.push(subtitle.textContent))
            .observe(subtitle, { childList: true, characterData: true, subtree: true });
        }"""
    )
    reply = (
        "The Haven Three-Seat Sofa is €1,290.50 and comes in Sand, Forest and Rust. "
        "The Oslo Lounge Chair is cheaper at €649, and only 2 are left in Forest. "
        "Would you like to see either of them in another colour?"
    )
    page.evaluate(
        DELIVER,
        {
            "type": "assistant",
            "v": 1,
            "reply": reply,
            "products": [],
            "intent": "compare",
            "speech_s": 2.0,
            "speaking": True,
        },
    )
    page.wait_for_function("() => !document.getElementById('says').classList.contains('on')", timeout=10_000)
    lines = [line for line in page.evaluate("() => window.lines") if line]
    assert len(lines) >= 2 and all(len(line) <= 90 for line in lines), lines
    assert " ".join(lines) == reply, lines  # every word once, in order; prices not cut at their decimals
    assert page.evaluate(SAYS_JS)["live"] == reply  # screen readers hear it whole

    silent = "Hello! I can find products, compare them and add them to your cart."
    start = time.monotonic()
    page.evaluate(
        DELIVER,
        {
            "type": "assistant",
            "v": 1,
            "reply": silent,
            "products": [],
            "intent": "small_talk",
            "speech_s": None,
            "speaking": False,
        },
    )
    assert page.evaluate(SAYS_JS)["subtitle"] == silent
    page.wait_for_function("() => !document.getElementById('says').classList.contains('on')", timeout=30_000)
    assert time.monotonic() - start >= 2.5, "no voice: time to read it"


def test_the_offer_asks_for_audio_and_the_voice_plays_with_the_picture(page: Page, base_url: str) -> None:
    offers: list[str] = []

    def on_request(request: Request) -> None:
        if request.url.endswith("/rtc/offer"):
            offers.append(json.loads(request.post_data or "{}")["sdp"])

    page.on("request", on_request)
    open_live(page, base_url)  # the server takes an offer with an audio section and streams as before
    audio = re.search(r"^m=audio .*?(?=^m=|\Z)", offers[0], re.MULTILINE | re.DOTALL)
    assert audio is not None, offers[0]
    assert "a=recvonly" in audio.group(0)
    assert offers[0].index("m=video") < offers[0].index("m=audio")
    # The session's voice arrives with the picture, in one stream; muted, so that it may autoplay,
    # and the toggle says so.
    page.wait_for_function("() => document.getElementById('video').srcObject.getAudioTracks().length === 1")
    kinds = page.evaluate(
        "() => document.getElementById('video').srcObject.getTracks().map((t) => t.kind).sort()"
    )
    assert kinds == ["audio", "video"]
    assert page.evaluate("() => document.getElementById('video').muted"), "muted, so it may autoplay"
    page.wait_for_function(
        "() => { const v = document.getElementById('video'); return v.readyState > 1 && v.currentTime > 0.2 }"
    )
    page.wait_for_selector("#sound", state="visible")
    assert page.text_content("#sound") == "Sound off"
    page.click("#help")  # the first gesture unmutes
    assert not page.evaluate("() => document.getElementById('video').muted")
    assert (page.text_content("#sound"), page.get_attribute("#sound", "aria-pressed")) == ("Sound on", "true")
    page.click("#sound")
    assert page.evaluate(
        "() => [document.getElementById('video').muted, localStorage.getItem('holoshop-sound')]"
    ) == [
        True,
        "off",
    ]
    assert (page.text_content("#sound"), page.get_attribute("#sound", "aria-pressed")) == (
        "Sound off",
        "false",
    )


def test_speech_recognition_shows_what_it_hears_and_sends_the_final_words(
    browser: Browser, base_url: str
) -> None:
    before = accepted_and_rejected(base_url)
    page = new_page(browser, FAKE_RECOGNITION)
    try:
        open_live(page, base_url)
        page.click("#ask")
        assert page.is_visible("#ask-mic")
        page.click("#ask-mic")
        assert page.get_attribute("#ask-mic", "aria-pressed") == "true"
        assert page.evaluate("() => window.recognition.started && window.recognition.interimResults")
        page.evaluate("() => window.recognition.hear('a red so', false)")
        assert page.input_value("#ask-text") == "a red so"
        assert "interim" in (page.get_attribute("#ask-text", "class") or "")
        assert sent(page, "text") == []
        page.evaluate("() => { window.recognition.hear('a red sofa', true); window.recognition.stop(); }")
        wait_sent(page, {"type": "text", "text": "a red sofa"})
        wait_sent(page, {"type": "listening", "active": False})
        assert page.get_attribute("#ask-mic", "aria-pressed") == "false"
        all_accepted(page, base_url, before)
    finally:
        close_page(page, base_url)


def test_without_speech_recognition_there_is_no_mic_and_the_box_still_works(
    browser: Browser, base_url: str
) -> None:
    page = new_page(browser, NO_RECOGNITION)
    try:
        open_live(page, base_url)
        page.click("#ask")
        assert page.is_hidden("#ask-mic")
        page.fill("#ask-text", "€" * 500)  # 1500 bytes: trimmed to what one message carries
        page.keyboard.press("Enter")
        page.wait_for_function("() => window.sent.some((m) => m.type === 'text')")
        text = sent(page, "text")[0]["text"]
        assert (
            set(text) == {"€"}
            and len(json.dumps({"type": "text", "text": text}, ensure_ascii=False).encode()) <= 1024
        )
    finally:
        close_page(page, base_url)


KEEP_PEERS = """(() => {
  const Native = window.RTCPeerConnection;
  window.peers = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new Native(...args);
    window.peers.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
})()"""

AUDIO_BYTES = """async () => {
  let bytes = 0;
  for (const pc of window.peers) {
    (await pc.getStats()).forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "audio") bytes += s.bytesReceived;
    });
  }
  return bytes;
}"""


def audio_rate(page: Page, seconds: float = 1.0) -> float:
    """Bytes per second of the voice's Opus stream: a few for silence, many more for speech."""
    start = float(page.evaluate(AUDIO_BYTES))
    time.sleep(seconds)
    return (float(page.evaluate(AUDIO_BYTES)) - start) / seconds


def test_a_question_typed_in_the_box_is_answered_aloud_with_subtitles_and_focus(
    browser: Browser, base_url: str
) -> None:
    page = new_page(browser, KEEP_PEERS)
    try:
        open_live(page, base_url)
        page.wait_for_function(
            "() => document.getElementById('video').srcObject.getAudioTracks().length === 1"
        )
        quiet = audio_rate(page)
        page.click("#ask")
        page.keyboard.type("show me the floor lamp")
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.getElementById('subtitle').textContent.includes('Luma')")
        page.wait_for_function(  # chips are named once the catalog's names arrive
            "() => [...document.querySelectorAll('#chips .chip')]"
            ".some((c) => c.textContent.startsWith('Luma'))"
        )
        says = page.evaluate(SAYS_JS)
        assert says["on"] and "€289" in says["live"], says
        page.wait_for_function(
            "() => document.getElementById('overlay').dataset.focused === 'luma-floor-lamp'"
        )
        speaking = audio_rate(page)
        assert speaking > 3 * max(quiet, 100.0), (
            f"the voice's stream: {quiet:.0f} B/s quiet, {speaking:.0f} speaking"
        )
        assert page.is_hidden("#cart-panel")
        if page.is_hidden("#ask-panel"):
            page.click("#ask")
        page.focus("#ask-text")
        page.keyboard.type("take me to my cart")
        page.keyboard.press("Enter")
        page.wait_for_selector("#cart-panel", state="visible")  # the assistant opened it
    finally:
        close_page(page, base_url)
