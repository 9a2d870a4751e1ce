"""Phone numbers and e-mail addresses taken out of a free text before it is kept for review.

The quality loop keeps what the bot did not understand so that counsellors can teach it; it needs
the words, not the way to reach the person. Phone numbers are found by ``phonenumbers``'
matcher (the same library the lead form uses) at its most lenient setting, because keeping a
number by mistake is worse than blanking a figure that only looked like one.
"""

import re
from typing import Final

import phonenumbers

from outreach_bot.domain.search import fold

__all__ = ["EMAIL_MARK", "PHONE_MARK", "gives_phone_number", "strip_contact_details"]

PHONE_MARK: Final = "[téléphone]"
EMAIL_MARK: Final = "[e-mail]"
# Something@something.tld, with no space: enough for what a young person types in a chat.
EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}")
# Words of someone who wants a number gone or the messages to end ("efface mon numéro",
# "arrêtez d'écrire au 06…"), on the text folded to lower case without accents.
REMOVAL_WORDS: Final = re.compile(
    r"\b(?:effac|supprim|oubli|retir|enlev|stop|arret|desinscri|desabonn|plus m(?:e |'))"
)
# Words that make a number the writer's own, to be called on: "mon num", "mon portable",
# "rappelez-moi", "vous pouvez me joindre". Without them a number is someone else's ("c'est
# qui ce numéro 07… ?", "j'ai reçu un appel du 06…", the Fil Santé Jeunes number) unless the
# message is the number alone.
OWN_NUMBER_WORDS: Final = re.compile(
    r"\bmon\s+(?:num|n°|no\b|tel|portable|phone|fixe|0[67])"
    r"|\b(?:rappel|appel|contact|recontact)\w*[\s-]*moi\b"
    r"|\bme\s+(?:rappel|appel|contact|recontact|joindre|ecri|envoy)|\bjoignable\b"
)
# What may stand beside a number given alone: "voilà", "tiens", "c'est le", "06…" "merci".
MAX_WORDS_BESIDE_A_NUMBER: Final = 3


def strip_contact_details(text: str, default_region: str = "FR") -> str:
    """Return ``text`` with every phone number and e-mail address replaced by a mark.

    Args:
        text: the message as received.
        default_region: ISO 3166-1 alpha-2 code assumed for numbers without a prefix.
    """
    text = EMAIL.sub(EMAIL_MARK, text)
    matches = list(
        phonenumbers.PhoneNumberMatcher(
            text, default_region, leniency=phonenumbers.Leniency.POSSIBLE
        )
    )
    for match in reversed(matches):
        text = text[: match.start] + PHONE_MARK + text[match.end :]
    return text


def gives_phone_number(text: str, default_region: str = "FR") -> bool:
    """Whether a message hands over the writer's phone number to be called on ("mon num c 06
    12…", "rappelez-moi au 07…", or the number alone).

    A real number only (``phonenumbers``' VALID leniency: a date or an age is not one), said
    to be the writer's own, or nearly alone; and not when the words ask for a number to be
    removed or the messages to stop: "efface mon numéro 06…" asks the opposite.

    Args:
        text: the message as received.
        default_region: ISO 3166-1 alpha-2 code assumed for numbers without a prefix.
    """
    folded = fold(text)
    if REMOVAL_WORDS.search(folded):
        return False
    matches = list(
        phonenumbers.PhoneNumberMatcher(text, default_region, leniency=phonenumbers.Leniency.VALID)
    )
    if not matches:
        return False
    if OWN_NUMBER_WORDS.search(folded):
        return True
    rest = text
    for match in reversed(matches):
        rest = rest[: match.start] + " " + rest[match.end :]
    return len(re.findall(r"\w+", rest)) <= MAX_WORDS_BESIDE_A_NUMBER
