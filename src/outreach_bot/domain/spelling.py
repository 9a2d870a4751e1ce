"""Phone spelling that hides a word any reader knows at once: "pa" for "pas", "kel" for "quel",
"jcomprend" for "je comprend", "17ans" for "17 ans", a waving hand for "salut".

Young people type as they speak, on a small keyboard, often with the predictive text off. The
classifier (``nlu.normalization.spell_out``) and the dialogue's reading of a question and of
topic names (``domain.questions.words_of``) both respell a message with these rules first, so
that "a kel age on pe passer le permis" asks "quel âge" for both. Each entry has one obvious
meaning; a word that is also ordinary French ("sa", "peu", "c", "t", "g") is left alone.

The safety net does not read this table: its crisis patterns were reviewed against the SMS
table of ``nlu.normalization`` alone, and a change to what it reads goes through its owner.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

#: Phonetic or clipped spelling (lowercase, no accents) -> the words it stands for.
TYPED_WORDS: Final[dict[str, str]] = {
    "bi1": "bien",
    "cmt": "comment",
    "dla": "de la",
    "ds": "dans",
    "e": "et",  # "é" alone: "g 17 ans é je veux", the é key next to the space bar
    "kan": "quand",
    "ke": "que",
    "kel": "quel",
    "kelle": "quelle",
    "kels": "quels",
    "kesk": "qu'est-ce que",
    "keske": "qu'est-ce que",
    "ki": "qui",
    "koi": "quoi",
    "pa": "pas",
    "pb": "problème",
    "pck": "parce que",
    "pcq": "parce que",
    "pe": "peux",
    "psk": "parce que",
    "ptet": "peut-être",
    "tro": "trop",
    "ve": "veux",
    "veu": "veux",
    "ya": "il y a",
}

#: An emoji sent alone or beside words means what these words mean.
EMOJI_WORDS: Final[dict[str, str]] = {
    "👋": "salut",
    "👍": "ok",
    "👌": "ok",
    "🆗": "ok",
    "🙏": "merci",
    "👎": "non",
}

#: "jcherche", "jcomprend", "jtrouve": "je" glued to a verb. No French word starts with a
#: "j" and another consonant, so the rule cannot split a real word; three letters at least
#: after the "j", one a vowel ("jtm" stays as it is).
_GLUED_JE: Final = re.compile(r"^j(?=[bcdfghklmnpqrstvwxz])(?=\w*[aeiouy])(\w{3,})$")
#: "17ans": an age glued to its unit, as the age keywords and questions read it ("17 ans").
#: Other units ("20h") are left glued: nothing reads them, and every respelling moves the
#: classifier a little.
_GLUED_UNIT: Final = re.compile(r"^(\d+)(ans|an)$")
_TOKENS: Final = re.compile(r"\w+|\W+")
_EMOJI: Final = re.compile("|".join(map(re.escape, EMOJI_WORDS)))


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def respell(text: str) -> str:
    """``text`` with phone spelling written out, in lowercase; accents and punctuation are
    kept ("jcomprend pa tro 👍" reads "je comprend pas trop ok", "17ans é" reads "17 ans et")."""
    lowered = _EMOJI.sub(lambda found: f" {EMOJI_WORDS[found[0]]} ", text.lower())
    parts: list[str] = []
    for token in _TOKENS.findall(lowered):
        if not token[0].isalnum():
            parts.append(token)
            continue
        bare = _fold(token)
        if bare in TYPED_WORDS:
            parts.append(TYPED_WORDS[bare])
        elif glued := _GLUED_JE.match(token):
            parts.append(f"je {glued[1]}")
        elif unit := _GLUED_UNIT.match(token):
            parts.append(f"{unit[1]} {unit[2]}")
        else:
            parts.append(token)
    return "".join(parts)
