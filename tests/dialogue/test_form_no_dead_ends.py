"""The lead form has no dead ends: a question is not a refusal, a typed "envoyer" sends."""

from __future__ import annotations

import pytest

from outreach_bot.dialogue.state import Step
from tests.dialogue.test_engine import CONTENT, Conversation, reach


def test_a_question_at_the_consent_step_is_answered_then_consent_is_asked_again() -> None:
    """ "c'est gratuit ?" before saying yes gets the answer and the question again, and the
    yes that follows starts the form."""
    chat = reach(Step.CONSENT)
    chat.say("c'est gratuit ?", "mission_locale_info", 0.99)
    who = CONTENT.answers["mission_locale_info"].followup("who")
    assert who is not None
    assert who.text.fr in chat.text()
    assert chat.text().endswith(CONTENT.message("consent_again", "fr"))
    assert CONTENT.message("consent_declined", "fr") not in chat.text()
    assert chat.payloads() == ["/affirm", "/deny"]
    chat.say("oui", "affirm", 1.0)
    assert chat.state.step is Step.ASK_AGE
    assert chat.state.form.consent_at is not None


def test_a_follow_up_of_the_topic_at_the_consent_step_is_answered() -> None:
    """ "ah ok" said yes to the offer; "et ça dure combien de temps ?" is still the CEJ."""
    chat = Conversation()
    chat.say("c'est quoi le contrat d'engagement jeune", "cej", 1.0)
    chat.say("ah ok", "affirm", 1.0)
    assert chat.state.step is Step.CONSENT
    chat.say("et ça dure combien de temps ?", "mission_locale_info", 0.29)
    assert "12 mois" in chat.text()
    assert chat.state.step is Step.CONSENT


def test_no_at_the_consent_step_keeps_nothing() -> None:
    """A no is a no."""
    chat = reach(Step.CONSENT)
    chat.say("non", "deny", 1.0)
    assert chat.text() == CONTENT.message("consent_declined", "fr")
    assert chat.state.step is Step.IDLE


def test_gibberish_at_the_consent_step_asks_again_twice_then_lets_go() -> None:
    """Unclear answers are not a yes: asked again twice, then nothing is kept."""
    chat = reach(Step.CONSENT)
    for _ in range(2):
        chat.say("hmmm", "out_of_scope", 0.3)
        assert chat.text() == CONTENT.message("consent_again", "fr")
    chat.say("hmmm", "out_of_scope", 0.3)
    assert chat.state.step is Step.IDLE
    assert chat.state.form.consent_at is None


@pytest.mark.parametrize(
    ("typed", "intent"),
    [
        ("envoyer", "greet"),
        ("envoie", "affirm"),
        ("Envoie stp", "out_of_scope"),
        ("valider", "admin_help"),
        ("c'est bon", "affirm"),
        ("send", "opt_out"),
        ("ok", "affirm"),
        ("oui envoyer", "affirm"),
        ("Oui, envoyer", "out_of_scope"),
    ],
)
def test_the_send_button_s_words_typed_at_the_recap_send_the_request(
    typed: str, intent: str
) -> None:
    """The classifier's guesses are the real ones ("envoyer" reads as a greeting to it)."""
    chat = reach(Step.SUMMARY)
    chat.say(typed, intent, 0.5)
    assert chat.last is not None
    assert chat.last.effects.lead is not None
    assert chat.last.effects.lead.consent_at is not None


@pytest.mark.parametrize(
    "typed", ["euh attends", "n'envoie pas", "jsp", "c'est qui qui va lire ?"]
)
def test_an_unclear_answer_at_the_recap_asks_again_and_never_opens_the_corrections(
    typed: str,
) -> None:
    """Nothing sent, nothing lost: the recap question again, with its two buttons."""
    chat = reach(Step.SUMMARY)
    chat.say(typed, "out_of_scope", 0.5)
    assert chat.last is not None
    assert chat.last.effects.lead is None
    assert chat.state.step is Step.SUMMARY
    assert chat.text() == CONTENT.message("summary_again", "fr")
    chat.say("envoyer", "greet", 0.39)
    assert chat.last.effects.lead is not None


@pytest.mark.parametrize("typed", ["corriger", "non", "je veux modifier mon numéro"])
def test_asking_to_correct_at_the_recap_opens_the_corrections(typed: str) -> None:
    """ "corriger" or a no still opens the list of fields."""
    chat = reach(Step.SUMMARY)
    chat.say(typed, "deny", 0.6)
    assert chat.state.step is Step.CHOOSE_FIX
    assert chat.last is not None
    assert chat.last.effects.lead is None
