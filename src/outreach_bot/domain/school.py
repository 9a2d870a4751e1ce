"""A collège pupil told apart from a school leaver: "jsuis en 3e", "g 15 ans", "au collège".

The training answer has a button for the 3e pupil's work placement ("Mon stage de 3e"). Under
every training answer it reads as a question to a 20-year-old; it fits a pupil, or a message
that speaks of a "stage". :func:`speaks_as_a_pupil` reads one message: still at collège (in 3e,
4e, at collège, a collégien), 15 or younger by an age stated in passing, or a "stage" named,
and not someone who says they left ("j'ai arrêté en 3e", "viré du collège").
"""

from __future__ import annotations

import re
from typing import Final

from outreach_bot.domain.fields import stated_age
from outreach_bot.domain.questions import words_of

#: The age below which someone is most likely still at school (the obligation to attend runs
#: to 16): a stated age under it makes the placement button fit.
PUPIL_AGE_LIMIT: Final = 16
_AT_COLLEGE: Final = re.compile(
    r" (?:suis|sui|es|est|suis encore|suis toujours) (?:en|au|a) (?:3e|3eme|troisieme|4e|4eme"
    r"|quatrieme|college) | collegien | collegienne | stage | stages | brevet "
)
#: Said by someone who left: "arrêté en 3e", "quitté le collège", "viré du collège".
_LEFT: Final = re.compile(
    r" (?:arrete|arreter|quitte|quitter|abandonne|decroche|vire|viree|exclu|exclue|renvoye"
    r"|renvoyee|plus a l ecole|plus au college|fini|termine) "
)


def speaks_as_a_pupil(text: str) -> bool:
    """Whether ``text`` is written by a collège pupil or asks about a placement ("stage")."""
    words = words_of(text)
    if _LEFT.search(words):
        return False
    if _AT_COLLEGE.search(words):
        return True
    age = stated_age(text)
    return age is not None and age < PUPIL_AGE_LIMIT
