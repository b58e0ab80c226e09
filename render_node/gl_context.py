"""Headless OpenGL: one EGL context, Mesa llvmpipe on a CPU machine, NVIDIA's EGL on a GPU node."""

from __future__ import annotations

import moderngl

__all__ = ["GLUnavailableError", "create_context", "describe_context", "is_software"]

REQUIRED_GL = 330


class GLUnavailableError(RuntimeError):
    """No usable headless OpenGL; the message says what to install."""


def create_context() -> moderngl.Context:
    try:
        ctx = moderngl.create_standalone_context(require=REQUIRED_GL, backend="egl")  # type: ignore[arg-type]
    except Exception as exc:  # moderngl/glcontext raise plain Exception for a missing EGL
        raise GLUnavailableError(
            f"cannot create a headless OpenGL {REQUIRED_GL // 100}.{REQUIRED_GL % 100 // 10} context "
            f"through EGL ({exc}); on Debian install libegl1 libegl-mesa0 libgl1-mesa-dri libgbm1 "
            "(make install does), on a GPU node the NVIDIA driver's EGL"
        ) from exc
    return ctx


def describe_context(ctx: moderngl.Context) -> str:
    with ctx:
        info = ctx.info
    return f"{info['GL_RENDERER']} ({info['GL_VENDOR']}, OpenGL {info['GL_VERSION']})"


def is_software(ctx: moderngl.Context) -> bool:
    """True on a CPU rasteriser (llvmpipe, softpipe, lavapipe), where every pixel costs CPU time."""
    with ctx:
        renderer = str(ctx.info["GL_RENDERER"]).lower()
    return any(name in renderer for name in ("llvmpipe", "softpipe", "swrast"))
