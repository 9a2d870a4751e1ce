"""The young person's answer to a referral question: only an explicit yes consents."""

from __future__ import annotations

from datetime import date

import pytest

from outreach_bot.dialogue.engine import DialogueEngine, Outcome
from outreach_bot.dialogue.replies import Button
from outreach_bot.dialogue.state import DialogueState
from outreach_bot.dialogue.turn import Turn
from tests.dialogue.test_engine import CONTENT

PARTNER = "Association Relais Jeunes"
ENGINE = DialogueEngine(CONTENT, threshold=0.45)


def answer(
    text: str,
    intent: str = "out_of_scope",
    confidence: float = 0.9,
    *,
    channel: str = "rest",
    human_active: bool = False,
) -> Outcome:
    """One message while the question waits; the question's Oui/Non buttons were offered."""
    state = DialogueState(channel=channel)
    state.offer((Button("Oui", "/affirm"), Button("Non", "/deny")))
    return ENGINE.step(
        state,
        Turn(
            text=text,
            intent=intent,
            confidence=confidence,
            channel=channel,
            today=date(2026, 12, 7),
            human_active=human_active,
            referral_organisation=PARTNER,
        ),
    )


@pytest.mark.parametrize(
    ("text", "channel"),
    [("oui", "rest"), ("OUI !", "sms"), ("Ok", "telegram"), ("/affirm", "telegram"), ("1", "sms")],
)
def test_an_explicit_yes_consents(text: str, channel: str) -> None:
    """The word alone, the button, or its number on SMS is a yes, named back to them."""
    outcome = answer(text, "affirm", channel=channel)

    assert outcome.effects.referral_agreed is True
    assert PARTNER in outcome.replies[0].text


@pytest.mark.parametrize("text", ["non", "Nan", "/deny", "2"])
def test_an_explicit_no_refuses(text: str) -> None:
    """The word alone, the button or its number is a no, and nothing is shared."""
    outcome = answer(text, "deny", channel="sms")

    assert outcome.effects.referral_agreed is False


@pytest.mark.parametrize(
    "text",
    ["ouais grave ça me va", "oui mais c'est où exactement ?", "jsp trop en vrai", "ok 👍 merci"],
)
def test_a_guessed_yes_only_asks_again(text: str) -> None:
    """A sentence the classifier reads as yes at 0.99 consents to nothing: the bot asks for
    OUI or NON, with the buttons."""
    outcome = answer(text, "affirm", 0.99)

    assert outcome.effects.referral_agreed is None
    assert "Réponds OUI ou NON" in outcome.replies[0].text
    assert [button.payload for button in outcome.replies[0].buttons] == ["/affirm", "/deny"]


def test_another_question_is_answered_and_the_referral_waits() -> None:
    """A question about something else gets its usual answer; the question stays open."""
    outcome = answer("c'est quoi le contrat d'engagement jeune", "cej", 0.95)

    assert outcome.effects.referral_agreed is None
    assert all(PARTNER not in reply.text for reply in outcome.replies)


def test_a_yes_counts_while_a_counsellor_has_taken_over() -> None:
    """The counsellor's own question is answered even while the bot is otherwise silent."""
    outcome = answer("oui", "affirm", human_active=True)

    assert outcome.effects.referral_agreed is True


def test_stop_wins_over_the_question() -> None:
    """STOP stops the messages; it is not an answer to the referral."""
    outcome = answer("STOP", "opt_out")

    assert outcome.effects.opt_out
    assert outcome.effects.referral_agreed is None


@pytest.mark.parametrize(
    ("locale", "yes", "no"), [("ar", "نعم", "لا"), ("prs", "بلی", "نه"), ("ps", "هو", "نه")]
)
def test_a_referral_is_answered_in_the_language_the_person_chose(
    locale: str, yes: str, no: str
) -> None:
    """A yes or no typed in Arabic, Dari or Pashto answers the question, and the bot confirms
    in that language, naming the partner: never in French to someone who chose another
    language."""
    for typed, agreed, key in ((yes, True, "referral_agreed"), (no, False, "referral_refused")):
        state = DialogueState(channel="sms", locale=locale, language_set=True)
        state.offer((Button("Oui", "/affirm"), Button("Non", "/deny")))
        outcome = ENGINE.step(
            state,
            Turn(
                text=typed,
                intent="out_of_scope",
                confidence=0.0,
                channel="sms",
                today=date(2026, 12, 7),
                referral_organisation=PARTNER,
            ),
        )
        assert outcome.effects.referral_agreed is agreed
        expected = CONTENT.message(key, locale, organisation=PARTNER)
        assert expected != CONTENT.message(key, "fr", organisation=PARTNER)
        assert outcome.replies[0].text == expected
