"""The assistant inside a live session, over real WebRTC: an aiortc viewer types a `text` message and
gets the answer's words on the data channel, the showroom's focus on the product, the figure
talking in the picture, and speech on the session's Opus audio track."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from assets.demo_catalog import demo_products
from assets.environment import studio_environment
from avatar.brain.assistant import Assistant
from avatar.brain.embeddings import Embedder
from avatar.brain.recommender import BlendedRecommender
from avatar.brain.semantic_search import SemanticSearch
from avatar.voice.espeak_voice import EspeakVoice
from commerce_api import interactions
from commerce_api.db import make_engine, migrate, session_factory
from holoshop.assistant_catalog import snapshot_from_products
from holoshop.assistant_service import CommerceInteractions
from render_node.ibl import prepare_environment
from render_node.node import NodeConfig, RenderNode
from render_node.session import Session, StreamSettings
from render_node.showroom_content import fit_products
from scenes.graph import FigureNode
from scenes.layout import default_layout
from tests.rtc_helpers import AudioViewer, until

pytestmark = pytest.mark.slow  # real GL, real peers, real speech

LAYOUT = default_layout()
PRODUCTS = fit_products(demo_products(), LAYOUT)
ENVIRONMENT = prepare_environment(studio_environment(128))
LAMP = "luma-floor-lamp"


@pytest.fixture(scope="module")
def brain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    snapshot = snapshot_from_products(PRODUCTS)
    search = SemanticSearch(snapshot, Embedder(Path(tmp_path_factory.mktemp("embeddings"))))
    yield Assistant(snapshot, search, BlendedRecommender(None, search))


def run(brain: Assistant, scenario: Callable[[RenderNode], Awaitable[None]], *, voice: bool = True) -> None:
    async def main() -> None:
        stream = StreamSettings(width=256, height=144, fps=30, bitrate=600_000, min_bitrate=300_000)
        config = NodeConfig(stream=stream, assistant=brain, voice=EspeakVoice() if voice else None)
        node = RenderNode(PRODUCTS, LAYOUT, ENVIRONMENT, config)
        await node.start()
        try:
            await asyncio.wait_for(scenario(node), 90)
        finally:
            await node.close()

    asyncio.run(main())


def figure(session: Session) -> FigureNode:
    node = session._scene.assistant
    assert node is not None, "the session's picture has no assistant"
    return node


def test_a_typed_question_is_answered_in_words_focus_and_audible_speech(brain: Assistant) -> None:
    async def scenario(node: RenderNode) -> None:
        client = AudioViewer()
        try:
            session_id = await client.connect(node)
            await until(lambda: len(client.audio) > 10)  # the audio track runs from the start
            silence = client.rms_after(0.0)
            asked = time.monotonic()
            client.send({"type": "text", "text": "show me the floor lamp"})
            await until(lambda: bool(client.of_type("assistant")))
            answer = client.of_type("assistant")[0]
            assert answer["products"][0] == LAMP and answer["speaking"] is True
            assert "Luma Floor Lamp" in answer["reply"] and "€289" in answer["reply"]
            assert 0.5 < answer["speech_s"] < 15
            await until(lambda: any(s.get("focused") == LAMP for s in client.of_type("state")))
            await until(lambda: client.rms_after(asked) > 300, timeout=10)
            assert silence < 50, f"the track carried sound before anyone spoke: RMS {silence:.0f}"
            session = node.sessions[session_id]
            assert session.metrics.input_messages.labels("accepted")._value.get() >= 1
        finally:
            await client.close()

    run(brain, scenario)


def test_the_figure_talks_while_the_voice_plays_and_rests_after(brain: Assistant) -> None:
    async def scenario(node: RenderNode) -> None:
        client = AudioViewer()
        try:
            session = node.sessions[await client.connect(node)]
            await until(lambda: session._scene.assistant is not None)
            rest = figure(session)
            assert max(rest.mouth) < 0.01 and rest.state in ("idle", "pointing", "walking")
            client.send({"type": "listening", "active": True})
            await until(lambda: figure(session).state == "listening")
            client.send({"type": "text", "text": "tell me about the speaker"})
            await until(lambda: session.assistant is not None and session.assistant.timeline.speaking())
            mouths, jaws, states = set(), [], set()
            deadline = time.monotonic() + 1.5
            while time.monotonic() < deadline:
                pose = figure(session)
                mouths.add(tuple(round(v, 2) for v in pose.mouth))
                jaws.append(pose.bones.copy())
                states.add(pose.state)
                await asyncio.sleep(1 / 30)
            assert len(mouths) > 5, f"the lips hardly moved while speaking: {mouths}"
            assert max(float(np.abs(a - b).max()) for a, b in zip(jaws, jaws[1:], strict=False)) > 1e-3
            assert states & {"talking", "pointing", "walking"}
            assert session.assistant is not None
            end = session.assistant.timeline.speech_end()
            assert end is not None
            await until(lambda: time.monotonic() > end + 0.3, timeout=30)
            await asyncio.sleep(0.2)
            assert max(figure(session).mouth) < 0.01  # closed (it eases shut rather than snapping)
        finally:
            await client.close()

    run(brain, scenario)


def test_co_browsers_get_the_same_answer_and_an_offer_without_audio_still_gets_words(
    brain: Assistant,
) -> None:
    async def scenario(node: RenderNode) -> None:
        first, second = AudioViewer(), AudioViewer(audio=False)
        try:
            session_id = await first.connect(node)
            await second.connect(node, session_id)
            second.send({"type": "text", "text": "headphones under 400"})
            await until(lambda: bool(first.of_type("assistant")) and bool(second.of_type("assistant")))
            assert first.of_type("assistant") == second.of_type("assistant")
            assert first.of_type("assistant")[0]["navigate"] is None
            assert first.of_type("assistant")[0]["products"][0] == "aria-wireless-headphones"
            assert not second.audio  # it asked for no audio and got none
            assert "m=audio" not in (second.pc.remoteDescription.sdp or "")
            second.send({"type": "text", "text": "take me to my cart"})  # only the asker's page opens it
            await until(
                lambda: len(first.of_type("assistant")) == 2 and len(second.of_type("assistant")) == 2
            )
            assert second.of_type("assistant")[1]["navigate"] == "cart"
            assert first.of_type("assistant")[1]["navigate"] is None
            assert first.of_type("assistant")[1]["reply"] == second.of_type("assistant")[1]["reply"]
        finally:
            await first.close()
            await second.close()

    run(brain, scenario)


def test_junk_and_floods_get_clear_answers_and_lose_nothing(brain: Assistant) -> None:
    async def scenario(node: RenderNode) -> None:
        client = AudioViewer()
        try:
            session = node.sessions[await client.connect(node)]
            rejected = session.metrics.input_messages.labels("rejected")
            before = rejected._value.get()
            client.send({"type": "text", "text": "x" * 501})  # over the 500-character limit
            client.send({"type": "text", "text": ""})
            client.send({"type": "listening", "active": "maybe"})
            await until(lambda: rejected._value.get() >= before + 3)
            for k in range(8):  # more questions than may wait: the extra ones hear "busy"
                client.send({"type": "text", "text": f"a lamp under {100 + k}"})
            await until(lambda: bool(client.of_type("error")) and len(client.of_type("assistant")) >= 3)
            busy = client.of_type("error")[0]
            assert busy["code"] == "busy" and busy["message"]
            answered = len(client.of_type("assistant")) + len(client.of_type("error"))
            await until(lambda: len(client.of_type("assistant")) + len(client.of_type("error")) == 8)
            assert answered <= 8
            client.send({"type": "text", "text": "the speaker"})  # the session still answers
            await until(lambda: client.of_type("assistant")[-1]["products"][:1] == ["bloc-portable-speaker"])
        finally:
            await client.close()

    run(brain, scenario, voice=False)


def test_what_viewers_look_at_is_logged_in_the_shop_for_the_recommender(
    brain: Assistant, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    migrate(url)
    engine = make_engine(url)
    shop = session_factory(engine)

    def logged(session_id: str) -> list[tuple[str, str]]:
        with shop() as db:
            rows = interactions.events(db)
        return [(product, kind) for subject, product, kind, _ in rows if subject == f"showroom:{session_id}"]

    async def scenario(node: RenderNode) -> None:
        node.interactions = CommerceInteractions(shop)
        client = AudioViewer(audio=False)
        try:
            session_id = await client.connect(node)
            second, third = PRODUCTS[1].id, PRODUCTS[2].id
            client.send({"type": "key", "key": "ArrowRight"})
            await until(lambda: (second, "view") in logged(session_id))
            client.send({"type": "key", "key": "Enter"})
            await until(lambda: (second, "inspect") in logged(session_id))
            client.send({"type": "key", "key": "Back"})
            await until(lambda: client.of_type("state")[-1]["mode"] == "browse")
            client.send({"type": "key", "key": "ArrowRight"})
            await until(lambda: (third, "view") in logged(session_id))
            # Once per visit: leaving the close-up on the same product is no new view.
            assert logged(session_id) == [(second, "view"), (second, "inspect"), (third, "view")]
        finally:
            await client.close()

    try:
        run(brain, scenario, voice=False)
    finally:
        engine.dispose()
