"""Issue 18, fifth pass: signing up for the CEJ asked in passing, a medicine named without a
question about its dose, a trade's project, more topics written for a relative, the number
given before consent offered back, and the 3e pupil's button only for pupils (the classifier's
guesses below are the real ones of the embedded classifier for these messages, or close)."""

from __future__ import annotations

import pytest

from outreach_bot.dialogue.state import Step
from tests.dialogue.test_engine import CONTENT, Conversation
from tests.dialogue.test_register_4 import _followup_text, _titles


def test_how_to_sign_up_after_the_cej_is_the_cej_s_next_step() -> None:
    """ "ok et faut faire quoi pr sinscrire" after the CEJ: a counsellor signs it, not the
    paperwork answer the classifier guessed."""
    chat = Conversation()
    chat.say("c koi le cej", "cej")
    chat.say("ok et faut faire quoi pr sinscrire", "admin_help", 0.7)
    assert _followup_text("cej", "sign_up") in chat.text()
    assert CONTENT.answers["admin_help"].text.fr not in chat.text()


def test_signing_up_is_not_asked_about_as_stopping_the_messages() -> None:
    """ "comment on s'inscrit" guessed as opt_out: no "ne plus recevoir de messages ?"."""
    chat = Conversation()
    chat.say("le cej", "cej")
    outcome = chat.say("comment on s'inscrit", "opt_out", 0.8)
    assert chat.state.step is not Step.CONFIRM_OPT_OUT
    assert not outcome.effects.opt_out
    assert _followup_text("cej", "sign_up") in chat.text()


def test_signing_off_is_still_asked_about() -> None:
    """ "je veux me desinscrire de vos messages" still asks whether to stop (never stops)."""
    chat = Conversation()
    chat.say("le cej", "cej")
    outcome = chat.say("je veux me desinscrire de vos messages", "opt_out", 0.9)
    assert chat.state.step is Step.CONFIRM_OPT_OUT
    assert not outcome.effects.opt_out


def test_a_medicine_named_is_not_a_dose_question() -> None:
    """ "je garde mes médocs dans mon sac": the health answer, not "quelle dose prendre"."""
    chat = Conversation()
    chat.say("je garde mes médocs dans mon sac", "health", 0.6)
    assert _followup_text("health", "medicine") not in chat.text()
    assert CONTENT.answers["health"].text.fr in chat.text()


def test_a_dose_question_still_gets_the_dose_answer() -> None:
    """ "jpeux prendre cmb de doliprane par jour": no dose from a bot, Fil Santé Jeunes, 15."""
    chat = Conversation()
    chat.say("jpeux prendre cmb de doliprane par jour", "health", 0.6)
    assert _followup_text("health", "medicine") in chat.text()


def test_a_trade_s_project_is_about_training() -> None:
    """ "il me faut une corde pour mon projet de cordiste": the training answer."""
    chat = Conversation()
    chat.say("il me faut une corde pour mon projet de cordiste", "out_of_scope", 0.3)
    assert CONTENT.answers["find_training"].text.fr in chat.text()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("c pour ma soeur elle cherche un appart", "housing"),
        ("c pour ma cousine elle veut faire le cej", "cej"),
        ("c pour mon frere il veut passer le permis", "mobility"),
        ("jecris pour ma copine elle veut faire un service civique", "service_civique"),
        ("c pour ma soeur elle veut faire un cv", "cv_help"),
        ("c pour mon frere il a besoin d'aide pour ses papiers caf", "admin_help"),
    ],
)
def test_more_topics_are_answered_for_a_relative(text: str, intent: str) -> None:
    """Housing, the CEJ, the licence, Service Civique, the CV and the paperwork, said of the
    relative the message is written for, not of the writer."""
    chat = Conversation()
    chat.say(text, intent, 0.9)
    assert _followup_text(intent, "relative") in chat.text()
    assert CONTENT.answers[intent].text.fr not in chat.text()


