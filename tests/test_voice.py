"""The assistant's voice: real espeak-ng audio, with visemes on its real phoneme timings."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from avatar.mouth import CLOSED
from avatar.voice.base_voice import BLEND_S, SAMPLE_RATE, Utterance, Viseme, VisemeCue, Voice
from avatar.voice.espeak_voice import MAX_TEXT, EspeakVoice, VoiceUnavailable
from avatar.voice.visemes import VISEME_MOUTH, viseme_for_phoneme

SENTENCES = [
    "I can show you lamps, chairs and sofas.",
    "The Oslo Lounge Chair costs six hundred and forty nine euros, and it comes in sand and forest.",
    "I found three lamps under three hundred euros. The Luma Floor Lamp is the most popular one, "
    "and we have only two left in brass. Would you like to see it?",
]


@pytest.fixture(scope="module")
def voice() -> EspeakVoice:
    return EspeakVoice()


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if len(samples) else 0.0


def window(u: Utterance, t: float, half_s: float = 0.01) -> np.ndarray:
    lo = max(0, round((t - half_s) * u.sample_rate))
    return u.samples[lo : round((t + half_s) * u.sample_rate)]


def cue_spans(u: Utterance) -> list[tuple[float, float, Viseme]]:
    ends = [c.start_s for c in u.cues[1:]] + [u.duration_s]
    return [(c.start_s, end, c.viseme) for c, end in zip(u.cues, ends, strict=True)]


def test_espeak_voice_is_a_voice(voice: EspeakVoice) -> None:
    v: Voice = voice
    u = v.speak("Hello, I am your shopping assistant.")
    assert u.sample_rate == SAMPLE_RATE
    assert u.samples.dtype == np.int16 and u.samples.ndim == 1
    assert u.text == "Hello, I am your shopping assistant."
    assert rms(u.samples) > 500  # speech, not silence
    assert len(u.cues) > 10


def test_audio_length_follows_the_text(voice: EspeakVoice) -> None:
    durations = [voice.speak(text).duration_s for text in SENTENCES]
    assert durations == sorted(durations) and len(set(durations)) == 3  # more words, longer
    for text, seconds in zip(SENTENCES, durations, strict=True):
        words_per_s = len(text.split()) / seconds
        assert 2.5 <= words_per_s <= 4.0, (text, seconds)


def test_rate_changes_the_length(voice: EspeakVoice) -> None:
    fast = EspeakVoice(rate_wpm=300)
    text = SENTENCES[1]
    assert fast.speak(text).duration_s < 0.8 * voice.speak(text).duration_s
    assert voice.speak(text).duration_s > fast.speak(text).duration_s  # settings switch back per voice


def test_cues_are_monotonic_and_within_the_audio(voice: EspeakVoice) -> None:
    for text in SENTENCES:
        u = voice.speak(text)
        starts = [c.start_s for c in u.cues]
        assert all(b > a for a, b in zip(starts, starts[1:], strict=False))
        assert starts[0] >= 0.0 and starts[-1] < u.duration_s
        assert all(a.viseme != b.viseme for a, b in zip(u.cues, u.cues[1:], strict=False))
        assert u.cues[-1].viseme == Viseme.rest  # the end pause
        assert {Viseme.aa, Viseme.ee, Viseme.mbp, Viseme.sz, Viseme.n} <= {c.viseme for c in u.cues}


def test_lips_close_on_m_b_p_and_open_in_vowels(voice: EspeakVoice) -> None:
    u = voice.speak("Bob may buy maps, pam.")
    spans = cue_spans(u)
    closed = [s for s in spans if s[2] == Viseme.mbp]
    vowels = [s for s in spans if s[2] in (Viseme.aa, Viseme.oh)]
    assert len(closed) >= 4 and len(vowels) >= 4
    for start, end, _ in closed:  # once the blend into the cue is over, the lips are shut
        t = start + min(BLEND_S, 0.5 * (end - start))
        assert u.mouth_at(t) == CLOSED
        assert u.viseme_at((start + end) / 2) == Viseme.mbp
    for start, end, _ in vowels:
        t = start + min(BLEND_S, 0.5 * (end - start))
        assert u.mouth_at(t).open > 0.6


def test_open_mouth_times_are_loud_and_the_trailing_pause_is_quiet(voice: EspeakVoice) -> None:
    """The cues sit on the audio: where the mouth is wide open there is sound, at the end none."""
    u = voice.speak(SENTENCES[1])
    spans = cue_spans(u)
    open_energy = [
        rms(window(u, (start + end) / 2)) for start, end, v in spans if VISEME_MOUTH[v].open >= 0.6
    ]
    tail_start = spans[-1][0]
    tail = rms(u.samples[round((tail_start + 0.05) * u.sample_rate) :])
    assert len(open_energy) >= 5
    assert float(np.median(open_energy)) > 10 * max(tail, 1.0)
    # and the comma's pause inside the sentence is quiet too
    pauses = [(s, e) for s, e, v in spans[:-1] if v == Viseme.rest and e - s > 0.08]
    assert pauses
    for start, end in pauses:
        assert rms(window(u, (start + end) / 2, 0.02)) < float(np.median(open_energy)) / 5


def test_mouth_moves_smoothly_and_is_closed_outside_speech(voice: EspeakVoice) -> None:
    u = voice.speak(SENTENCES[0])
    assert u.mouth_at(-0.01) == CLOSED
    assert u.mouth_at(u.duration_s) == CLOSED
    assert u.mouth_at(u.duration_s - 0.01) == CLOSED  # the end pause
    # every cue starts from the shape the previous one reached: no jumps at the boundaries
    for previous, cue in zip(u.cues, u.cues[1:], strict=False):
        at_start = u.mouth_at(cue.start_s)
        assert at_start == VISEME_MOUTH[previous.viseme]
    shapes = {u.mouth_at(t) for t in np.arange(0.0, u.duration_s, 0.02)}
    assert len(shapes) > 20  # it actually moves


def test_text_is_bounded(voice: EspeakVoice) -> None:
    with pytest.raises(ValueError, match="too long"):
        voice.speak("a" * (MAX_TEXT + 1))


def test_empty_and_odd_text(voice: EspeakVoice) -> None:
    empty = voice.speak("  \n\t ")
    assert empty.duration_s == 0.0 and empty.cues == () and empty.mouth_at(0.0) == CLOSED
    odd = voice.speak("<speak>[[h@l'oU]] 🙂 \x00 €649</speak>")  # no SSML or phoneme input, no NUL cut
    assert odd.duration_s > 0.5 and rms(odd.samples) > 300


def test_missing_library_says_how_to_install() -> None:
    with pytest.raises(VoiceUnavailable, match="scripts/install-system-deps.sh"):
        EspeakVoice(library="libespeak-ng-not-here.so.9")


def test_unknown_voice_and_bad_settings() -> None:
    with pytest.raises(ValueError, match="no voice"):
        EspeakVoice("xx-not-a-voice")
    with pytest.raises(ValueError):
        EspeakVoice(rate_wpm=10)
    assert EspeakVoice().speak("still fine").duration_s > 0


def test_threads_share_the_library_safely(voice: EspeakVoice) -> None:
    reference = [voice.speak(text) for text in SENTENCES]
    results: dict[int, Utterance] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            results[i] = voice.speak(SENTENCES[i % 3])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i, u in results.items():
        ref = reference[i % 3]
        # espeak-ng varies its timing a little from run to run (random noise sources), so the
        # check is the visemes' order and the length, not the bytes
        assert [c.viseme for c in u.cues] == [c.viseme for c in ref.cues]
        assert abs(u.duration_s - ref.duration_s) < 0.02 * ref.duration_s


@pytest.mark.parametrize(
    ("mnemonic", "viseme"),
    [
        ("aI", Viseme.aa),
        ("A:", Viseme.aa),
        ("V", Viseme.aa),
        ("i:", Viseme.ee),
        ("eI", Viseme.ee),
        ("I2", Viseme.ih),
        ("@", Viseme.ih),
        ("@L", Viseme.l),
        ("3:", Viseme.r),
        ("oU", Viseme.oh),
        ("0", Viseme.oh),
        ("u:", Viseme.oo),
        ("U@", Viseme.oo),
        ("m", Viseme.mbp),
        ("b", Viseme.mbp),
        ("p", Viseme.mbp),
        ("f", Viseme.fv),
        ("v", Viseme.fv),
        ("T", Viseme.th),
        ("D", Viseme.th),
        ("tS", Viseme.ch),
        ("dZ", Viseme.ch),
        ("S", Viseme.ch),
        ("t#", Viseme.n),
        ("t", Viseme.n),
        ("n-", Viseme.n),
        ("N", Viseme.kg),
        ("w", Viseme.wq),
        ("_:", Viseme.rest),
        ("_", Viseme.rest),
        (";", None),
        ("?", None),
        ("Q!", None),
    ],
)
def test_phoneme_to_viseme(mnemonic: str, viseme: Viseme | None) -> None:
    assert viseme_for_phoneme(mnemonic) == viseme


def test_every_viseme_has_a_mouth() -> None:
    assert set(VISEME_MOUTH) == set(Viseme)
    assert VISEME_MOUTH[Viseme.mbp] == CLOSED == VISEME_MOUTH[Viseme.rest]
    assert max(VISEME_MOUTH.values(), key=lambda m: m.open) == VISEME_MOUTH[Viseme.aa]
    assert max(VISEME_MOUTH.values(), key=lambda m: m.round) == VISEME_MOUTH[Viseme.oo]
    assert max(VISEME_MOUTH.values(), key=lambda m: m.wide) == VISEME_MOUTH[Viseme.ee]


def test_utterance_validates() -> None:
    with pytest.raises(ValueError):
        Utterance("x", np.zeros(10, np.float32))
    with pytest.raises(ValueError):
        Utterance(
            "x", np.zeros(10, np.int16), SAMPLE_RATE, (VisemeCue(0.1, Viseme.aa), VisemeCue(0.0, Viseme.ee))
        )
    u = Utterance("x", np.zeros(4800, np.int16), SAMPLE_RATE, (VisemeCue(0.0, Viseme.aa),))
    assert u.duration_s == pytest.approx(0.1)
    assert u.viseme_at(0.05) == Viseme.aa and u.viseme_at(0.2) == Viseme.rest
