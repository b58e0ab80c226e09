"""Loads the GLSL files beside this module, expanding `#include "file"` lines once."""

from __future__ import annotations

import functools
import re
from pathlib import Path

__all__ = ["shader_source"]

_DIR = Path(__file__).parent / "shaders"
_INCLUDE = re.compile(r'^#include "([\w.]+)"$', re.MULTILINE)


@functools.cache
def shader_source(name: str) -> str:
    text = (_DIR / name).read_text(encoding="utf-8")
    return _INCLUDE.sub(lambda m: (_DIR / m.group(1)).read_text(encoding="utf-8"), text)
