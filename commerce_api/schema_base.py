"""The base of every request body: unknown fields refused, and no NUL characters anywhere.

PostgreSQL's text columns cannot hold U+0000 (the fuzzer's first 500 here), and no email, name or
address has a reason to; refusing it at the edge keeps both databases answering the same way.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

__all__ = ["NO_NUL", "RequestModel", "has_nul"]

NO_NUL = r"^[^\x00]*$"  # for path and query parameters: the same rule as for bodies


def has_nul(value: Any) -> bool:
    """Whether a string, or any string inside lists and dicts, holds U+0000."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if has_nul(data):
            raise ValueError("text may not contain NUL (U+0000) characters")
        return data
