"""Benchmark: how long the assistant's voice takes to synthesise a reply, and to start sounding.

Synthesis (espeak-ng through ctypes, resampling to 48 kHz and the visemes included) sits between
the question and the first audio packet (target: p95 under 400 ms for that whole path), so this
measures it per reply length, plus the delay from `SpeechTimeline.play` to the first
`SpeechTrack` frame that carries the speech. Run `python bench/voice.py --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REPLIES = {
    "short": "Hello! I'm your shopping assistant.",
    "typical": "The Oslo Lounge Chair is €649. It comes in Sand, Forest and Rust, and there are only 2 left "
    "in Forest.",
    "long": "I found three lamps under €300. The Luma Floor Lamp at €189 is the most popular, and it "
    "comes in Brass and Black. The Aria lamp is cheaper at €89, but it is out of stock in White. "
    "Would you like me to show you the Luma first, or compare the two side by side?",
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def synthesis_ms(text: str, runs: int) -> list[float]:
    from avatar.voice.espeak_voice import EspeakVoice

    voice = EspeakVoice()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        voice.speak(text)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def first_frame_ms(runs: int) -> list[float]:
    """From `play` to the first track frame carrying the speech: the timeline's share of latency."""
    from avatar.voice.espeak_voice import EspeakVoice
    from render_node.speech_audio import SpeechTimeline, SpeechTrack

    utterance = EspeakVoice().speak(REPLIES["short"])
    timeline = SpeechTimeline()
    track = SpeechTrack(timeline)
    times = []
    for _ in range(runs):
        await track.recv()
        asked = time.monotonic()
        playback = timeline.play(utterance, interrupt=True)
        while playback.first_sent_at is None:
            await track.recv()
        times.append((playback.first_sent_at - asked) * 1000)
    track.stop()
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--runs", type=int, default=50, help="syntheses per reply length (default 50)")
    args = parser.parse_args(argv)

    from avatar.voice.espeak_voice import EspeakVoice

    started = time.perf_counter()
    EspeakVoice().speak("Hi.")
    print(f"cold start (load library, voice, first reply): {(time.perf_counter() - started) * 1000:.1f} ms")
    for name, text in REPLIES.items():
        duration = EspeakVoice().speak(text).duration_s
        times = synthesis_ms(text, args.runs)
        print(
            f"{name:8s} {len(text):3d} chars, {duration:5.2f} s of speech: synthesis "
            f"p50 {statistics.median(times):6.1f} ms, p95 {percentile(times, 0.95):6.1f} ms, "
            f"max {max(times):6.1f} ms"
        )
    frames = asyncio.run(first_frame_ms(min(args.runs, 20)))
    print(
        f"play -> first frame with speech: p50 {statistics.median(frames):.1f} ms, "
        f"p95 {percentile(frames, 0.95):.1f} ms"
    )


if __name__ == "__main__":
    main()
