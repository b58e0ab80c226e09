"""The session's speech timeline and the per-viewer audio tracks that play it (real aiortc tracks)."""

from __future__ import annotations

import asyncio
import time

import av
import numpy as np
import pytest
from aiortc.codecs.opus import OpusDecoder, OpusEncoder
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamError

from avatar.mouth import CLOSED
from avatar.voice.base_voice import SAMPLE_RATE, Utterance, Viseme, VisemeCue
from avatar.voice.espeak_voice import EspeakVoice
from render_node.speech_audio import FRAME_SAMPLES, SpeechTimeline, SpeechTrack

RATE = SAMPLE_RATE


def tone(seconds: float, offset: int = 0) -> Utterance:
    """A recognisable utterance: sample i holds (offset + i) mod 30000 + 1, never 0 (silence)."""
    n = round(seconds * RATE)
    samples = ((np.arange(n) + offset) % 30000 + 1).astype(np.int16)
    cues = (VisemeCue(0.0, Viseme.mbp), VisemeCue(seconds / 2, Viseme.aa))
    return Utterance(f"tone {offset}", samples, RATE, cues)


@pytest.fixture(scope="module")
def speech() -> Utterance:
    return EspeakVoice().speak("Yes, the lamp.")


def test_play_queues_after_what_is_playing() -> None:
    timeline = SpeechTimeline(lead_s=0.0)
    a, b = tone(0.5), tone(0.25, 1)
    pa = timeline.play(a, now=100.0)
    pb = timeline.play(b, now=100.1)
    assert pa.starts_at == 100.0 and pa.ends_at == pytest.approx(100.5)
    assert pb.starts_at == pytest.approx(100.5)  # after a, not at 100.1
    pc = timeline.play(tone(0.1, 2), now=200.0)  # long after both: at once
    assert pc.starts_at == 200.0
    assert timeline.speech_end() == pytest.approx(200.1)


def test_a_start_for_now_leads_by_one_frame() -> None:
    timeline = SpeechTimeline()
    before = time.monotonic()
    playback = timeline.play(tone(0.1))
    assert before + 0.02 <= playback.starts_at <= time.monotonic() + 0.02
    assert playback.first_sent_at is None


def test_interrupt_cuts_what_plays_and_drops_what_is_queued() -> None:
    timeline = SpeechTimeline(lead_s=0.0)
    first = timeline.play(tone(1.0), now=10.0)
    queued = timeline.play(tone(1.0, 5), now=10.0)
    new = timeline.play(tone(0.5, 9), now=10.4, interrupt=True)
    assert new.starts_at == 10.4
    assert first.ends_at == pytest.approx(10.4)
    assert queued.ends_at == queued.starts_at == pytest.approx(11.0)  # never heard
    assert timeline.samples(10.4 - 100 / RATE, 200).tolist() == (
        first.utterance.samples[round(0.4 * RATE) - 100 : round(0.4 * RATE)].tolist()
        + new.utterance.samples[:100].tolist()
    )
    assert not timeline.speaking(11.5) and not timeline.samples(11.0, 960).any()
    timeline.stop(now=10.6)
    assert new.ends_at == pytest.approx(10.6) and not timeline.speaking(10.7)


def test_mouth_and_speaking_follow_the_schedule() -> None:
    timeline = SpeechTimeline(lead_s=0.0)
    u = tone(0.5)
    playback = timeline.play(u, now=50.0)
    assert timeline.mouth_at(49.9) == CLOSED and not timeline.speaking(49.9)
    assert timeline.speaking(50.1)
    assert timeline.mouth_at(50.4) == u.mouth_at(0.4) and timeline.mouth_at(50.4).open > 0.5
    assert timeline.mouth_at(50.1) == CLOSED  # the "m" of the tone
    assert timeline.mouth_at(playback.ends_at) == CLOSED and not timeline.speaking(50.5)


def test_samples_are_silence_then_speech_and_windows_join_exactly() -> None:
    timeline = SpeechTimeline(lead_s=0.0)
    a, b = tone(0.3), tone(0.2, 777)
    timeline.play(a, now=20.0)
    timeline.play(b, now=20.0)
    assert not timeline.samples(19.0, 4800).any()
    straddle = timeline.samples(20.0 - 0.01, FRAME_SAMPLES)
    assert not straddle[:480].any() and straddle[480:].tolist() == a.samples[:480].tolist()
    # windows that follow one another, as a track asks for them, rebuild both utterances exactly,
    # with the window that spans the change holding the end of one and the start of the other
    start = 19.99
    joined = np.concatenate([timeline.samples(start + k * 0.02, FRAME_SAMPLES) for k in range(30)])
    lead = round(0.01 * RATE)
    expected = np.concatenate([np.zeros(lead, np.int16), a.samples, b.samples])
    assert joined[: len(expected)].tolist() == expected.tolist()
    assert not joined[len(expected) :].any()


def test_mixing_adds_and_clips() -> None:
    timeline = SpeechTimeline(lead_s=0.0)
    loud = timeline.play(Utterance("loud", np.full(4800, 30000, np.int16)), now=0.0)
    quiet = timeline.play(Utterance("quiet", np.full(4800, -1000, np.int16)), now=0.0)
    again = timeline.play(Utterance("again", np.full(4800, 10000, np.int16)), now=0.0)
    # scheduled in turn they never overlap; move two starts (public fields) to check the sum
    quiet.starts_at, again.starts_at = 0.05, 0.075
    assert loud.ends_at == 0.1
    mixed = timeline.samples(0.0, 4800)
    assert mixed[:2400].tolist() == [30000] * 2400
    assert mixed[2400:3600].tolist() == [29000] * 1200
    assert mixed[3600:].tolist() == [32767] * 1200  # 39000 clipped, not wrapped round


