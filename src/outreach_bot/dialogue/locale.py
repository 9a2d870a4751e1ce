"""Guess whether a newcomer writes in English, so the bot answers in the language they use."""

from __future__ import annotations

import re
from typing import Final

_WORD_RE: Final = re.compile(r"[a-zA-Z']+")
_ENGLISH: Final = frozenset(
    [
        "hello",
        "hi",
        "hey",
        "i",
        "i'm",
        "im",
        "need",
        "want",
        "looking",
        "for",
        "job",
        "work",
        "help",
        "please",
        "what",
        "how",
        "where",
        "who",
        "is",
        "are",
        "the",
        "my",
        "me",
        "you",
        "your",
        "can",
        "do",
        "does",
        "with",
        "english",
        "speak",
        "training",
        "course",
        "money",
        "house",
        "home",
        "thanks",
        "thank",
        "yes",
        "no",
        "bye",
        "find",
        "get",
        "am",
    ]
)
_FRENCH: Final = frozenset(
    [
        "je",
        "j'ai",
        "jai",
        "suis",
        "cherche",
        "veux",
        "un",
        "une",
        "le",
        "la",
        "les",
        "des",
        "du",
        "de",
        "et",
        "est",
        "pour",
        "moi",
        "toi",
        "tu",
        "salut",
        "bonjour",
        "slt",
        "bjr",
        "merci",
        "oui",
        "non",
        "ouais",
        "taf",
        "boulot",
        "travail",
        "aide",
        "comment",
        "ou",
        "quoi",
        "pas",
        "c'est",
        "mon",
        "ma",
        "mes",
        "avec",
        "dans",
        "sur",
        "chui",
        "jsp",
        "stp",
    ]
)


def guess_locale(text: str, current: str) -> str:
    """Switch to English only on clear evidence; French stays the default otherwise.

    A single shared word ("job", "ok") proves nothing, so English needs at least two English
    words and no French one.
    """
    words = [word.lower() for word in _WORD_RE.findall(text)]
    english = sum(word in _ENGLISH for word in words)
    french = sum(word in _FRENCH for word in words)
    if english >= 2 and french == 0:  # noqa: PLR2004 - two words, see docstring
        return "en"
    if french >= 1 and english <= french:
        return "fr"
    return current
