"""What the safety net reads in a message, gathered for the dialogue's crisis decision.

The net lives in :mod:`outreach_bot.nlu.safety`, the decision in the pure dialogue
(:mod:`outreach_bot.dialogue.crisis`), which may not import the NLU: this is where the one
meets the other, for our own conversations and for the benchmark alike.
"""

from __future__ import annotations

from outreach_bot.dialogue.crisis import NO_CLUES, CrisisClues
from outreach_bot.domain.fields import without_commune_name
from outreach_bot.nlu.safety import breakup, crisis_signal, everyday_idiom, likely_kind


def crisis_clues(text: str) -> CrisisClues:
    """Everything the safety net reads in ``text``: its verdict, the kind of help the words
    point to, and whether an everyday expression or a breakup makes a guessed crisis unlikely."""
    if not text:
        return NO_CLUES
    signal = crisis_signal(text)
    return CrisisClues(
        kind=signal.kind if signal else None,
        certain=signal.certain if signal else False,
        topic=likely_kind(text),
        idiom=everyday_idiom(text),
        breakup=breakup(text),
    )


def crisis_reading(text: str) -> str | None:
    """What the classifier reads for the crisis decision when it is not ``text`` itself: the
    message without the name of the Meuse commune it names, or None when it names none.

    A village's name is words the classifier never saw; their letters pulled "jsuis a varennes
    en argonne jcherche du boulo" to crisis 0.40 (second, behind a job at 0.51) and "je vis a
    buxieres sous les cotes jai 19 ans" to 0.97 (issue 18). Where someone lives says nothing of
    danger, so the guess is made without it. Nor of the topic: "jsuis a beney en woevre
    jcherche du boulo" got "pas compris" (crisis first, then nothing sure) until the topic was
    read without the name too (issue 18, fourth pass). The safety net still reads the whole
    message.
    """
    return without_commune_name(text)
