"""Issue 18, sixth pass: a Meuse town said as home before the form asks for it is offered back
at the commune question ("Tu habites bien à Stenay ?"), never kept before consent."""

from __future__ import annotations

from outreach_bot.dialogue.state import Step
from tests.dialogue.test_engine import Conversation

STENAY = "55502"
VERDUN = "55545"


def _to_the_commune_question(chat: Conversation, *, home: str | None) -> None:
    chat.say("jhabite a stenay, je veux parler a un conseiller", "ask_human", 0.9)
    assert chat.state.step is Step.CONSENT
    assert "stenay" not in chat.state.to_json().lower()
    assert chat.state.commune_named
    chat.say("oui", given_commune=home)
    chat.say("19")
    chat.say("Léo")
    chat.say("06 11 22 33 44")
    assert chat.state.step is Step.ASK_COMMUNE


def test_a_home_town_said_before_consent_is_offered_back() -> None:
    """Only a flag before consent; at the commune question the town is offered, yes keeps it."""
    chat = Conversation()
    _to_the_commune_question(chat, home=STENAY)
    assert "Tu habites bien à Stenay ?" in chat.text()
    assert chat.payloads() == ["/affirm", "/deny"]
    chat.say("oui")
    assert chat.state.form.commune_name == "Stenay"
    assert chat.state.step is Step.ASK_NEED


def test_no_at_the_town_offered_asks_the_open_question() -> None:
    """A plain no asks where they live, with nothing kept."""
    chat = Conversation()
    _to_the_commune_question(chat, home=STENAY)
    chat.say("non")
    assert chat.state.step is Step.ASK_COMMUNE
    assert chat.state.form.commune_insee is None
    assert "dans quelle commune" in chat.text()


def test_an_unclear_answer_to_the_town_offered_keeps_nothing() -> None:
    """ "euh", guessed as a yes by the classifier, is read as an answer to the question."""
    chat = Conversation()
    _to_the_commune_question(chat, home=STENAY)
    chat.say("euh", "affirm", 0.7)
    assert chat.state.form.commune_insee is None
    assert chat.state.step is Step.ASK_COMMUNE


def test_another_town_typed_at_the_offer_wins_even_after_no() -> None:
    """ "non jsuis a verdun mtn" is Verdun, not the skip a "non" alone is."""
    chat = Conversation()
    _to_the_commune_question(chat, home=STENAY)
    chat.say("non jsuis a verdun mtn", "deny", 0.8)
    assert chat.state.form.commune_insee == VERDUN
    assert chat.state.step is Step.ASK_NEED


def test_a_refused_consent_forgets_the_town() -> None:
    """After a no to consent, a later request asks the commune question open."""
    chat = Conversation()
    chat.say("jhabite a stenay, je veux parler a un conseiller", "ask_human", 0.9)
    chat.say("non")
    assert not chat.state.commune_named
    chat.say("je veux parler a un conseiller", "ask_human", 0.9)
    chat.say("oui", given_commune=None)
    for answer in ("19", "Léo", "06 11 22 33 44"):
        chat.say(answer)
    assert "dans quelle commune" in chat.text()


def test_a_town_said_during_the_form_is_offered() -> None:
    """After consent, a home said with another answer waits for the commune question."""
    chat = Conversation()
    chat.say("je veux parler a un conseiller", "ask_human", 0.9)
    chat.say("oui")
    chat.say("18 ans jhabite a verdun")
    assert chat.state.form.offered_commune == VERDUN
    chat.say("Léo")
    chat.say("06 11 22 33 44")
    assert "Tu habites bien à Verdun ?" in chat.text()
