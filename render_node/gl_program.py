"""Typed access to a moderngl program's members, which moderngl returns as a loose union."""

from __future__ import annotations

import moderngl

__all__ = ["block", "uniform"]


def uniform(program: moderngl.Program, name: str) -> moderngl.Uniform:
    member = program[name]
    if not isinstance(member, moderngl.Uniform):
        raise KeyError(f"{name!r} is not a uniform of this program")
    return member


def block(program: moderngl.Program, name: str) -> moderngl.UniformBlock:
    member = program[name]
    if not isinstance(member, moderngl.UniformBlock):
        raise KeyError(f"{name!r} is not a uniform block of this program")
    return member
