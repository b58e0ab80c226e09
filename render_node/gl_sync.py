"""Waits for the GPU (or llvmpipe's threads) without holding Python's GIL.

moderngl keeps the GIL through `Context.finish()` and through the implicit wait inside a
readback, so the event loop (WebRTC packets, input) and the encoder thread stall for the whole
time a frame rasterises. glFinish called through ctypes releases the GIL for the wait; the
readback that follows then only copies pixels.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable

import moderngl

__all__ = ["finish"]


@functools.cache
def _gl_finish() -> Callable[[], None] | None:
    name = ctypes.util.find_library("EGL") or "libEGL.so.1"
    try:
        egl = ctypes.CDLL(name)
    except OSError:
        return None
    egl.eglGetProcAddress.restype = ctypes.c_void_p
    egl.eglGetProcAddress.argtypes = [ctypes.c_char_p]
    address = egl.eglGetProcAddress(b"glFinish")
    if not address:
        return None
    function: Callable[[], None] = ctypes.CFUNCTYPE(None)(address)
    return function


def finish(ctx: moderngl.Context) -> None:
    """Block until `ctx` (current on this thread) has drawn everything, letting other threads run."""
    gl_finish = _gl_finish()
    if gl_finish is None:
        ctx.finish()
    else:
        gl_finish()
