"""A trade named as a career project: "mon projet de cordiste", "le métier de soudeur".

The classifier knows few trades by name: "il me faut une corde pour mon projet de cordiste" (a
rope-access worker) reads to it as nothing it learnt. The words around the trade say what it
is: a project, a trade, someone to become. :func:`names_a_project` finds them; the dialogue
reads such a message as a question about training only when nothing else understood it, so
"mon projet de déménager" stays a move.
"""

from __future__ import annotations

import re
from typing import Final

from outreach_bot.domain.questions import words_of

_PROJECT: Final = re.compile(
    r" (?:projet pro|projet professionnel|projets pro|mon projet de|mon projet d|le metier de"
    r"|le metier d|un metier de|devenir|faire le metier|career|become a|train as) "
)


def names_a_project(text: str) -> bool:
    """Whether ``text`` speaks of a career project or a trade to take up."""
    return _PROJECT.search(words_of(text)) is not None
