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

They also write *for* a relative: "c pour ma soeur, elle veut arrêter les cours", "jvous écris
pour ma cousine elle cherche du taf". :func:`for_a_relative` tells such a message apart, so the
answer speaks of the relative ("Ton proche veut arrêter l'école ?") rather than asking the
writer "Tu as quitté l'école ?".
"""

from __future__ import annotations

import re
from typing import Final

from outreach_bot.domain.questions import words_of

_RELATIVES: Final = (
    r"(?:mon|ma|mes) (?:(?:grand|grande|petit|petite|beau|belle|demi) )?"
    r"(?:frere|freres|soeur|soeurs|mere|pere|parents|daronne|daron|darons|reum|reup|reuf"
    r"|famille|copain|copine|mec|meuf|cousin|cousine|tante|oncle|mari|femme|pote|frangin"
    r"|frangine|fille|fils|neveu|niece|ami|amie|copains|copines|potes)"
)
#: The same in English ("my sister", "my little brother"), for :func:`for_a_relative`.
_RELATIVES_EN: Final = (
    r"my (?:(?:little|big|younger|older|elder) )?(?:sister|brother|cousin|friend|son|daughter"
    r"|mum|mom|mother|dad|father|niece|nephew|girlfriend|boyfriend)"
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


#: The relative is the one the message is for: "c pour ma soeur", "jvous écris pour mon frère".
_FOR: Final = rf"(?:pour|for) (?:{_RELATIVES}|{_RELATIVES_EN})"
#: The relative wants or does something: "ma soeur (elle) veut", "il cherche", "she wants".
_THEIR_WISH: Final = (
    r"(?:veut|veux|voudrait|aimerait|cherche|souhaite|compte|pense|parle d|a besoin|doit"
    r"|wants|would like|is looking|needs|has to)"
)
_THEY_WANT: Final = (
    rf"(?:(?:{_RELATIVES}|{_RELATIVES_EN})(?: (?:il|elle|he|she))?|il|elle|he|she) {_THEIR_WISH}"
)
#: The writer's own wish: "je cherche", "moi aussi", "g besoin", "I want". Phone spelling is
#: written out first ("jcherche" is "je cherche", :func:`words_of`).
_OWN_WISH: Final = (
    r"(?:je|j) (?:ne )?(?:veux|veu|voudrais|voudrai|cherche|cherch|aimerais|aimerai|souhaite"
    r"|dois|ai besoin|ai envie|compte|pense)|g besoin|moi aussi|moi je|pour moi|que je|que j"
    r"|i want|i need|i am looking|i m looking|me too|for me|for myself"
)
FOR_RELATIVE: Final = re.compile(rf" {_FOR} ")
THEY_WANT: Final = re.compile(rf" {_THEY_WANT} ")
RELATIVE_NAMED: Final = re.compile(rf" (?:{_RELATIVES}|{_RELATIVES_EN}) ")
OWN_WISH: Final = re.compile(rf" (?:{_OWN_WISH}) ")


def for_a_relative(text: str) -> bool:
    """Whether ``text`` asks on a relative's behalf and says nothing of the writer's own wish.

    "c pour ma soeur… elle veut arreter les cours", "mon petit frère il veut quitter le lycée",
    "jvous écris pour ma cousine elle cherche du taf", "it's for my brother, he wants a job":
    yes. "ma soeur bosse déjà, moi je cherche une formation" (the writer's own wish) or "ma
    mère veut que je fasse une formation" (the wish is the writer's to fulfil): no.
    """
    words = _words(text)
    if not RELATIVE_NAMED.search(words) or OWN_WISH.search(words):
        return False
    return bool(FOR_RELATIVE.search(words) or THEY_WANT.search(words))
