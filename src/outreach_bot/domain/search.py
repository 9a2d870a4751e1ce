"""The words a search matches on: one normalisation for what is indexed and what is typed.

Personal fields are encrypted at rest, so the queue is searched through a blind index (keyed
hashes of words, ``storage.search_index``). A hash only matches an identical word, so both
sides must reduce a word to the same form: lower case, accents folded ("Étienne" and
"etienne"), ligatures spelt out, a plural ``s`` dropped, and everything that is not a letter
or a digit (emoji, AZERTY symbols such as ``²`` or ``§``, apostrophes, hyphens) treated as a
space.
"""

from __future__ import annotations

import unicodedata
from typing import Final

MIN_WORD: Final = 2
"""Shorter words (the "l" of "l'aide", a stray letter) would match everyone."""
MAX_WORDS: Final = 12
"""Words of a search kept; a pasted paragraph is not a search."""
MAX_QUERY: Final = 200
"""Characters of a search read; the rest is ignored."""

_STOP_TEXT: Final = """
le la les un une des de du et ou au aux en dans pour par sur avec sans je tu il elle on nous
vous ils elles me te se ce ca cet cette est suis ai as mon ma mes ton ta tes son sa ses qui
que qu ne pas plus moi toi lui leur
"""
STOP_WORDS: Final = frozenset(_STOP_TEXT.split())
"""Words of almost every request ("je cherche un logement"): indexing them would only make
every lead match, and dropping them on both sides lets "un logement" find "logement"."""

_SPELT_OUT: Final = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l"})


def fold(text: str) -> str:
    """Lower case, no accents, no ligatures: "Œuvre À Saint-Mihiel" → "oeuvre a saint-mihiel"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SPELT_OUT))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _in_word(char: str) -> bool:
    """Letters (with their accents) and decimal digits, of any script; nothing else."""
    category = unicodedata.category(char)
    return category[0] in "LM" or category == "Nd"


def _stem(word: str) -> str:
    """Drop a plural ``s`` ("logements" → "logement"); short words keep theirs ("bus")."""
    return word[:-1] if len(word) > 3 and word.endswith("s") else word  # noqa: PLR2004


def search_words(text: str | None, *, limit: int | None = None) -> list[str]:
    """The distinct words of ``text`` a search can match, in the order they appear.

    Args:
        text: a first name, a commune, the words of a request, or what a counsellor typed.
        limit: keep at most this many words (a search box); None keeps all (indexing).
    """
    if not text:
        return []
    # Letters and digits are kept, read before folding: "²" (top left of an AZERTY keyboard)
    # would otherwise become a "2" glued to the word before it.
    spaced = fold("".join(char if _in_word(char) else " " for char in text))
    words: list[str] = []
    for raw in spaced.split():
        if len(raw) < MIN_WORD or raw in STOP_WORDS:
            continue
        word = _stem(raw)
        if word not in words:
            words.append(word)
        if limit is not None and len(words) >= limit:
            break
    return words
