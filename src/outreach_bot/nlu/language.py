"""Offline language identification (py3langid), restricted to the languages the bot has.

py3langid ships its model inside the package (no download) and classifies a short message in
well under a millisecond once loaded. Loading takes a second or so, so it happens on the first
message in a script several languages share (Arabic letters: Arabic, Dari, Pashto), never at
start-up, and once per process. Why this library: see docs (languages page).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier


class LanguageIdentifierNlu:
    """Callable as ``dialogue.language.Identify``: the likeliest of some languages."""

    def __init__(self) -> None:
        self._identifier: LanguageIdentifier | None = None
        self._known: frozenset[str] = frozenset()
        self._restricted_to: list[str] = []
        self._lock = threading.Lock()

    def _loaded(self) -> LanguageIdentifier:
        with self._lock:
            if self._identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier  # noqa: PLC0415

                self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                self._known = frozenset(self._identifier.nb_classes)
            return self._identifier

    def __call__(self, text: str, candidates: Sequence[str]) -> tuple[str, float] | None:
        """The likeliest of ``candidates`` (py3langid codes) and its probability; None when
        the library knows none of them."""
        identifier = self._loaded()
        known = sorted(code for code in candidates if code in self._known)
        if not known:
            return None
        if len(known) == 1:
            return known[0], 1.0
        with self._lock:  # set_languages changes the shared model: one caller at a time
            if known != self._restricted_to:
                identifier.set_languages(known)
                self._restricted_to = known
            code, probability = identifier.classify(text)
        return str(code), float(probability)
