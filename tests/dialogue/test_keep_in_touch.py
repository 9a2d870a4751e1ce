"""The young person's side of an appointment, in the pure dialogue engine."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from outreach_bot.content import load_content
from outreach_bot.dialogue.crisis import CrisisClues
from outreach_bot.dialogue.engine import DialogueEngine
from outreach_bot.dialogue.keep_in_touch import says_cannot_come
from outreach_bot.dialogue.state import DialogueState, Step
from outreach_bot.dialogue.turn import Turn

ROOT = Path(__file__).resolve().parents[2]
ENGINE = DialogueEngine(load_content(ROOT / "bot"), threshold=0.45)


def turn(text: str, **values: object) -> Turn:
    defaults: dict[str, object] = {
        "intent": "out_of_scope",
        "confidence": 0.1,
        "channel": "sms",
        "today": date(2030, 1, 7),
        "has_open_lead": True,
        "appointment_planned": True,
    }
    return Turn(text=text, **(defaults | values))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "je ne pourrai pas venir",
        "dsl jpeux pas venir jeudi",
        "Je peux pas venir 😕",
        "j'ai un empêchement",
        "jpourrais pas etre la demain",
        "je veux annuler le rdv",
        "JE PEUX PAS Y ALLER",
        "sorry I can't come",
    ],
)
def test_ways_of_saying_i_cannot_come(text: str) -> None:
    """How young people write it, SMS spelling and all, is understood."""
    assert says_cannot_come(text)


@pytest.mark.parametrize(
    "text", ["je peux venir", "je sais pas quoi faire", "stop", "je viens jeudi", "venir où ?"]
)
def test_sentences_that_are_not_a_cancellation(text: str) -> None:
    """Coming, not knowing, or STOP are not a cancellation."""
    assert not says_cannot_come(text)


def test_a_crisis_guess_on_an_empechement_is_a_cancellation() -> None:
    """The classifier read "j'ai un empêchement" as distress: with an appointment, it is not."""
    outcome = ENGINE.step(
        DialogueState(), turn("j'ai un empêchement", intent="crisis", confidence=0.6)
    )
    assert outcome.effects.cannot_come
    assert not outcome.effects.urgent
    assert outcome.state.step is Step.ASK_NEW_TIME


def test_the_crisis_rules_still_win() -> None:
    """Distress caught by the safety rules is answered as a crisis, appointment or not."""
    outcome = ENGINE.step(
        DialogueState(),
        turn("je peux pas venir, je veux mourir", crisis=CrisisClues(kind="suicide")),
    )
    assert outcome.effects.urgent
    assert not outcome.effects.cannot_come


def test_without_an_appointment_the_button_says_there_is_none() -> None:
    """An old "Je ne peux pas venir" button after the appointment is gone gets a plain answer."""
    outcome = ENGINE.step(DialogueState(), turn("/cannot_come", appointment_planned=False))
    assert not outcome.effects.cannot_come
    assert outcome.replies[0].text.startswith("Je ne vois pas de rendez-vous")


def test_a_question_instead_of_a_time_is_answered() -> None:
    """Asked when would suit, "c'est quoi le CEJ ?" gets the CEJ answer, not "noted"."""
    state = ENGINE.step(DialogueState(), turn("je peux pas venir")).state
    outcome = ENGINE.step(state, turn("c'est quoi le CEJ ?", intent="cej", confidence=0.95))
    assert outcome.effects.time_wish is None
    assert "noté" not in outcome.replies[0].text


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("préviens-moi quand vous passez près de chez moi", True),
        ("tu peux me prévenir quand vous passez près de chez moi ?", True),
        ("tiens moi au courant quand vous passez", True),
        ("tu peux me dire quand vous passez a Dun ?", False),
        ("dis moi quand y a une permanence vers Montmédy", False),
        ("vous passez quand à stenay", False),
    ],
)
def test_asking_for_alerts_is_told_from_asking_for_dates(text: str, asks: bool) -> None:
    """ "Préviens-moi quand…" asks for alerts; "dis-moi quand vous passez" asks for the dates."""
    from outreach_bot.dialogue.keep_in_touch import asks_for_visit_alerts

    assert asks_for_visit_alerts(text) is asks