def test_timeline_rejects_other_sample_rates() -> None:
    with pytest.raises(ValueError):
        SpeechTimeline().play(Utterance("x", np.zeros(100, np.int16), 22050))


async def take(track: SpeechTrack, count: int) -> list[av.AudioFrame]:
    return [await track.recv() for _ in range(count)]


def test_track_sends_paced_frames_with_the_speech_in_place() -> None:
    async def run() -> None:
        timeline = SpeechTimeline()
        track = SpeechTrack(timeline)
        assert track.kind == "audio"
        frames = await take(track, 3)  # silence while nobody speaks
        assert all(not f.to_ndarray().any() for f in frames)
        u = tone(0.1)
        playback = timeline.play(u)
        asked = time.monotonic()
        assert playback.first_sent_at is None
        began = time.monotonic()
        frames += await take(track, 12)
        elapsed = time.monotonic() - began
        assert elapsed >= 0.9 * 12 * 0.02  # paced in real time, not as fast as asked
        for k, frame in enumerate(frames):
            assert frame.format.name == "s16" and frame.layout.name == "mono"
            assert frame.sample_rate == RATE and frame.samples == FRAME_SAMPLES
            assert frame.pts == k * FRAME_SAMPLES  # contiguous, nothing skipped
        stream = np.concatenate([f.to_ndarray().reshape(-1) for f in frames])
        assert track.started_at is not None
        at = round((playback.starts_at - track.started_at) * RATE)
        assert at >= 3 * FRAME_SAMPLES  # not in a frame already sent
        assert not stream[:at].any()
        assert stream[at : at + len(u.samples)].tolist() == u.samples.tolist()
        assert not stream[at + len(u.samples) :].any()
        assert playback.first_sent_at is not None
        assert asked <= playback.first_sent_at and playback.first_sent_at >= playback.starts_at - 0.02
        track.stop()
        with pytest.raises(MediaStreamError):
            await track.recv()

    asyncio.run(run())


def test_every_viewer_hears_the_same_words_at_the_same_time() -> None:
    async def run() -> None:
        timeline = SpeechTimeline()
        early = SpeechTrack(timeline)
        first = await early.recv()
        await asyncio.sleep(0.013)  # the second viewer joins out of step with the first
        late = SpeechTrack(timeline)
        u = tone(0.08, 123)
        playback = timeline.play(u)
        results = await asyncio.gather(take(early, 10), take(late, 10))
        streams = [[first, *results[0]], results[1]]
        for track, frames in zip((early, late), streams, strict=True):
            stream = np.concatenate([f.to_ndarray().reshape(-1) for f in frames])
            nonzero = np.flatnonzero(stream)
            assert track.started_at is not None
            heard_at = track.started_at + nonzero[0] / RATE  # on the timeline's clock
            assert heard_at == pytest.approx(playback.starts_at, abs=1.5 / RATE)
            assert stream[nonzero[0] : nonzero[0] + len(u.samples)].tolist() == u.samples.tolist()
        assert early.started_at != late.started_at
        early.stop()
        late.stop()

    asyncio.run(run())


def test_a_stalled_track_skips_ahead_instead_of_bursting() -> None:
    async def run() -> None:
        track = SpeechTrack(SpeechTimeline())
        await take(track, 2)
        time.sleep(0.4)  # the event loop blocked
        frame = await track.recv()
        assert track.frames_skipped >= 10
        assert frame.pts is not None and frame.pts >= 2 * FRAME_SAMPLES + 10 * FRAME_SAMPLES
        track.stop()

    asyncio.run(run())


def test_speech_survives_aiortc_opus(speech: Utterance) -> None:
    """Through aiortc's own Opus encoder and decoder: speech where it plays, silence before it."""

    async def run() -> tuple[np.ndarray, int]:
        timeline = SpeechTimeline()
        track = SpeechTrack(timeline)
        frames = await take(track, 5)
        playback = timeline.play(speech)
        count = int(speech.duration_s / 0.02) + 10
        frames += await take(track, count)
        track.stop()
        encoder, decoder = OpusEncoder(), OpusDecoder()
        decoded: list[np.ndarray] = []
        for frame in frames:
            payloads, timestamp = encoder.encode(frame)
            assert payloads and all(payloads)
            for payload in payloads:
                for out in decoder.decode(JitterFrame(payload, timestamp)):
                    assert isinstance(out, av.AudioFrame)
                    decoded.append(out.to_ndarray().reshape(-1, 2)[:, 0])  # left of stereo
        assert track.started_at is not None
        return np.concatenate(decoded), round((playback.starts_at - track.started_at) * RATE)

    pcm, at = asyncio.run(run())
    before = pcm[: max(0, at - 480)].astype(np.float64)
    during = pcm[at : at + len(speech.samples)].astype(np.float64)
    original = speech.samples.astype(np.float64)
    assert np.sqrt(np.mean(before**2)) < 50
    assert np.sqrt(np.mean(during**2)) > 0.5 * np.sqrt(np.mean(original**2))
