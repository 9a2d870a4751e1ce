"""Whether a message is a crisis, how sure the bot is, and which crisis text answers it.

Two sources speak: the hand-written safety net (certain words, or a hint such as "au
secours") and the classifier's ranked guesses. A certain signal decides alone. Otherwise the
classifier decides, and it is read with a lower bar than any topic answer: distress said
sideways ("a quoi bon continuer, personne remarquerait si je disparaissais") scores low
because no training sentence says it that way, yet it must never get "pas compris" and the
topic menu. So a crisis at the top of the ranking, or close behind an unsure top guess, gets
the gentle answer (3114, "tu veux en parler à quelqu'un ?") and the team is alerted.

The bars were set on the project's NLU test set (``nlu/tests``) and on the everyday
sentences of ``nlu/data/near_crisis.yml``; the held-out set of ``benchmarks/crisis_set.yml``
measures them (``benchmarks/nlu.py --datasets crisis``).

This module only decides; it changes nobody's state. STOP and erasure stay explicit-only
(:func:`outreach_bot.dialogue.turn.command_of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

CRISIS_INTENT: Final = "crisis"
GENTLE: Final = "gentle"
"""The crisis text for a classifier's guess: 3114, "tu veux en parler ?", the team told."""

TOP_FLOOR: Final = 0.4
"""A crisis top guess at least this confident is answered as a crisis."""
CLOSE_FLOOR: Final = 0.2
"""A crisis second guess at least this confident is answered as a crisis...

Two bars by rank are not monotone (a crisis guessed first at 0.3 is silent, second at 0.21
alarms), so one bar for both was measured (issue 18, docs/contributing/benchmarks.md): on
the held-out sets recall is flat from 0.2 to 0.32, but every single bar broke a case of the
conversation set: 0.2 answered a commune typed in a form ("chez mon pere a nancy pour
l'instant", crisis first at 0.28) as a crisis, 0.25 or more missed "jsais pas si je serai
encore la dans une semaine" (crisis second at 0.24). The scores between 0.2 and 0.4 carry
little; what must be heard there is heard by the safety net's words instead.
"""
CLOSE_TOP_MAX: Final = 0.6
"""...when the top guess is less sure than this (a confident topic answer wins)."""
HINT_FLOOR: Final = 0.3
"""A hint ("sos", "au secours") counts when the classifier gives crisis at least this much,
wherever it ranks it: "sos je comprends rien à la CAF" is a paperwork question."""

BREAKUP_FLOOR: Final = CLOSE_TOP_MAX
"""A breakup ("il m'a larguée") is a crisis only when the classifier gives crisis at least
this much: the bar at which a topic answer counts as sure. "mon copain m'a quitté et je me
sens tellement vide" (crisis 0.99) alarms; "il m'a larguée" alone (0.57) gets kind words."""

ADULT_AGE: Final = 18
#: Kinds whose numbers depend on the person's age: 115 is for adults, 119 for minors. Violence
#: without an age, or against a minor, opens with the 119; against an adult with the 17.
BY_AGE: Final[dict[str, tuple[str, str]]] = {
    "shelter": ("shelter_minor", "shelter_adult"),
    "violence": ("violence", "violence_adult"),
}


@dataclass(frozen=True, slots=True)
class CrisisClues:
    """What the safety net read in one message, for :func:`assess_crisis`.

    ``kind`` is set when the net fired, ``certain`` says whether its words leave no doubt
    (False for a hint such as "au secours"), ``topic`` is the kind of crisis the words point
    to should the classifier call it one, ``idiom`` marks an everyday expression that
    sounds like distress ("mon dos me tue", "la flemme de tout", "mdr") or a night outside
    told as over, and ``breakup`` a breakup ("ma copine veut plus de moi"): sad, not in
    danger, unless the classifier is sure of a crisis (:data:`BREAKUP_FLOOR`).
    """

    kind: str | None = None
    certain: bool = True
    topic: str | None = None
    idiom: bool = False
    breakup: bool = False


NO_CLUES: Final = CrisisClues()


@dataclass(frozen=True, slots=True)
class CrisisCall:
    """The verdict on one message: the kind of crisis, and whether the words leave no doubt.

    ``certain`` comes from the safety net only; a classifier's guess never is, which is why
    during a counsellor's takeover a guess alerts the counsellor without the bot speaking.
    """

    kind: str
    certain: bool


def assess_crisis(clues: CrisisClues, ranking: Sequence[tuple[str, float]]) -> CrisisCall | None:
    """Decide whether a message is a crisis, from the safety net and the classifier.

    Args:
        clues: what the safety net read in the message.
        ranking: the classifier's best guesses, best first, with their confidences (empty
            when the message said plainly what it is: a button, a command, a bare yes).

    Returns:
        The call, or None when the message is not a crisis. A guessed crisis about a night
        outside gets the shelter numbers, thanks to ``clues.topic``; with no topic it gets
        the gentle answer.
    """
    if clues.kind is not None and clues.certain:
        return CrisisCall(clues.kind, certain=True)
    if clues.idiom:
        return None  # only certain words outweigh an everyday expression
    top, top_confidence = ranking[0] if ranking else ("", 0.0)
    crisis = next((score for name, score in ranking if name == CRISIS_INTENT), 0.0)
    if clues.breakup and crisis < BREAKUP_FLOOR:
        return None  # a breakup the classifier is unsure of: kind words, not the emergency
    guessed = clues.topic or GENTLE
    if clues.kind is not None:
        return CrisisCall(clues.kind, certain=False) if crisis >= HINT_FLOOR else None
    if top == CRISIS_INTENT and crisis >= TOP_FLOOR:
        return CrisisCall(guessed, certain=False)
    second = ranking[1][0] if len(ranking) > 1 else ""
    if second == CRISIS_INTENT and crisis >= CLOSE_FLOOR and top_confidence < CLOSE_TOP_MAX:
        return CrisisCall(guessed, certain=False)
    return None


def text_kind(kind: str, *, age: int | None) -> str:
    """The crisis text to say for ``kind``, given the age the person stated, if any.

    "nowhere to sleep" sends a minor to the 119 and an adult to the 115; without an age the
    text gives both, each with who it is for.
    """
    if kind not in BY_AGE or age is None:
        return kind
    minor, adult = BY_AGE[kind]
    return minor if age < ADULT_AGE else adult
