"""The 25 intent names of the product's intent contract, in its priority order.

They are the vocabulary shared by the NLU data (``nlu/domain.yml``), both backends and the
quality loop: a counsellor labels a misunderstood message with one of these names and nothing
else, so the export can join ``nlu/data/`` without a typo creating a 26th intent. A constant
rather than a read of ``nlu/domain.yml``, because an installed package does not ship ``nlu/``;
a test keeps the two equal.
"""

from __future__ import annotations

from typing import Final

INTENTS: Final[tuple[str, ...]] = (
    "crisis",
    "opt_out",
    "forget_me",
    "ask_human",
    "find_job",
    "find_training",
    "apprenticeship",
    "cej",
    "financial_aid",
    "housing",
    "mobility",
    "health",
    "cv_help",
    "service_civique",
    "school_dropout",
    "leaving_care",
    "admin_help",
    "mission_locale_info",
    "greet",
    "goodbye",
    "thanks",
    "affirm",
    "deny",
    "bot_challenge",
    "out_of_scope",
)


def is_intent(name: str) -> bool:
    """Whether ``name`` is exactly one of the contract's intents (case and spaces count)."""
    return name in INTENTS
