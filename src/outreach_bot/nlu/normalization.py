"""Text normalisation for SMS French, shared by the classifier and the safety net.

Young people write "jveux un taf stp", "ouiiii", "chui a la rue": the same words
as the training data, spelt differently. Folding these variants onto one form
before anything is learned or matched lets a few hundred examples cover far
more messages. The abbreviation table is deliberately small and reviewed by hand:
every entry must have one obvious meaning, because a wrong expansion would
teach the classifier something false.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from outreach_bot.domain.spelling import respell

# Abbreviation or slang (lowercase, no accents) -> what it stands for.
# Keep entries unambiguous; "c", "g", "t" and the like are left out on purpose
# ("c" may be "c'est" or the letter c; "t" may be "tu" or "t'es"; "cv" is
# "ça va" to some and a résumé to others, and a résumé matters more here).
SMS_WORDS: Final[dict[str, str]] = {
    "ajd": "aujourd'hui",
    "auj": "aujourd'hui",
    "bcp": "beaucoup",
    "bjr": "bonjour",
    "bsr": "bonsoir",
    "chai": "je sais",
    "chui": "je suis",
    "chuis": "je suis",
    "dac": "d'accord",
    "dacc": "d'accord",
    "dsl": "désolé",
    "jai": "j'ai",
    "jaimerais": "j'aimerais",
    "jarrive": "j'arrive",
    "jcrois": "je crois",
    "jdois": "je dois",
    "jdors": "je dors",
    "jen": "j'en",
    "jme": "je me",
    "jpeux": "je peux",
    "jpp": "j'en peux plus",
    "jsais": "je sais",
    "jsp": "je sais pas",
    "jsuis": "je suis",
    "jte": "je te",
    "jveux": "je veux",
    "mecrire": "m'écrire",
    "menvoyer": "m'envoyer",
    "jvais": "je vais",
    "jvoudrais": "je voudrais",
    "mrc": "merci",
    "mtn": "maintenant",
    "oklm": "au calme",
    "pk": "pourquoi",
    "pq": "pourquoi",
    "pr": "pour",
    "ptdr": "mort de rire",
    "qd": "quand",
    "qlq": "quelque",
    "qqch": "quelque chose",
    "qqn": "quelqu'un",
    "rdv": "rendez-vous",
    "slt": "salut",
    "stp": "s'il te plaît",
    "svp": "s'il vous plaît",
    "tjr": "toujours",
    "tjrs": "toujours",
    "tkt": "t'inquiète",
    "tt": "tout",
    "vrmt": "vraiment",
    "wsh": "wesh",
    "xpdr": "mort de rire",
}

# Three or more of the same letter are shouting or stretching ("ouiiii",
# "nooon"); French never doubles a letter more than twice.
_STRETCHED: Final = re.compile(r"(\w)\1{2,}")
_WORD_OR_OTHER: Final = re.compile(r"\w+|\W+")
_APOSTROPHES: Final = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_SPACES: Final = re.compile(r"\s+")


def fold_accents(text: str) -> str:
    """Drop accents and cedillas, since young people mostly type without them."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def expand(text: str) -> str:
    """Return ``text`` lowercased, with stretched letters shortened and SMS words spelt out.

    Accents are kept, so the result still reads as French for the sentence
    encoder; :func:`normalize` also folds them for matching.
    """
    lowered = _STRETCHED.sub(r"\1", text.translate(_APOSTROPHES).lower())
    parts = []
    for part in _WORD_OR_OTHER.findall(lowered):
        parts.append(SMS_WORDS.get(fold_accents(part), part) if part[0].isalnum() else part)
    return _SPACES.sub(" ", "".join(parts)).strip()


def spell_out(text: str) -> str:
    """What the classifier reads: :func:`expand`, then the phone spelling of
    :func:`outreach_bot.domain.spelling.respell` ("pa", "kel", "jcomprend", "17ans", 👋).

    The dialogue reads questions and topic names with the same respelling. The safety net
    keeps :func:`normalize`, whose table its crisis patterns were reviewed against.
    """
    return _SPACES.sub(" ", respell(expand(text))).strip()


def normalize(text: str) -> str:
    """Return the matching form of ``text``: expanded, without accents."""
    return fold_accents(expand(text))
