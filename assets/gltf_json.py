"""Typed access to a glTF JSON tree, and the error every glTF reader raises.

`json.loads` returns `Any`; these helpers narrow each value once, at the point of use, so the
rest of the loader is fully typed and every malformed field becomes a `GltfProblem` that says
which field was wrong instead of a stray TypeError or KeyError.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "GltfProblem",
    "JsonObject",
    "as_int",
    "as_object",
    "child_list",
    "child_object",
    "element",
    "get_bool",
    "get_float",
    "get_floats",
    "get_int",
    "get_str",
    "opt_int",
]

JsonObject = dict[str, object]


class GltfProblem(Exception):
    """What is wrong with the file, worded for a person; the caller adds the file's path."""


def as_object(value: object, what: str) -> JsonObject:
    """`value` as a JSON object, or a GltfProblem naming `what`."""
    if not isinstance(value, dict):
        raise GltfProblem(f"{what} must be a JSON object")
    return value


def as_int(value: object, what: str, minimum: int = 0) -> int:
    """An integer >= minimum; bools are refused although Python counts them as ints."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise GltfProblem(f"{what} must be an integer, not {_short(value)}")
    if value < minimum:
        raise GltfProblem(f"{what} must be >= {minimum}, not {value}")
    return value


def child_object(parent: JsonObject, key: str, what: str) -> JsonObject:
    """An optional sub-object; absent reads as `{}` so callers can chain lookups."""
    value = parent.get(key)
    return {} if value is None else as_object(value, f"{what}.{key}")


def child_list(parent: JsonObject, key: str, what: str) -> list[object]:
    """An optional array; absent reads as `[]`."""
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise GltfProblem(f"{what}.{key} must be a JSON array")
    return value


def get_int(parent: JsonObject, key: str, what: str, default: int | None = None, minimum: int = 0) -> int:
    """A required integer field unless `default` is given."""
    value = parent.get(key, default)
    if value is None:
        raise GltfProblem(f"{what} has no {key}")
    return as_int(value, f"{what}.{key}", minimum)


def opt_int(parent: JsonObject, key: str, what: str) -> int | None:
    """An optional integer field (typically an index), None when absent."""
    return None if parent.get(key) is None else get_int(parent, key, what)


def get_float(parent: JsonObject, key: str, what: str, default: float) -> float:
    """A finite number field; NaN and infinity would poison the renderer."""
    return _as_float(parent.get(key, default), f"{what}.{key}")


def get_floats(parent: JsonObject, key: str, what: str, default: tuple[float, ...]) -> tuple[float, ...]:
    """A fixed-length array of finite numbers; its length is taken from `default`."""
    value = parent.get(key)
    if value is None:
        return default
    if not isinstance(value, list) or len(value) != len(default):
        raise GltfProblem(f"{what}.{key} must be an array of {len(default)} numbers")
    return tuple(_as_float(v, f"{what}.{key}") for v in value)


def get_str(parent: JsonObject, key: str, what: str, default: str) -> str:
    """A string field, `default` when absent."""
    value = parent.get(key, default)
    if not isinstance(value, str):
        raise GltfProblem(f"{what}.{key} must be a string, not {_short(value)}")
    return value


def get_bool(parent: JsonObject, key: str, what: str, default: bool) -> bool:
    """A true/false field; 0 and 1 are refused rather than silently accepted."""
    value = parent.get(key, default)
    if not isinstance(value, bool):
        raise GltfProblem(f"{what}.{key} must be true or false, not {_short(value)}")
    return value


def element(doc: JsonObject, collection: str, index: int, what: str) -> JsonObject:
    """`doc[collection][index]`, with a message saying who referred to a missing entry."""
    items = child_list(doc, collection, "glTF")
    if not 0 <= index < len(items):
        raise GltfProblem(f"{what} refers to {collection}[{index}], but the file has {len(items)}")
    return as_object(items[index], f"{collection}[{index}]")


def _as_float(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GltfProblem(f"{what} must be a number, not {_short(value)}")
    result = float(value)
    if not np.isfinite(result):
        raise GltfProblem(f"{what} must be finite")
    return result


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
