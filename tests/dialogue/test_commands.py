"""STOP and SUPPRIMER change someone's state only when given explicitly, never on a guess."""

from __future__ import annotations

import pytest

from outreach_bot.dialogue.state import Step
from outreach_bot.dialogue.turn import ERASE_WORDS, STOP_WORDS, command_of
from outreach_bot.domain.campaigns import RESERVED_CODES
from tests.dialogue.test_engine import ALL_STEPS, CONTENT, Conversation, at
from tests.factories import EVERYDAY_NOT_STOP, EXPLICIT_STOP


@pytest.mark.parametrize("text", EXPLICIT_STOP)
def test_the_stop_word_alone_or_nearly_alone_is_the_command(text: str) -> None:
    """Punctuation, an emoji, "merci" or "svp" around STOP keep it a command."""
    assert command_of(text) == "opt_out"


@pytest.mark.parametrize("text", ["SUPPRIMER", "supprimer !", "/supprimer", "Supprimer svp"])
def test_the_erase_word_alone_is_the_erase_command(text: str) -> None:
    """SUPPRIMER alone, however written, is the erase command."""
    assert command_of(text) == "forget_me"


@pytest.mark.parametrize("text", EVERYDAY_NOT_STOP)
def test_an_everyday_sentence_is_never_a_command(text: str) -> None:
    """A sentence that merely contains "stop", "arrêt" or "supprimer" is not a command."""
    assert command_of(text) is None


@pytest.mark.parametrize("step", ALL_STEPS)
def test_a_confident_opt_out_guess_only_asks(step: Step) -> None:
    """The classifier's opt_out at 0.99 asks "no more messages?" and unsubscribes nobody."""
    chat = at(step)
    chat.say("j'ai pas reçu de message", "opt_out", 0.99)
    assert chat.last is not None
    assert not chat.last.effects.opt_out
    assert chat.text() == CONTENT.message("opt_out_confirm", "fr")
    assert chat.payloads() == ["/opt_out", "/deny"]
    assert chat.state.step is Step.CONFIRM_OPT_OUT


@pytest.mark.parametrize("answer", ["STOP", "/opt_out", "oui", "1"])
def test_stop_the_button_or_a_bare_yes_after_the_question_unsubscribes(answer: str) -> None:
    """After the question, STOP, the yes button (1 on SMS) or "oui" unsubscribe."""
    chat = Conversation(channel="sms")
    chat.say("arrêtez de m'écrire", "opt_out", 0.99)
    chat.say(answer, "affirm", 0.9)
    assert chat.last is not None
    assert chat.last.effects.opt_out
    assert chat.state.step is Step.IDLE


def test_no_after_the_question_keeps_the_form_where_it_was() -> None:
    """ "Non" keeps the messages coming and the form at the question it had reached."""
    chat = at(Step.ASK_COMMUNE)
    chat.say("arrêtez de m'écrire", "opt_out", 0.99)
    chat.say("/deny")
    assert chat.last is not None
    assert not chat.last.effects.opt_out
    assert chat.text() == CONTENT.message("opt_out_kept", "fr")
    assert chat.state.step is Step.ASK_COMMUNE
    chat.say("Stenay")
    assert chat.state.form.commune_name == "Stenay"


def test_anything_else_after_the_question_is_answered_normally() -> None:
    """Another message drops the question and gets its usual answer, even guessed as yes."""
    chat = Conversation()
    chat.say("j'ai pas reçu de message", "opt_out", 0.99)
    chat.say("c'est quoi le cej", "cej", 0.95)
    assert chat.last is not None
    assert not chat.last.effects.opt_out
    assert chat.last.replies[0].text == CONTENT.answers["cej"].text.fr


def test_a_guessed_yes_does_not_confirm_an_erasure() -> None:
    """Only an explicit yes erases: the classifier's affirm guess on a sentence does not."""
    chat = Conversation()
    chat.say("efface mes données", "forget_me", 0.95)
    assert chat.state.step is Step.CONFIRM_ERASE
    chat.say("grave c'est ce que je veux dire en fait", "affirm", 0.97)
    assert chat.last is not None
    assert not chat.last.effects.erase


@pytest.mark.parametrize("answer", ["/affirm", "oui", "SUPPRIMER"])
def test_supprimer_then_an_explicit_yes_erases(answer: str) -> None:
    """SUPPRIMER asks once; the yes button, "oui" or SUPPRIMER again erase."""
    chat = Conversation()
    chat.say("SUPPRIMER")
    assert not chat.last.effects.erase  # type: ignore[union-attr]
    chat.say(answer, "out_of_scope", 0.3)
    assert chat.last is not None
    assert chat.last.effects.erase


def test_every_one_word_stop_command_is_a_reserved_campaign_code() -> None:
    """No campaign code can take a STOP or SUPPRIMER word from a first SMS."""
    single = {word.upper() for word in STOP_WORDS | ERASE_WORDS if word.isalpha()}
    assert single <= RESERVED_CODES


@pytest.mark.parametrize(
    "text",
    ["supprime pas mes messages stp", "n'efface rien surtout", "faut pas tout effacer"],
)
def test_asking_not_to_erase_is_not_asked_whether_to_erase(text: str) -> None:
    """A guessed forget_me on "supprime pas..." gets "je n'efface rien", no question."""
    chat = Conversation()
    chat.say(text, "forget_me", 0.92)
    assert chat.last is not None
    assert not chat.last.effects.erase
    assert chat.text() == CONTENT.message("erase_cancelled", "fr")
    assert chat.state.step is Step.IDLE


def test_a_complaint_about_erasure_still_asks() -> None:
    """ "pourquoi tu supprimes pas mes données ?" may want the erasure: it is asked."""
    chat = Conversation()
    chat.say("pourquoi tu supprimes pas mes données ?", "forget_me", 0.92)
    assert chat.state.step is Step.CONFIRM_ERASE
