"""The intent list the back office offers is the one the NLU project trains on."""

from __future__ import annotations

from pathlib import Path

import yaml

from outreach_bot.domain.intents import INTENTS, is_intent

ROOT = Path(__file__).resolve().parents[2]


def test_the_labels_offered_are_exactly_the_intents_of_nlu_domain_yml() -> None:
    """A counsellor can pick every intent of nlu/domain.yml, in its order, and nothing else."""
    domain = yaml.safe_load((ROOT / "nlu" / "domain.yml").read_text(encoding="utf-8"))
    assert list(INTENTS) == domain["intents"]
    assert len(set(INTENTS)) == 25


def test_a_near_miss_is_not_an_intent() -> None:
    """Case, spaces and Rasa's own fallback name do not count as intents."""
    assert is_intent("find_job")
    assert not any(is_intent(name) for name in ("Find_job", " find_job", "nlu_fallback", ""))
