"""The crisis decision both ways: guesses heard, idioms left alone, each kind's first number."""

from __future__ import annotations

from dataclasses import replace

import pytest

from outreach_bot.dialogue.crisis import (
    GENTLE,
    CrisisClues,
    assess_crisis,
    text_kind,
)
from outreach_bot.dialogue.state import Step
from outreach_bot.dialogue.turn import Turn
from tests.dialogue.test_engine import CONTENT, TODAY, Conversation, reach

NOTHING = CrisisClues()


def test_certain_words_decide_alone() -> None:
    """The net's certain words are a crisis even when the classifier sees a job question."""
    call = assess_crisis(CrisisClues(kind="suicide"), [("find_job", 0.95)])
    assert call is not None
    assert (call.kind, call.certain) == ("suicide", True)


@pytest.mark.parametrize(
    "ranking",
    [
        [("crisis", 0.45), ("find_job", 0.3)],
        [("out_of_scope", 0.4), ("crisis", 0.32)],
    ],
)
def test_a_crisis_top_or_close_behind_is_heard(ranking: list[tuple[str, float]]) -> None:
    """Under the fallback threshold, a crisis first or second still gets the gentle answer."""
    call = assess_crisis(NOTHING, ranking)
    assert call is not None
    assert (call.kind, call.certain) == (GENTLE, False)


def test_a_confident_topic_keeps_a_distant_crisis_out() -> None:
    """A clear job question with a little crisis behind it is a job question."""
    assert assess_crisis(NOTHING, [("find_job", 0.75), ("crisis", 0.22)]) is None
    assert assess_crisis(NOTHING, [("find_job", 0.5), ("crisis", 0.1)]) is None


def test_an_everyday_idiom_outweighs_a_guess_but_not_certain_words() -> None:
    """ "mon dos me tue" raises no alarm; "je veux mourir mdr" still does."""
    assert assess_crisis(CrisisClues(idiom=True), [("crisis", 0.94)]) is None
    certain = CrisisClues(kind="suicide", idiom=True)
    assert assess_crisis(certain, [("out_of_scope", 0.9)]) is not None


def test_a_breakup_holds_back_a_crisis_the_classifier_is_unsure_of() -> None:
    """ "ma copine veut plus de moi" is sad, not a crisis, unless the classifier is sure of a
    crisis; certain words always decide."""
    sad = CrisisClues(breakup=True)
    assert assess_crisis(sad, [("out_of_scope", 0.56), ("crisis", 0.32)]) is None
    assert assess_crisis(sad, [("crisis", 0.57), ("out_of_scope", 0.39)]) is None
    assert assess_crisis(sad, [("crisis", 0.8), ("health", 0.1)]) is not None
    assert assess_crisis(replace(sad, kind="suicide"), [("health", 0.9)]) is not None


def test_a_hint_needs_the_classifier_to_agree() -> None:
    """ "sos" in a paperwork question is paperwork; "au secours" alone is heard."""
    hint = CrisisClues(kind="danger", certain=False)
    assert assess_crisis(hint, [("admin_help", 0.85), ("crisis", 0.05)]) is None
    call = assess_crisis(hint, [("crisis", 0.6)])
    assert call is not None
    assert (call.kind, call.certain) == ("danger", False)


def test_a_guess_takes_the_kind_its_words_point_to() -> None:
    """A guessed crisis about a night at the station gets the shelter numbers."""
    call = assess_crisis(CrisisClues(topic="shelter"), [("crisis", 0.7)])
    assert call is not None
    assert call.kind == "shelter"


@pytest.mark.parametrize(
    ("age", "kind"), [(None, "shelter"), (16, "shelter_minor"), (18, "shelter_adult")]
)
def test_nowhere_to_sleep_depends_on_age(age: int | None, kind: str) -> None:
    """115 is for adults, 119 for minors; without an age the text gives both."""
    assert text_kind("shelter", age=age) == kind
    assert text_kind("suicide", age=age) == "suicide"


def test_an_adult_who_says_their_age_gets_the_115_first() -> None:
    """ "j'ai 20 ans et je dors dehors" gets the 115 and not the 119."""
    chat = Conversation()
    chat.say("j'ai 20 ans et je dors dehors ce soir", "crisis", 0.99, crisis_kind="shelter")
    first = chat.text().split("\n")[0]
    assert "115" in first
    assert "119" not in first


def test_a_minor_who_says_their_age_gets_the_119() -> None:
    """ "j'ai 16 ans" sends to the 119, and no 115 is offered."""
    chat = Conversation()
    chat.say("j'ai 16 ans on m'a mis dehors", "crisis", 0.99, crisis_kind="shelter")
    assert "119" in chat.text()
    assert "115" not in chat.text()
    assert "tel:119" in chat.payloads()


@pytest.mark.parametrize(
    ("age", "kind"), [(None, "violence"), (15, "violence"), (18, "violence_adult")]
)
def test_violence_opens_with_the_119_only_for_a_minor(age: int | None, kind: str) -> None:
    """The 119 is for under-18s: an adult hit at home reads the 17 first."""
    assert text_kind("violence", age=age) == kind


