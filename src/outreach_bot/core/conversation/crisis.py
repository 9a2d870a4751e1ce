"""What the safety net reads in a message, gathered for the dialogue's crisis decision.

The net lives in :mod:`outreach_bot.nlu.safety`, the decision in the pure dialogue
(:mod:`outreach_bot.dialogue.crisis`), which may not import the NLU: this is where the one
meets the other, for our own conversations and for the benchmark alike.
"""

from __future__ import annotations

from outreach_bot.dialogue.crisis import NO_CLUES, CrisisClues
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
