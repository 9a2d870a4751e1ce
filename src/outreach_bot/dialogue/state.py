"""The conversation's memory between two messages, serialised as JSON (stored encrypted)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from outreach_bot.dialogue.replies import Button
from outreach_bot.domain.numbers import parse_whole_number


class Step(StrEnum):
    """Where the conversation stands; the engine decides what a message means from here."""

    IDLE = "idle"
    OFFER_LEAD = "offer_lead"
    CONSENT = "consent"
    ASK_AGE = "ask_age"
    ASK_NAME = "ask_name"
    ASK_CONTACT = "ask_contact"
    ASK_PHONE = "ask_phone"
    ASK_COMMUNE = "ask_commune"
    ASK_NEED = "ask_need"
    ASK_WHEN = "ask_when"
    SUMMARY = "summary"
    CHOOSE_FIX = "choose_fix"
    CONFIRM_ERASE = "confirm_erase"
    AFTER_CRISIS = "after_crisis"
    """A crisis was answered: the bot repeats the numbers and the team, never its topic menu."""
    CONFIRM_OPT_OUT = "confirm_opt_out"
    ASK_NEW_TIME = "ask_new_time"
    """Asked when another appointment would suit (dialogue/keep_in_touch.py)."""
    CONFIRM_VISIT_ALERT = "confirm_visit_alert"
    """Asked whether to be told when the team comes near (dialogue/keep_in_touch.py)."""
    ASK_ALERT_COMMUNE = "ask_alert_commune"
    """Asked which commune to watch for the team's visits."""


@dataclass
class LeadForm:
    """What the young person agreed to give, one answer at a time. All optional until summary."""

    consent_at: str | None = None
    age: int | None = None
    first_name: str | None = None
    phone: str | None = None
    contact_here: bool = False
    commune_insee: str | None = None
    commune_name: str | None = None
    need: str | None = None
    availability: str | None = None
    offered_phone: str | None = None
    """A number handed over before consent, read back once consent was given: the contact
    question offers it ("C'est bien ce numéro ?") instead of asking for one."""
    offered_commune: str | None = None
    """The INSEE code of the Meuse town said as home before the commune question ("jhabite a
    stenay"), kept once consent was given: the question offers it ("Tu habites bien à
    Stenay ?") instead of asking it open."""


@dataclass
class DialogueState:
    """Everything the engine needs to remember. ``fixing`` means: back to summary after this."""

    step: Step = Step.IDLE
    locale: str = "fr"
    channel: str = ""
    topic: str | None = None
    retries: int = 0
    fixing: bool = False
    greeted: bool = False
    return_step: Step | None = None
    crisis_kind: str | None = None
    language_set: bool = False
    """The person picked or confirmed ``locale``: it is no longer guessed from their words."""
    urgent_topic: bool = False
    """An answer said the matter is urgent (an OQTF): the lead goes to the top of the queue."""
    topic_turns: int = 0
    """Messages received since ``topic`` was answered: a short question that names no topic is
    about ``topic`` while this is small (see ``TOPIC_TURNS`` in the engine)."""
    offered: bool = False
    """The "shall a counsellor contact you?" question was asked: later answers keep it as a
    button instead of asking again."""
    number_given: bool = False
    """A phone number was handed over unasked ("mon num c 06…") before consent. The number
    itself is not kept here: once consent is given, the core reads it back from that message
    (``Turn.given_phone``) for the contact question to offer it."""
    commune_named: bool = False
    """A Meuse town was said as home ("jhabite a stenay") before consent. The town itself is
    not kept here: once consent is given, the core reads it back from that message
    (``Turn.given_commune``) for the commune question to offer it."""
    pupil: bool = False
    """The person said they are at collège or asked about a placement: the training answer's
    "Mon stage de 3e" button fits them (see ``domain/school.py``)."""
    last_answer: str | None = None
    """The answer said last (``intent`` or ``intent.followup``), to say it again more simply."""
    suggestions: list[str] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)
    button_titles: list[str] = field(default_factory=list)
    form: LeadForm = field(default_factory=LeadForm)

    def offer(self, buttons: Sequence[Button]) -> None:
        """Remember the buttons just offered: a payload or a typed number picks one of them."""
        self.buttons = [button.payload for button in buttons]
        self.button_titles = [button.title for button in buttons]

    def chosen_button(self, text: str) -> str | None:
        """The title of the offered button that ``text`` picks, by its payload or (on SMS) its
        number, so the team reads "Corriger" where the young person touched it, not the
        ``/deny`` it sends. None when ``text`` picks no button offered last time.
        """
        if len(self.button_titles) != len(self.buttons):
            return None  # a state saved before titles were kept
        stripped = text.strip().rstrip(".")
        number = parse_whole_number(stripped, max_digits=2)  # "²" is text, not a choice
        if number is not None and 1 <= number <= len(self.buttons):
            return self.button_titles[number - 1]
        if stripped in self.buttons:
            return self.button_titles[self.buttons.index(stripped)]
        return None

    def to_json(self) -> str:
        """Serialise for storage."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | None) -> DialogueState:
        """Read stored state; anything unreadable starts afresh rather than failing."""
        if not raw:
            return cls()
        try:
            data: dict[str, Any] = json.loads(raw)
            form = LeadForm(**data.pop("form", {}))
            step = Step(data.pop("step", Step.IDLE))
            return_step = data.pop("return_step", None)
            return cls(
                step=step,
                form=form,
                return_step=Step(return_step) if return_step else None,
                **data,
            )
        except (ValueError, TypeError):
            return cls()