def test_an_adult_who_is_hit_reads_the_police_first_and_no_119() -> None:
    """ "j'ai 24 ans et il me frappe" gets 17 first, the 3919, and no number for children."""
    chat = Conversation()
    chat.say("j'ai 24 ans et il me frappe", "crisis", 0.99, crisis_kind="violence")
    text = chat.text()
    assert text.index("17") < text.index("3919")
    assert "119" not in text
    assert "tel:119" not in chat.payloads()
    assert chat.last is not None
    assert chat.last.effects.urgent


def test_the_age_given_in_the_form_counts_too() -> None:
    """A 17-year-old who said their age in the form and then writes from the street gets 119."""
    chat = reach(Step.ASK_COMMUNE)
    chat.say("je suis dehors cette nuit", "crisis", 0.99, crisis_kind="shelter")
    assert "119" in chat.text()
    assert "115" not in chat.text()


@pytest.mark.parametrize(
    ("kind", "first"),
    [("medical", "15"), ("sextortion", "3018"), ("sexual_violence", "17"), ("suicide", "3114")],
)
def test_each_kind_gives_its_own_number_first(kind: str, first: str) -> None:
    """An overdose needs the 15 before the suicide line; sextortion the 3018."""
    chat = Conversation()
    chat.say("...", "crisis", 0.99, crisis_kind=kind)
    assert chat.payloads()[0] == f"tel:{first}"


def test_sexual_violence_says_it_is_not_their_fault() -> None:
    """The first words to someone who was raped: it is not your fault."""
    chat = Conversation()
    chat.say("...", "crisis", 0.99, crisis_kind="sexual_violence")
    assert chat.text().startswith("Ce n'est pas ta faute")


def test_a_guess_gets_the_gentle_answer_and_never_the_menu() -> None:
    """Distress said sideways gets 3114 and "tu veux en parler ?", and the team is alerted."""
    chat = Conversation()
    chat.say(
        "a quoi ca sert tout ca",
        "out_of_scope",
        0.35,
        ranking=(("out_of_scope", 0.35), ("crisis", 0.3)),
    )
    assert chat.last is not None
    assert "3114" in chat.text()
    assert "en parler" in chat.text()
    assert "/find_job" not in chat.payloads()
    assert chat.last.effects.urgent
    assert chat.state.step is Step.AFTER_CRISIS


def test_during_a_takeover_a_guess_alerts_without_a_word() -> None:
    """The counsellor is told at once; the bot does not break into their conversation."""
    chat = Conversation()
    chat.say("je suis chez une copine pour ce soir", "crisis", 0.6, human_active=True)
    assert chat.last is not None
    assert chat.last.replies == []
    assert chat.last.effects.urgent


def test_during_a_takeover_certain_words_still_get_the_numbers() -> None:
    """ "je veux mourir" gets the 3114 at once, without "talk to the team": a person is there."""
    chat = Conversation()
    chat.say("je veux mourir", "crisis", 0.99, crisis_kind="suicide", human_active=True)
    assert chat.last is not None
    assert "3114" in chat.text()
    assert chat.last.effects.urgent
    assert "/ask_human" not in chat.payloads()


@pytest.mark.parametrize("text", ["/find_job", "oui", "STOP"])
def test_a_button_or_a_plain_word_is_never_a_guessed_crisis(text: str) -> None:
    """What the person said plainly is not second-guessed by the classifier's ranking."""
    chat = Conversation()
    chat.say(text, "crisis", 0.9, ranking=(("crisis", 0.9),))
    assert chat.last is not None
    assert not chat.last.effects.urgent


def test_every_crisis_kind_has_its_text() -> None:
    """Each kind the decision can name has a text in bot/crisis.yml."""
    for kind in (
        "medical",
        "sexual_violence",
        "sextortion",
        "shelter_minor",
        "shelter_adult",
        "violence_adult",
    ):
        assert kind in CONTENT.crisis.kinds
    assert GENTLE in CONTENT.crisis.kinds


def test_after_a_takeover_ran_out_a_crisis_text_comes_first_without_the_bot_is_back_line() -> None:
    """ "C'est de nouveau moi, le bot" opens an ordinary answer after a takeover that ran out,
    never a crisis text: the numbers come first, and they say a robot is speaking."""
    back = CONTENT.message("handed_back", "fr")
    engine = Conversation().engine
    plain = Turn(text="c quoi le cej", intent="cej", confidence=0.9, channel="rest", today=TODAY)
    answered = engine.step(Conversation().state, replace(plain, takeover_ended=True))
    assert answered.replies[0].text == back
    crisis = engine.step(
        Conversation().state,
        replace(
            plain,
            text="je dors dehors ce soir",
            intent="crisis",
            confidence=0.99,
            takeover_ended=True,
            crisis=CrisisClues(kind="shelter"),
        ),
    )
    assert crisis.effects.urgent
    assert back not in [reply.text for reply in crisis.replies]
