"""Someone who says they do not follow or read well gets français facile, whatever else the
classifier reads in the message ("stop", "messages"), and never "je ne peux pas t'aider"."""

from __future__ import annotations

import pytest

from outreach_bot.dialogue.language import Languages
from outreach_bot.dialogue.state import Step
from tests.dialogue.test_engine import CONTENT, Conversation, reach

LANGUAGES = Languages(CONTENT)
EASY = "fr-x-falc"


@pytest.mark.parametrize(
    "text",
    [
        "jcapte pas tes phrases",
        "tu peux écrire plus simplement stp",
        "je lis mal desole",
        "c'est trop compliqué pour moi",
        "euh j'ai rien compris à ce que tu dis",
        "JE COMPRENDS PAS",
        "plus simple",
        "trop de texte mdr",
        "je suis dyslexique",
    ],
)
def test_saying_one_does_not_follow_asks_for_easy_french(text: str) -> None:
    """A phrase of ``offered_on`` with only words like "tes messages", "stp" around it."""
    assert LANGUAGES.asks_easier(text) == EASY


@pytest.mark.parametrize(
    "text",
    [
        "je comprends pas pourquoi mon patron me paie pas",
        "ok compris merci",
        "ah je comprends",
        "c'est compliqué avec mes parents",
        "c'est plus facile en alternance ?",
        "je comprends pas le cej",
        "c'est simple ?",
    ],
)
def test_a_question_or_an_ok_is_not_a_reading_difficulty(text: str) -> None:
    """The phrase must be what the message says: other words make it about something else."""
    assert LANGUAGES.asks_easier(text) is None


def test_stop_with_i_do_not_follow_gets_easy_french_not_the_stop_question() -> None:
    """The classifier's opt-out guess on "stop jcapte rien" does not ask about messages."""
    chat = Conversation()
    chat.say("c'est quoi le CEJ", "cej")
    chat.say("stop jcapte rien a tes messages", "opt_out", 0.99)
    assert chat.last is not None
    assert not chat.last.effects.opt_out
    assert chat.state.step is not Step.CONFIRM_OPT_OUT
    assert CONTENT.answers["cej"].text.get(EASY) in chat.text()
    assert CONTENT.message("easy_offer", EASY) in chat.text()
    assert chat.state.locale == EASY


def test_with_nothing_to_say_again_it_says_the_next_answers_will_be_easier() -> None:
    """As a first message, the switch is said, then a call back offered; the next answer is
    in easy French."""
    chat = Conversation()
    chat.say("je sais pas bien lire le français", "find_training", 0.94)
    assert chat.text().startswith(CONTENT.message("language_set", EASY))
    assert CONTENT.message("easy_offer", EASY) in chat.text()
    chat.say("non", "deny")
    chat.say("un logement", "housing")
    assert chat.text().startswith(CONTENT.answers["housing"].text.get(EASY))


def test_in_the_form_the_question_is_asked_again_more_simply() -> None:
    """At the commune question, "c trop compliqué" asks the commune again in easy French."""
    chat = reach(Step.ASK_COMMUNE)
    chat.say("c trop compliqué ta question", "opt_out", 0.9)
    assert chat.state.step is Step.ASK_COMMUNE
    assert CONTENT.message("ask_commune", EASY) in chat.text()
