"""A relative's trouble told as such: "mon frère est en prison", "ma mère galère à payer le loyer".

Young people often write about their family before (or instead of) themselves. Read by topic
words alone, "ma mère galère à payer le loyer" is a question about one's own rent (Mobili-Jeune,
an apprentice's rent aid) and "mon père a perdu son taf" a job search: answers about the young
person's own situation that do not fit. :func:`about_a_relative` tells such a message apart: a
relative is named, with a household trouble (rent, debts, eviction, prison, illness, a lost
job), and the young person says nothing of themselves ("je", "j'ai", "moi", "m'aider") or
only that they look after the relative, asking nothing. A
message that also says what the young person wants ("... alors je cherche un taf") is about
their own need and is read as before.
"""

from __future__ import annotations

import re
from typing import Final

from outreach_bot.domain.questions import words_of

_RELATIVES: Final = (
    r"(?:mon|ma|mes) (?:(?:grand|grande|petit|petite|beau|belle|demi) )?"
    r"(?:frere|freres|soeur|soeurs|mere|pere|parents|daronne|daron|darons|reum|reup|reuf"
    r"|famille|copain|copine|mec|meuf|cousin|cousine|tante|oncle|mari|femme|pote|frangin"
    r"|frangine)"
)
_TROUBLES: Final = (
    r"loyer|loyers|expulse|expulser|expulsee|expulses|expulsion|huissier|dette|dettes"
    r"|facture|factures|prison|taule|tole|detention|incarcere|incarceree|garde a vue|tribunal"
    r"|juge|condamne|condamnee|malade|hopital|lhopital|hospitalise|hospitalisee|cancer|chomage"
    r"|licencie|licenciee|perdu son (?:travail|taf|boulot|emploi|job)|galere|galerent"
    r"|s en sort plus|s en sortent plus|peut plus payer|peuvent plus payer|arrive plus a payer"
)
#: The young person speaking of themselves: "je", "j'ai", SMS "g" and "jsuis", "moi", "m'aider".
_OWN: Final = (
    r"je|j|g|moi|me|m|jsuis|jsui|jsais|jsai|jsp|jveux|jveu|jvoudrais|jvoudrai|jarrive|jai"
    r"|jpeux|jpe|jfais|jfai|jcherche|jcherch|jaimerais|jaimerai|jcomprend|jcomprends"
)
#: Looking after the relative ("jdois m'en occuper"): a young carer tells the family's trouble.
_CARING: Final = (
    r"m en occuper|m en occupe|m occuper d\w*|m occupe d\w*|moccupe|moccuper|aidant|aidante"
)
#: Asking for something for oneself: then the young person's own need is answered.
_REQUEST: Final = (
    r"cherche|cherch|cherches|veux|veu|voudrais|voudrai|besoin|aimerais|aimerai|envie"
)
RELATIVE: Final = re.compile(rf" {_RELATIVES} ")
CARING: Final = re.compile(rf" (?:{_CARING}) ")
REQUEST: Final = re.compile(rf" (?:{_REQUEST}) ")
TROUBLE: Final = re.compile(rf" (?:{_TROUBLES}) ")
OWN: Final = re.compile(rf" (?:{_OWN}) ")


def _words(text: str) -> str:
    return words_of(text.replace("œ", "oe").replace("Œ", "OE"))


def relatives_trouble_removed(text: str) -> str:
    """The message's words without the trouble words when a relative is named: in "ma mère
    galère avec le loyer alors je cherche un taf", the rent is the mother's and the job the
    young person's own need, so only "taf" should name a topic."""
    words = _words(text)
    if not RELATIVE.search(words):
        return words
    return f" {' '.join(TROUBLE.sub('  ', words).split())} "


def about_a_relative(text: str) -> bool:
    """Whether ``text`` tells of a relative's trouble and nothing of the writer's own need.

    A young carer ("ma grand-mère est malade, jdois m'en occuper, jpeux pas bosser") speaks of
    themselves, but of the family's trouble: that too, unless they ask for something.
    """
    words = _words(text)
    if not (RELATIVE.search(words) and TROUBLE.search(words)):
        return False
    return not OWN.search(words) or bool(CARING.search(words) and not REQUEST.search(words))
