"""The dialogue state machine, without any channel or database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from outreach_bot.content import load_content
from outreach_bot.dialogue.crisis import CrisisClues
from outreach_bot.dialogue.engine import DialogueEngine, Outcome
from outreach_bot.dialogue.state import DialogueState, Step
from outreach_bot.dialogue.turn import Turn
from outreach_bot.domain.places import PlacesAnswer

ROOT = Path(__file__).resolve().parents[2]
CONTENT = load_content(ROOT / "bot")
TODAY = date(2026, 11, 25)


@dataclass
class Conversation:
    """Feeds turns to the engine and keeps the state, like the core does."""

    channel: str = "rest"
    sender_phone: str | None = None
    engine: DialogueEngine = field(default_factory=lambda: DialogueEngine(CONTENT, threshold=0.45))
    state: DialogueState = field(default_factory=DialogueState)
    last: Outcome | None = None
    places: PlacesAnswer | None = None

    def say(
        self,
        text: str,
        intent: str = "out_of_scope",
        confidence: float = 0.9,
        *,
        crisis_kind: str | None = None,
        clues: CrisisClues | None = None,
        ranking: tuple[tuple[str, float], ...] = (),
        human_active: bool = False,
        has_open_lead: bool = False,
        given_phone: str | None = None,
        given_commune: str | None = None,
    ) -> Outcome:
        self.last = self.engine.step(
            self.state,
            Turn(
                text=text,
                intent=intent,
                confidence=confidence,
                channel=self.channel,
                today=TODAY,
                crisis=clues or CrisisClues(kind=crisis_kind),
                ranking=ranking,
                sender_phone=self.sender_phone,
                given_phone=given_phone,
                given_commune=given_commune,
                human_active=human_active,
                has_open_lead=has_open_lead,
                places=self.places,
            ),
        )
        self.state = self.last.state
        return self.last

    def text(self) -> str:
        assert self.last is not None
        return "\n".join(reply.text for reply in self.last.replies)

    def payloads(self) -> list[str]:
        assert self.last is not None
        return [button.payload for reply in self.last.replies for button in reply.buttons]


def reach(step: Step, chat: Conversation | None = None) -> Conversation:
    """Walk a conversation to ``step`` of the lead form."""
    chat = chat or Conversation()
    chat.say("rdv", "ask_human")
    script = [
        (Step.CONSENT, "/affirm"),
        (Step.ASK_AGE, "17"),
        (Step.ASK_NAME, "Sam"),
        (Step.ASK_CONTACT, "0612345678"),
        (Step.ASK_COMMUNE, "Stenay"),
        (Step.ASK_NEED, "un job"),
        (Step.ASK_WHEN, "/skip"),
    ]
    for current, answer in script:
        if chat.state.step is step:
            return chat
        assert chat.state.step is current
        chat.say(answer)
    assert chat.state.step is step
    return chat


ALL_STEPS = [
    Step.IDLE,
    Step.OFFER_LEAD,
    Step.CONSENT,
    Step.ASK_AGE,
    Step.ASK_NAME,
    Step.ASK_CONTACT,
    Step.ASK_COMMUNE,
    Step.ASK_NEED,
    Step.ASK_WHEN,
    Step.SUMMARY,
]


def at(step: Step) -> Conversation:
    if step is Step.IDLE:
        return Conversation()
    if step is Step.OFFER_LEAD:
        chat = Conversation()
        chat.say("je cherche du taf", "find_job")
        assert chat.state.step is Step.OFFER_LEAD
        return chat
    return reach(step)


def test_greeting_says_it_is_a_bot_and_offers_topics() -> None:
    """The first hello discloses the bot and shows the topic menu."""
    chat = Conversation()
    chat.say("slt", "greet")
    assert "robot" in chat.text()
    assert "/find_job" in chat.payloads()
    assert "/ask_human" in chat.payloads()


@pytest.mark.parametrize("intent", sorted(set(CONTENT.answers) - {"ask_human", "out_of_scope"}))
def test_every_topic_gets_its_reviewed_answer(intent: str) -> None:
    """Each topic intent is answered with its knowledge-base text."""
    chat = Conversation()
    chat.say("question", intent)
    assert chat.last is not None
    assert chat.last.replies[0].text == CONTENT.answers[intent].text.fr


def test_low_confidence_gets_fallback_menu_never_an_answer() -> None:
    """Under the threshold the bot admits it did not understand and shows topics."""
    chat = Conversation()
    chat.say("blabla", "find_job", confidence=0.2)
    assert chat.text() == CONTENT.message("fallback", "fr")
    assert "/find_job" in chat.payloads()
    assert chat.last is not None
    assert chat.last.effects.not_understood


def test_english_message_gets_english_answer() -> None:
    """A newcomer writing English is answered in English."""
    chat = Conversation()
    chat.say("hello I need a job please", "find_job")
    assert chat.last is not None
    assert chat.last.replies[0].text == CONTENT.answers["find_job"].text.en


@pytest.mark.parametrize("step", ALL_STEPS)
def test_stop_works_in_any_state(step: Step) -> None:
    """STOP is honoured whatever the state, and forgets the form."""
    chat = at(step)
    chat.say("STOP")
    assert chat.last is not None
    assert chat.last.effects.opt_out
    assert chat.state.step is Step.IDLE
    assert chat.state.form.first_name is None


@pytest.mark.parametrize("step", ALL_STEPS)
def test_supprimer_asks_once_then_erases_in_any_state(step: Step) -> None:
    """SUPPRIMER asks for confirmation, then erasure is an effect."""
    chat = at(step)
    chat.say("SUPPRIMER")
    assert chat.state.step is Step.CONFIRM_ERASE
    chat.say("/affirm")
    assert chat.last is not None
    assert chat.last.effects.erase


@pytest.mark.parametrize("step", ALL_STEPS)
@pytest.mark.parametrize(
    ("kind", "number"), [("suicide", "3114"), ("shelter", "119"), ("violence", "119")]
)
def test_crisis_interrupts_any_state(step: Step, kind: str, number: str) -> None:
    """Crisis gets the right number at once, and an urgent lead without consent."""
    chat = at(step)
    chat.say("...", "crisis", 0.99, crisis_kind=kind)
    assert chat.last is not None
    assert number in chat.last.replies[0].text
    assert chat.last.effects.urgent
    assert chat.last.effects.lead is not None
    assert chat.last.effects.lead.consent_at is None


def test_crisis_intent_without_keyword_gets_the_gentle_answer() -> None:
    """A crisis only the classifier sees gets the gentle text: 3114, someone to talk to."""
    chat = Conversation()
    chat.say("jsp quoi faire c trop dur", "crisis", 0.6)
    assert chat.last is not None
    assert chat.last.replies[0].text == CONTENT.crisis.kinds["gentle"].text.fr
    assert "3114" in chat.last.replies[0].text
    assert chat.last.effects.urgent


def test_help_returns_to_menu_from_the_form() -> None:
    """AIDE shows help and leaves the form."""
    chat = reach(Step.ASK_COMMUNE)
    chat.say("aide")
    assert chat.state.step is Step.IDLE
    assert "STOP" in chat.text()


def test_takeover_silences_the_bot_but_not_stop() -> None:
    """While a counsellor has taken over, ordinary messages get no bot reply."""
    chat = Conversation()
    chat.say("je cherche du taf", "find_job", human_active=True)
    assert chat.last is not None
    assert chat.last.replies == []
    chat.say("STOP", human_active=True)
    assert chat.last.effects.opt_out


def test_under_fifteen_stops_the_form_and_keeps_nothing() -> None:
    """At 14 the bot explains and the form is forgotten."""
    chat = reach(Step.ASK_AGE)
    chat.say("14")
    assert chat.state.step is Step.IDLE
    assert chat.state.form.age is None
    assert chat.state.form.consent_at is None
    assert "15" in chat.text()


@pytest.mark.parametrize(
    ("step", "bad", "reask_key"),
    [
        (Step.ASK_AGE, "beaucoup", "reask_age"),
        (Step.ASK_CONTACT, "pas de tel", "reask_phone"),
        (Step.ASK_COMMUNE, "zzzzqqq", "reask_commune"),
    ],
)
def test_bad_answer_is_reasked_twice_then_a_way_out(step: Step, bad: str, reask_key: str) -> None:
    """Two clear re-asks, then the bot moves on or lets them out."""
    chat = reach(step)
    for _ in range(2):
        chat.say(bad)
        assert chat.state.step is step
        assert CONTENT.message(reask_key, "fr") in chat.text()
    chat.say(bad)
    assert chat.state.step is not step


def test_commune_typo_offers_did_you_mean_and_a_digit_picks_it() -> None:
    """ "verdin" suggests Verdun; answering 1 chooses it."""
    chat = reach(Step.ASK_COMMUNE)
    chat.say("verdin")
    assert chat.text() == CONTENT.message("did_you_mean", "fr")
    assert chat.last is not None
    assert chat.last.replies[0].buttons[0].title.startswith("Verdun")
    chat.say("1")
    assert chat.state.form.commune_insee == "55545"
    assert chat.state.step is Step.ASK_NEED


def test_sms_contact_step_offers_the_sending_number() -> None:
    """On SMS the number it writes from is offered rather than asked again."""
    chat = Conversation(channel="sms", sender_phone="+33612345678")
    reach(Step.ASK_CONTACT, chat)
    assert chat.payloads() == ["/affirm", "/deny"]
    chat.say("1")
    assert chat.state.form.phone == "+33612345678"
    assert chat.state.step is Step.ASK_COMMUNE


def test_telegram_contact_here_needs_no_phone() -> None:
    """On Telegram the young person can be reached in the chat itself."""
    chat = Conversation(channel="telegram")
    reach(Step.ASK_CONTACT, chat)
    chat.say("/contact_here")
    assert chat.state.form.contact_here
    assert chat.state.form.phone is None


def test_summary_correction_returns_to_summary() -> None:
    """Correcting one item asks only that item, then reads the summary back."""
    chat = reach(Step.SUMMARY)
    assert "Sam" in chat.text()
    chat.say("/deny")
    assert chat.state.step is Step.CHOOSE_FIX
    chat.say('/fix{"field":"first_name"}')
    assert chat.state.step is Step.ASK_NAME
    chat.say("Samia")
    assert chat.state.step is Step.SUMMARY
    assert "Samia" in chat.text()
    chat.say("/affirm")
    assert chat.last is not None
    lead = chat.last.effects.lead
    assert lead is not None
    assert (lead.first_name, lead.age, lead.commune_insee) == ("Samia", 17, "55502")
    assert chat.last.effects.consent_text_version == CONTENT.privacy.consent.text_version


def test_second_request_does_not_duplicate_an_open_lead() -> None:
    """Someone already in the queue is told so instead of filling the form again."""
    chat = Conversation()
    chat.say("rdv", "ask_human", has_open_lead=True)
    assert chat.text() == CONTENT.message("already_in_queue", "fr")
    assert chat.state.step is Step.IDLE


def test_stale_button_payload_gets_the_menu() -> None:
    """An unknown payload never crashes: the menu comes back."""
    chat = Conversation()
    chat.say("/does_not_exist")
    assert "/find_job" in chat.payloads()


def test_state_survives_a_round_trip_through_json() -> None:
    """What is stored is what is read back."""
    chat = reach(Step.ASK_NEED)
    restored = DialogueState.from_json(chat.state.to_json())
    assert restored == chat.state
    assert DialogueState.from_json("{not json") == DialogueState()


def test_stop_is_confirmed_once_only() -> None:
    """A second STOP from someone already opted out gets no further message."""
    chat = Conversation()
    chat.say("STOP")
    assert chat.last is not None
    assert chat.last.replies
    chat.last = chat.engine.step(
        chat.state,
        Turn(
            text="STOP",
            intent="opt_out",
            confidence=1.0,
            channel="sms",
            today=TODAY,
            opted_out=True,
        ),
    )
    assert chat.last.replies == []


@pytest.mark.parametrize(("typed", "effect"), [("/stop", "opt_out"), ("/supprimer", "erase")])
def test_slash_commands_typed_by_hand_work_like_the_words(typed: str, effect: str) -> None:
    """``/stop`` and ``/supprimer`` (Telegram commands) are the global commands, not payloads."""
    chat = reach(Step.ASK_NAME)
    chat.say(typed)
    assert chat.last is not None
    if effect == "opt_out":
        assert chat.last.effects.opt_out
    else:
        assert chat.state.step is Step.CONFIRM_ERASE


@pytest.mark.parametrize("name", ["Noa", "Nathan", "noé"])
def test_a_one_word_first_name_is_kept_even_when_the_classifier_reads_no(name: str) -> None:
    """The classifier reads "Noa" as "no"; as the answer to the name question it is a name."""
    chat = reach(Step.ASK_NAME)
    chat.say(name, "deny", 0.94)
    assert chat.state.step is Step.ASK_CONTACT
    assert chat.state.form.first_name == name


@pytest.mark.parametrize(
    ("text", "intent"),
    [("non", "deny"), ("nn", "out_of_scope"), ("je préfère pas le dire", "deny"), ("/skip", "")],
)
def test_declining_the_first_name_skips_it(text: str, intent: str) -> None:
    """The name is optional: a refusal moves on without one."""
    chat = reach(Step.ASK_NAME)
    chat.say(text, intent or "out_of_scope")
    assert chat.state.step is Step.ASK_CONTACT
    assert chat.state.form.first_name is None


def crisis_chat(kind: str = "violence", channel: str = "rest") -> Conversation:
    chat = Conversation(channel=channel)
    chat.say("...", "crisis", 0.99, crisis_kind=kind)
    assert chat.state.step is Step.AFTER_CRISIS
    return chat


def test_crisis_numbers_come_as_call_links_and_the_team_as_a_choice() -> None:
    """Each number of the kind is a tel:/sms: button, in order, then "talk to the team"."""
    chat = crisis_chat("violence")
    assert chat.payloads() == [
        "tel:119",
        "tel:3919",
        "tel:116006",
        "tel:17",
        "sms:114",
        "/ask_human",
    ]
    assert chat.text().count("116 006") == 1
    # A typed digit picks among the choices only: "1" is the team, never a phone link.
    assert chat.state.buttons == ["/ask_human"]


@pytest.mark.parametrize(
    ("text", "intent", "confidence"),
    [("merci", "thanks", 0.95), ("ok", "affirm", 1.0), ("slt", "greet", 0.9), ("bof", "x", 0.1)],
)
def test_after_a_crisis_the_bot_repeats_the_numbers_not_its_menu(
    text: str, intent: str, confidence: float
) -> None:
    """Thanks, yes, hello or anything unclear after a crisis: still here, the numbers again."""
    chat = crisis_chat("suicide")
    chat.say(text, intent, confidence)
    assert chat.text() == CONTENT.crisis.again_text("suicide", "fr")
    assert "3114" in chat.text()
    assert chat.payloads() == ["tel:3114", "tel:112", "/ask_human"]
    assert "/find_job" not in chat.payloads()
    assert chat.state.step is Step.AFTER_CRISIS
    assert chat.last is not None
    assert not chat.last.effects.urgent  # the team was told once; no second alert


def test_after_a_crisis_talk_to_the_team_says_they_are_told() -> None:
    """The team button after a crisis promises a person, keeps the numbers, opens no form."""
    chat = crisis_chat("shelter", channel="sms")
    chat.say("1", "out_of_scope", 0.3, has_open_lead=True)
    assert chat.text() == CONTENT.crisis.team_told.fr
    assert chat.payloads() == ["tel:119", "tel:115"]
    assert chat.state.step is Step.AFTER_CRISIS


def test_after_a_crisis_a_clear_question_is_answered_and_aide_shows_the_menu() -> None:
    """A real question ends the crisis follow-up; "aide" asked explicitly shows the topics."""
    chat = crisis_chat("default")
    chat.say("je cherche une formation", "find_training", 0.9)
    assert chat.last is not None
    assert chat.last.replies[0].text == CONTENT.answers["find_training"].text.fr
    assert chat.state.step is Step.OFFER_LEAD
    again = crisis_chat("default")
    again.say("aide")
    assert "/find_job" in again.payloads()


def test_crisis_while_a_counsellor_writes_offers_the_numbers_but_no_team_button() -> None:
    """During a takeover the counsellor is the person: links only, nothing said after."""
    chat = at(Step.IDLE)
    chat.say("...", "crisis", 0.99, crisis_kind="suicide", human_active=True)
    assert chat.payloads() == ["tel:3114", "tel:112"]
    assert len(chat.last.replies if chat.last else []) == 1


def test_chosen_button_is_named_by_the_title_the_young_person_saw() -> None:
    """At the summary, /deny is "Corriger" (not "Non"); on SMS a digit names its button too;
    a typed word or a payload not offered names none."""
    chat = reach(Step.ASK_WHEN)
    chat.say("/skip")
    assert chat.state.step is Step.SUMMARY
    assert chat.state.chosen_button("/deny") == CONTENT.message("button_fix", "fr")
    assert chat.state.chosen_button("/affirm") == CONTENT.message("button_send", "fr")
    assert chat.state.chosen_button("2") == CONTENT.message("button_fix", "fr")
    assert chat.state.chosen_button("corriger") is None
    assert chat.state.chosen_button("/skip") is None
    assert chat.state.chosen_button("9") is None
    stored = DialogueState.from_json(chat.state.to_json())
    assert stored.chosen_button("/deny") == "Corriger"
