"""The lead form's commune question reads communes inside sentences and asks which commune a
shared postal code means."""

from __future__ import annotations

import pytest

from outreach_bot.dialogue.state import Step
from tests.dialogue.test_engine import CONTENT, reach

COMMERCY, DUN, VERDUN, NANCY = "55122", "55167", "55545", "54395"


@pytest.mark.parametrize(
    ("answer", "insee"),
    [
        ("chez ma tante à commercy", COMMERCY),
        ("j'habite a dun sur meuse avec ma mere", DUN),
        ("en ce moment je dors chez une copine a verdun", VERDUN),
        ("Commercy", COMMERCY),
    ],
)
def test_a_local_commune_named_in_a_sentence_is_taken(answer: str, insee: str) -> None:
    """The form goes on to the next question with the commune named inside the sentence."""
    chat = reach(Step.ASK_COMMUNE)
    chat.say(answer)
    assert chat.state.form.commune_insee == insee
    assert chat.state.step is Step.ASK_NEED


def test_a_commune_elsewhere_named_in_a_sentence_is_offered_not_taken() -> None:
    """ "chez mon père à nancy" offers Nancy (54) as a button; tapping it records it."""
    chat = reach(Step.ASK_COMMUNE)
    chat.say("chez mon père à nancy")
    assert chat.state.step is Step.ASK_COMMUNE
    assert chat.text() == CONTENT.message("did_you_mean", "fr")
    assert chat.last is not None
    assert chat.last.replies[0].buttons[0].title == "Nancy (54)"
    chat.say("1")
    assert chat.state.form.commune_insee == NANCY


def test_a_shared_postal_code_asks_which_commune_with_buttons() -> None:
    """55100 is Verdun and 25 villages: the bot names the code and offers the largest first."""
    chat = reach(Step.ASK_COMMUNE)
    chat.say("55100")
    assert chat.state.step is Step.ASK_COMMUNE
    assert chat.text() == CONTENT.message("which_commune", "fr", code="55100")
    assert chat.last is not None
    titles = [button.title for button in chat.last.replies[0].buttons]
    assert titles[0] == "Verdun (55)"
    assert len(titles) == 5  # four communes, then "Aucune"
    assert titles[-1] == CONTENT.message("button_none", "fr")
    chat.say("2")
    assert chat.state.form.commune_name == titles[1].removesuffix(" (55)")
    assert chat.state.step is Step.ASK_NEED


def test_a_shared_postal_code_with_the_name_needs_no_question() -> None:
    """ "55100 Verdun" says which of the code's communes: it is taken at once."""
    chat = reach(Step.ASK_COMMUNE)
    chat.say("55100 Verdun")
    assert chat.state.form.commune_insee == VERDUN
    assert chat.state.step is Step.ASK_NEED
