"""From espeak-ng's phoneme mnemonics to visemes, and from visemes to the shape of the mouth.

espeak-ng names its phonemes in its own ASCII notation (Kirshenbaum-like: `aI`, `tS`, `@L`, `3:`),
with trailing marks for variants (`I2`, `t#`, `n-`). Lip-sync needs far fewer classes than there
are phonemes: sounds that look alike share a viseme, so the mapping goes by longest prefix.
"""

from __future__ import annotations

from enum import StrEnum

from avatar.mouth import CLOSED, MouthShape

__all__ = ["VISEME_MOUTH", "Viseme", "viseme_for_phoneme"]


class Viseme(StrEnum):
    rest = "rest"  # silence: lips together, relaxed
    aa = "aa"  # father, cup, my, now
    ee = "ee"  # see, bed, day, yes
    ih = "ih"  # sit, about (schwa), hat's neighbours
    oh = "oh"  # go, law, hot, boy
    oo = "oo"  # boot, book, tour
    fv = "fv"  # lower lip to the upper teeth
    mbp = "mbp"  # lips pressed together
    l = "l"  # noqa: E741  tongue tip up, mouth open
    wq = "wq"  # tight rounded lips
    th = "th"  # tongue between the teeth
    sz = "sz"  # teeth close, lips spread
    kg = "kg"  # back of the tongue: the mouth hangs a little open
    ch = "ch"  # church, judge, she, measure: lips pushed forward
    r = "r"  # slightly rounded
    n = "n"  # t, d, n: tongue behind the teeth


# Longest prefix wins; `None` means the event says nothing about the mouth (a modifier or a
# glottal stop) and the previous viseme carries on.
_PREFIXES: dict[str, Viseme | None] = {
    "_": Viseme.rest,
    ";": None,
    "?": None,
    "a": Viseme.aa,
    "A": Viseme.aa,
    "V": Viseme.aa,
    "@L": Viseme.l,
    "@": Viseme.ih,
    "3": Viseme.r,
    "e": Viseme.ee,
    "E": Viseme.ee,
    "i": Viseme.ee,
    "I": Viseme.ih,
    "0": Viseme.oh,
    "O": Viseme.oh,
    "o": Viseme.oh,
    "u": Viseme.oo,
    "U": Viseme.oo,
    "p": Viseme.mbp,
    "b": Viseme.mbp,
    "m": Viseme.mbp,
    "f": Viseme.fv,
    "v": Viseme.fv,
    "T": Viseme.th,
    "D": Viseme.th,
    "s": Viseme.sz,
    "z": Viseme.sz,
    "tS": Viseme.ch,
    "dZ": Viseme.ch,
    "S": Viseme.ch,
    "Z": Viseme.ch,
    "k": Viseme.kg,
    "g": Viseme.kg,
    "N": Viseme.kg,
    "x": Viseme.kg,
    "t": Viseme.n,
    "d": Viseme.n,
    "n": Viseme.n,
    "l": Viseme.l,
    "r": Viseme.r,
    "w": Viseme.wq,
    "j": Viseme.ee,
    "h": Viseme.ih,
}
_LONGEST = max(len(p) for p in _PREFIXES)

VISEME_MOUTH: dict[Viseme, MouthShape] = {
    Viseme.rest: CLOSED,
    Viseme.aa: MouthShape(open=0.9, wide=0.3, round=0.0),
    Viseme.ee: MouthShape(open=0.35, wide=0.9, round=0.0),
    Viseme.ih: MouthShape(open=0.45, wide=0.5, round=0.0),
    Viseme.oh: MouthShape(open=0.65, wide=0.0, round=0.7),
    Viseme.oo: MouthShape(open=0.3, wide=0.0, round=1.0),
    Viseme.fv: MouthShape(open=0.1, wide=0.3, round=0.0),
    Viseme.mbp: CLOSED,
    Viseme.l: MouthShape(open=0.4, wide=0.3, round=0.0),
    Viseme.wq: MouthShape(open=0.15, wide=0.0, round=0.85),
    Viseme.th: MouthShape(open=0.2, wide=0.4, round=0.0),
    Viseme.sz: MouthShape(open=0.12, wide=0.6, round=0.0),
    Viseme.kg: MouthShape(open=0.35, wide=0.3, round=0.0),
    Viseme.ch: MouthShape(open=0.25, wide=0.1, round=0.5),
    Viseme.r: MouthShape(open=0.3, wide=0.0, round=0.45),
    Viseme.n: MouthShape(open=0.25, wide=0.35, round=0.0),
}


def viseme_for_phoneme(mnemonic: str) -> Viseme | None:
    """The viseme of an espeak-ng phoneme mnemonic; None when it does not move the mouth.

    Unknown mnemonics (another language's phonemes) also give None: the mouth keeps its shape
    rather than guessing.
    """
    for size in range(min(_LONGEST, len(mnemonic)), 0, -1):
        if (prefix := mnemonic[:size]) in _PREFIXES:
            return _PREFIXES[prefix]
    return None
