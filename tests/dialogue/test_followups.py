"""Follow-up questions of a topic: quick replies under the answer, typed questions too."""

from __future__ import annotations

from outreach_bot.dialogue.state import Step
from tests.dialogue.test_engine import CONTENT, Conversation

CEJ = CONTENT.answers["cej"]


def _payloads(conversation: Conversation) -> list[str]:
    assert conversation.last is not None
    return [button.payload for button in conversation.last.replies[-1].buttons]


def test_topic_answer_offers_its_follow_ups_before_yes_and_no() -> None:
    """The CEJ answer offers "c'est combien ?" and the others, then the counsellor offer."""
    chat = Conversation()
    chat.say("c'est quoi le CEJ", "cej")
    assert CEJ.text.fr in chat.text()
    assert _payloads(chat) == [
        *(f'/cej{{"followup":"{f.id}"}}' for f in CEJ.followups),
        "/affirm",
        "/deny",
    ]
    titles = [b.title for b in chat.last.replies[-1].buttons] if chat.last else []
    assert titles[0] == CEJ.followups[0].question.fr


def test_choosing_a_follow_up_gives_its_answer_with_its_source() -> None:
    """The button's answer is the follow-up's text, then where it comes from."""
    chat = Conversation()
    chat.say("c'est quoi le CEJ", "cej")
    chat.say('/cej{"followup":"amount"}')
    amount = CEJ.followup("amount")
    assert amount is not None
    assert amount.text.fr in chat.text()
    assert "Source : 1jeune1solution.gouv.fr/contrat-engagement-jeune" in chat.text()
    # The other questions stay on offer, the one just answered does not.
    assert '/cej{"followup":"amount"}' not in _payloads(chat)
    assert '/cej{"followup":"automatic"}' in _payloads(chat)
    assert chat.state.step is Step.OFFER_LEAD


def test_a_typed_question_reaches_the_follow_up() -> None:
    """ "c'est combien le CEJ ?" gets the amount, not the general answer."""
    chat = Conversation()
    chat.say("c'est combien le CEJ ?", "cej")
    amount = CEJ.followup("amount")
    assert amount is not None
    assert amount.text.fr in chat.text()
    assert CEJ.text.fr not in chat.text()


def test_a_typed_question_without_keyword_gets_the_topic_answer() -> None:
    """A plain topic question keeps the general answer."""
    chat = Conversation()
    chat.say("je veux faire le contrat d'engagement jeune", "cej")
    assert CEJ.text.fr in chat.text()


def test_on_sms_a_digit_picks_a_follow_up() -> None:
    """On SMS buttons are numbered lines: "1" is the first follow-up question."""
    chat = Conversation(channel="sms", sender_phone="+33612345678")
    chat.say("apprentissage", "apprenticeship")
    chat.say("1")
    pay = CONTENT.answers["apprenticeship"].followups[0]
    assert pay.text.fr in chat.text()


def test_after_a_follow_up_yes_still_starts_the_consent() -> None:
    """The counsellor offer under a follow-up works like the one under the answer."""
    chat = Conversation()
    chat.say("logement", "housing")
    chat.say('/housing{"followup":"guarantee"}')
    chat.say("/affirm")
    assert chat.state.step is Step.CONSENT
    assert chat.state.topic == "housing"


def test_an_unknown_follow_up_gets_the_topic_answer() -> None:
    """An old or forged payload falls back to the topic's general answer."""
    chat = Conversation()
    chat.say('/cej{"followup":"nope"}')
    assert CEJ.text.fr in chat.text()


def test_english_follow_up_is_in_english() -> None:
    """A newcomer writing in English reads the follow-up in English."""
    chat = Conversation()
    chat.say("how much is the CEJ allowance?", "cej")
    amount = CEJ.followup("amount")
    assert amount is not None
    assert amount.text.en in chat.text()
    assert "Source: " in chat.text()
