"""What the pure engine answers to a voice note, a photo or a document."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from outreach_bot.content import load_content
from outreach_bot.dialogue.engine import DialogueEngine
from outreach_bot.dialogue.state import DialogueState, Step
from outreach_bot.dialogue.turn import Turn

ROOT = Path(__file__).resolve().parents[2]
CONTENT = load_content(ROOT / "bot")
ENGINE = DialogueEngine(CONTENT, threshold=0.45)


def turn(**values: object) -> Turn:
    defaults: dict[str, object] = {
        "text": "",
        "intent": "media",
        "confidence": 1.0,
        "channel": "telegram",
        "today": date(2030, 1, 7),
    }
    return Turn(**(defaults | values))  # type: ignore[arg-type]


def texts(state: DialogueState, problem: str | None = None, **values: object) -> list[str]:
    outcome = ENGINE.file_received(state, turn(**values), kind="voice", problem=problem)
    return [reply.text for reply in outcome.replies]


def test_a_voice_note_is_thanked_for_and_a_call_back_offered() -> None:
    """Idle: the kind answer, then "tu veux qu'un conseiller te rappelle ?" with yes / no."""
    outcome = ENGINE.file_received(DialogueState(), turn(), kind="voice", problem=None)
    assert [reply.text for reply in outcome.replies] == [
        CONTENT.message("media_voice", "fr"),
        CONTENT.message("media_offer_callback", "fr"),
    ]
    assert [button.payload for button in outcome.replies[-1].buttons] == ["/affirm", "/deny"]
    assert outcome.state.step is Step.OFFER_LEAD


def test_no_to_the_offer_drops_the_held_file() -> None:
    offered = ENGINE.file_received(DialogueState(), turn(), kind="photo", problem=None).state
    outcome = ENGINE.step(offered, turn(text="/deny", intent="deny"))
    assert outcome.effects.drop_held_media


def test_no_to_consent_drops_the_held_file() -> None:
    state = DialogueState(step=Step.CONSENT)
    outcome = ENGINE.step(state, turn(text="/deny", intent="deny"))
    assert outcome.effects.drop_held_media


def test_with_a_request_already_with_the_team_no_offer() -> None:
    assert texts(DialogueState(), has_open_lead=True) == [CONTENT.message("media_voice", "fr")]


def test_in_the_form_the_question_comes_again() -> None:
    replies = texts(DialogueState(step=Step.ASK_COMMUNE))
    assert replies == [CONTENT.message("media_voice", "fr"), CONTENT.message("ask_commune", "fr")]


@pytest.mark.parametrize("problem", ["too_big", "wrong_type", "unavailable"])
def test_a_refused_file_gets_its_own_kind_answer(problem: str) -> None:
    state = DialogueState(step=Step.ASK_AGE)
    outcome = ENGINE.file_received(state, turn(), kind="voice", problem=problem)
    assert [reply.text for reply in outcome.replies] == [CONTENT.message(f"media_{problem}", "fr")]
    assert outcome.state.step is Step.ASK_AGE


def test_silent_while_a_counsellor_has_taken_over() -> None:
    assert texts(DialogueState(), human_active=True) == []


def test_english_speakers_get_english() -> None:
    assert texts(DialogueState(locale="en"))[0].startswith("Thanks for your voice message")


def test_with_a_caption_only_the_thanks() -> None:
    """The caption is answered as a message of its own: the file gets its thanks alone."""
    state = DialogueState(step=Step.ASK_NAME)
    outcome = ENGINE.file_received(state, turn(), kind="photo", problem=None, caption=True)
    assert [reply.text for reply in outcome.replies] == [CONTENT.message("media_photo", "fr")]
    assert outcome.state.step is Step.ASK_NAME
