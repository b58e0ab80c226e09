"""The one error type asset loading raises, so callers can skip a bad file and go on."""

from __future__ import annotations

from pathlib import Path

__all__ = ["AssetError"]


class AssetError(Exception):
    """A model or environment file that cannot be used; the message names the file and why."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
