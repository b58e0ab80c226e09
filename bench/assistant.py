"""Benchmark: the shopping assistant, against issue 6's figures.

1. Question to reply text: the brain alone (`AssistantService.ask` over a scratch shop database,
   as the server runs it), and a real aiortc viewer's `text` message to the `assistant` message
   back over the data channel (target p95 < 150 ms).
2. Question to the first audio packet carrying speech: where the viewer's receiver gets it (the
   first Opus packet the size of speech rather than silence) and where the server hands the first
   frame of speech to the encoder (target p95 < 400 ms).
3. Search: top-3 hit rate over the labelled queries in bench/assistant_queries.json (target >= 90 %).
4. Embedding throughput: catalog texts per second batched, and one query's latency.
5. The figure's render cost: frames per second with and without it.

Run `python bench/assistant.py --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assets.environment import studio_environment  # noqa: E402
from assets.product import Product  # noqa: E402
from avatar.brain.embeddings import Embedder  # noqa: E402
from avatar.brain.semantic_search import SemanticSearch, document_text  # noqa: E402
from avatar.voice.espeak_voice import EspeakVoice  # noqa: E402
from bench.assistant_quality import (  # noqa: E402
    SHARED_MODELS,
    load_queries,
    section_catalogs,
    seeded_shop,
    top3_report,
)
from bench.assistant_render import render_fps  # noqa: E402
from holoshop.assistant_catalog import commerce_text_search, snapshot_from_products  # noqa: E402
from holoshop.assistant_service import AssistantService  # noqa: E402
from holoshop.config import Settings  # noqa: E402
from render_node.ibl import prepare_environment  # noqa: E402
from render_node.node import NodeConfig, RenderNode  # noqa: E402
from render_node.session import StreamSettings  # noqa: E402
from render_node.showroom_content import fit_products  # noqa: E402
from scenes.layout import default_layout  # noqa: E402
from tests.rtc_helpers import AudioViewer, until  # noqa: E402

# What shoppers say, in the order a conversation might go (memory is exercised too).
QUESTIONS = (
    "something comfy to sit on under 2000",
    "the cheaper one",
    "in rust",
    "what goes with the lamp?",
    "headphones under 400",
    "compare the chair and the sofa",
    "show me the shoe in blue",
    "something to keep drinks cold",
    "add it to my cart",
    "a gift for a coffee lover",
    "what can you do?",
    "a speaker for the garden",
)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def line(label: str, values_ms: list[float], target_ms: float | None = None) -> None:
    p50, p95 = pct(values_ms, 50), pct(values_ms, 95)
    verdict = (
        "" if target_ms is None else ("  ok" if p95 < target_ms else f"  MISSED (target p95 < {target_ms:g})")
    )
    spread = f"p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {max(values_ms):7.1f} ms"
    print(f"  {label:44s} {spread}  n={len(values_ms)}{verdict}")


SPEECH_BYTES = 20  # an Opus packet of silence is a few bytes; one of speech tens to a hundred


def answers(viewer: AudioViewer) -> int:
    return len(viewer.of_type("assistant")) + len(viewer.of_type("error"))


def record_audio_packets(viewer: AudioViewer) -> list[tuple[float, int]]:
    """(arrival, payload bytes) of every RTP packet of the viewer's audio, as its receiver gets it.

    Arrival at the receiver, before the jitter buffer and decoding: an in-process Python client
    shares its CPU with the render node, so what it decodes runs late by a growing margin.
    """
    packets: list[tuple[float, int]] = []
    receiver = next(r for r in viewer.pc.getReceivers() if r.track is not None and r.track.kind == "audio")
    handle = receiver._handle_rtp_packet

    async def recorded(packet: Any, arrival_time_ms: int) -> None:
        packets.append((time.monotonic(), len(packet.payload)))
        await handle(packet, arrival_time_ms)

    receiver._handle_rtp_packet = recorded  # type: ignore[method-assign]
    return packets


def brain_latency(service: AssistantService, rounds: int) -> list[float]:
    times = []
    for r in range(rounds):
        for q in QUESTIONS:
            started = time.perf_counter()
            service.ask(q, f"bench-{r}")
            times.append((time.perf_counter() - started) * 1000)
    return times


async def stream_latency(
    service: AssistantService, products: tuple[Product, ...], rounds: int
) -> tuple[list[float], list[float], list[float]]:
    """(reply ms, first speech packet received ms, first speech frame sent ms) per question, over
    real WebRTC to an aiortc viewer."""
    layout = default_layout()
    stream = StreamSettings(width=640, height=360, fps=30)
    config = NodeConfig(stream=stream, assistant=service, voice=EspeakVoice())
    node = RenderNode(products, layout, prepare_environment(studio_environment(128)), config)
    await node.start()
    replies: list[float] = []
    received: list[float] = []
    sent: list[float] = []
    viewer = AudioViewer()
    try:
        session = node.sessions[await viewer.connect(node)]
        assert session.assistant is not None
        packets = record_audio_packets(viewer)
        await until(lambda: len(packets) > 25)
        for r in range(rounds):
            for question in QUESTIONS:
                count = answers(viewer)
                asked = time.monotonic()
                viewer.send({"type": "text", "text": question})
                await until(lambda c=count: answers(viewer) > c)
                replies.append((time.monotonic() - asked) * 1000)
                first = None
                while first is None and time.monotonic() < asked + 5.0:
                    first = next((at for at, size in packets if at > asked and size > SPEECH_BYTES), None)
                    await asyncio.sleep(0.005)
                if first is not None:
                    received.append((first - asked) * 1000)
                done = session.assistant.answered[-1]
                if done.playback is not None and done.playback.first_sent_at is not None:
                    sent.append((done.playback.first_sent_at - done.asked_at) * 1000)
                # Hear the answer out, so the next question's first speech is its own.
                end = session.assistant.timeline.speech_end() or time.monotonic()
                await asyncio.sleep(max(0.0, end - time.monotonic()) + 0.5)
            print(f"  round {r + 1}/{rounds} done", flush=True)
    finally:
        await viewer.close()
        await node.close()
    return replies, received, sent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=10, help="passes in process (default 10)")
    parser.add_argument(
        "--stream-rounds", type=int, default=2, help="passes over WebRTC, each answer heard out (default 2)"
    )
    parser.add_argument("--models", type=Path, default=SHARED_MODELS, help="the shared real glTF models")
    parser.add_argument("--render-seconds", type=float, default=4.0, help="seconds per FPS case (default 4)")
    parser.add_argument("--skip-render", action="store_true", help="leave out the figure's render cost")
    args = parser.parse_args()

    catalogs = section_catalogs(args.models)
    products = fit_products(catalogs["demo"], default_layout())
    with (
        tempfile.TemporaryDirectory() as folder,
        seeded_shop(f"sqlite:///{folder}/shop.db", products) as sessions,
    ):
        settings = Settings(assistant_dir=Path(folder) / "assistant", assistant_voice="")
        embedder = Embedder(Path(folder) / "cache")
        service = AssistantService(sessions, settings, embedder=embedder)
        started = time.perf_counter()
        service.warm_up()
        print(f"assistant warm in {time.perf_counter() - started:.1f} s (torch import, model load, catalog)")

        print("\n1-2. latency, demo catalog")
        line("brain: question -> reply (in process)", brain_latency(service, args.rounds), 150)
        replies, received, sent = asyncio.run(stream_latency(service, products, args.stream_rounds))
        line("data channel: text -> assistant message", replies, 150)
        line("question -> first speech frame sent", sent, 400)
        line("question -> first speech packet received", received, 400)

        print("\n3. search top-3 hit rate (blended with the shop's full-text search)")
        for section, catalog_products in catalogs.items():
            with seeded_shop(f"sqlite:///{folder}/{section}.db", catalog_products) as shop:
                search = SemanticSearch(
                    snapshot_from_products(catalog_products), embedder, commerce_text_search(shop)
                )
                queries = load_queries(section)
                rate, missed = top3_report(search, queries)
            verdict = "ok" if rate >= 0.9 else "MISSED (target >= 90 %)"
            print(f"  {section:14s} {rate:6.1%} over {len(queries)} queries  {verdict}")
            for q, top in missed:
                print(f"    miss: {q.query!r} -> {top}")

        print("\n4. embedding throughput")
        texts = [document_text(item) for item in snapshot_from_products(products).items] * 20
        started = time.perf_counter()
        embedder.encode(texts, cache=False)
        elapsed = time.perf_counter() - started
        print(
            f"  batched: {len(texts) / elapsed:7.0f} texts/s ({len(texts)} catalog texts in {elapsed:.2f} s)"
        )
        singles = []
        for question in QUESTIONS * 3:
            started = time.perf_counter()
            embedder.encode([question], cache=False)
            singles.append((time.perf_counter() - started) * 1000)
        line("one query", singles)

    if not args.skip_render:
        print("\n5. the figure's render cost (camera resting, the figure talking)")
        for size in ((1280, 720), (640, 360)):
            plain = render_fps(False, args.render_seconds, size)
            figure = render_fps(True, args.render_seconds, size)
            print(
                f"  {size[0]}x{size[1]}: {plain:6.1f} FPS without, {figure:6.1f} with"
                f" (ratio {figure / plain:.2f})",
                flush=True,
            )


if __name__ == "__main__":
    main()