def _to_the_contact_question(chat: Conversation, *, number: str | None) -> None:
    chat.say("mon num c 06 12 34 56 78", "forget_me", 0.7)
    assert chat.state.step is Step.CONSENT
    assert "0612345678" not in chat.state.to_json().replace(" ", "")
    chat.say("oui", given_phone=number)
    chat.say("19")
    chat.say("Léo")


def test_a_number_given_before_consent_is_offered_back_after_it() -> None:
    """The number is not kept before consent; after it, the form offers it back, and yes
    keeps it."""
    chat = Conversation()
    _to_the_contact_question(chat, number="+33612345678")
    assert chat.state.step is Step.ASK_CONTACT
    assert "06 12 34 56 78" in chat.text()
    assert "Quel numéro" not in chat.text()
    chat.say("/affirm")
    assert chat.state.step is Step.ASK_COMMUNE
    assert chat.state.form.phone == "+33612345678"


def test_another_number_typed_at_the_offer_wins() -> None:
    """ "non c le 07 81 23 45 67 mtn" at "C'est bien ce numéro ?": the new number."""
    chat = Conversation()
    _to_the_contact_question(chat, number="+33612345678")
    chat.say("non c le 07 81 23 45 67 mtn", "deny", 0.6)
    assert chat.state.form.phone == "+33781234567"


def test_no_to_the_number_offered_asks_for_one() -> None:
    """ "non": the form asks for a number, and keeps nothing of the one offered."""
    chat = Conversation()
    _to_the_contact_question(chat, number="+33612345678")
    chat.say("/deny")
    assert chat.state.step is Step.ASK_PHONE
    assert chat.state.form.phone is None
    assert chat.state.form.offered_phone is None


def test_consent_refused_forgets_that_a_number_was_given() -> None:
    """No to consent: the next request asks for a number as if none had been given."""
    chat = Conversation()
    chat.say("mon num c 06 12 34 56 78", "forget_me", 0.7)
    chat.say("/deny")
    assert not chat.state.number_given
    chat.say("je veux parler a un conseiller", "ask_human", 0.9)
    chat.say("oui", given_phone="+33612345678")
    assert chat.state.form.offered_phone is None


def test_the_stage_button_only_for_a_pupil() -> None:
    """ "Mon stage de 3e" under the training answer for a collège pupil, not for a 20-year-old
    or someone who left school in 3e."""
    button = CONTENT.answers["find_training"].followup("school_internship")
    assert button is not None
    for text, shown in [
        ("jai 20 ans je cherche une formation en cuisine", False),
        ("jai arrete en 3eme jcherche une formation", False),
        ("jsuis au college en 3e et jveux savoir les formations apres", True),
        ("g 15 ans jcherche une formation", True),
    ]:
        chat = Conversation()
        chat.say(text, "find_training", 0.9)
        assert (button.question.fr in _titles(chat)) is shown, text


def test_an_unclear_answer_to_the_number_offered_asks_again() -> None:
    """ "euh", guessed as a yes by the classifier, keeps nothing: the offer is asked again."""
    chat = Conversation()
    _to_the_contact_question(chat, number="+33612345678")
    chat.say("euh", "affirm", 0.7)
    assert chat.state.step is Step.ASK_CONTACT
    assert chat.state.form.phone is None
    assert "06 12 34 56 78" in chat.text()
    chat.say("ok")
    assert chat.state.form.phone == "+33612345678"


def test_on_telegram_no_to_the_number_offered_still_offers_to_answer_here() -> None:
    """On Telegram a counsellor can answer in the chat: after "Un autre numéro" the question is
    the Telegram one, with its "here on Telegram" button, not a bare request for a number."""
    chat = Conversation(channel="telegram")
    _to_the_contact_question(chat, number="+33612345678")
    chat.say("/deny")
    assert chat.state.form.offered_phone is None
    buttons = [button.payload for button in chat.last.replies[-1].buttons] if chat.last else []
    assert "/contact_here" in buttons
    chat.say("/contact_here")
    assert chat.state.form.contact_here
    assert chat.state.form.phone is None
    assert chat.state.step is Step.ASK_COMMUNE
