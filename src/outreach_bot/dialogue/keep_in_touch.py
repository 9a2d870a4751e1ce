"""The young person's side of staying in touch: "je peux pas venir", another time, and
"préviens-moi quand vous passez près de chez moi" (a visit alert, with explicit consent).

The engine hands each message here (:meth:`KeepInTouch.step`) after the global commands;
None means "not about an appointment", and the engine goes on as usual. Like the engine it
does no I/O: the core tells it whether an appointment is planned (``Turn.appointment_planned``)
and applies the effects it sets (``cannot_come``, ``new_slot``, ``time_wish``,
``visit_alert``).
"""

from __future__ import annotations

import re
from typing import Final

from outreach_bot.content import Content
from outreach_bot.dialogue.replies import Button, Reply
from outreach_bot.dialogue.state import DialogueState, Step
from outreach_bot.dialogue.turn import Effects, Payload, Turn, fold
from outreach_bot.domain.fields import match_commune

CANNOT_COME: Final = "cannot_come"
NEW_SLOT: Final = "new_slot"
WHEN_CHOICES: Final = ("when_morning", "when_afternoon", "when_evening", "when_any")
MAX_WISH: Final = 100
QUESTION_CONFIDENCE: Final = 0.8
"""Above this, a message typed when asked "when?" is a question on a topic, not a time."""
SMALL_TALK: Final = frozenset({"affirm", "deny", "greet", "thanks", "goodbye", "out_of_scope"})
SKIP_WORDS: Final = frozenset({"passer", "skip", "je sais pas", "jsp", "non", "nan"})
#: How people say they cannot make it, compared without accents, case or punctuation.
CANNOT_COME_RE: Final = re.compile(
    r"\b(?:"
    r"(?:je\s+|j\s*)?(?:ne\s+|n\s*)?"
    r"(?:peux|peut|peu|pourrai\w*|pourai\w*|vais|sais|vai)\s+(?:pas|plus|po)\s+"
    r"(?:venir|v\s*nir|etre\s+la|y\s+aller|y\s+etre|passer|me\s+deplacer|aller\s+au\s+r(?:d|en)v)"
    r"|(?:j\s*ai\s+)?(?:un\s+)?empechement"
    r"|annul\w*\s+(?:le|mon|ce|notre|l)\s*(?:rdv|rendez\s*vous|rendezvous)"
    r"|(?:cannot|can\s*t|can\s+not)\s+(?:come|make\s+it)"
    r")\b"
)
#: How people ask to be told when the team comes near them.
ALERT_RE: Final = re.compile(
    r"\b(?:preven|previen|tiens|tenez|envoie|envoyez)\w*\s*"
    r"(?:moi|m)?\b.{0,40}\b(?:pass\w*|vien\w*|ven\w*|ser\w*\s+(?:la|pas\s+loin)|"
    r"(?:une\s+)?permanence)\b"
    r"|\balerte\w*\s+(?:de\s+)?passage\b"
)
ALERT_CONSENT_VERSION: Final = "visit-alert-2026-12-06"
"""The version of ``visit_alert_offer`` a recorded consent refers to (change both together)."""
#: Message keys this module uses, with their placeholders (checked at start-up).
MESSAGE_KEYS: Final[dict[str, frozenset[str]]] = {
    "appointment_cannot_come": frozenset(),
    "appointment_none": frozenset(),
    "appointment_ask_time": frozenset(),
    "appointment_wish_noted": frozenset(),
    "appointment_no_slot": frozenset(),
    "visit_alert_offer": frozenset(),
    "visit_alert_ask_commune": frozenset(),
    "visit_alert_done": frozenset({"commune"}),
    "visit_alert_declined": frozenset(),
    "button_yes": frozenset(),
    "button_no": frozenset(),
    "button_skip": frozenset(),
    "reask_commune": frozenset(),
    **dict.fromkeys(WHEN_CHOICES, frozenset()),
}


def asks_for_visit_alerts(text: str) -> bool:
    """Whether a message asks to be told when the team comes near ("préviens-moi quand vous
    passez à Stenay")."""
    return ALERT_RE.search(fold(text).replace("'", " ").replace("-", " ")) is not None


def says_cannot_come(text: str) -> bool:
    """Whether a typed message says the young person cannot come ("je pourrai pas venir")."""
    return CANNOT_COME_RE.search(fold(text).replace("'", " ")) is not None


class KeepInTouch:
    """Dialogue steps about appointments; texts from ``bot/``, never generated."""

    def __init__(self, content: Content) -> None:
        content.require_messages(MESSAGE_KEYS)
        self._content = content

    @staticmethod
    def cannot_come(turn: Turn, text: str, payload: Payload | None) -> bool:
        """Whether the message says the young person cannot come to their appointment.

        The engine asks this before the classifier's crisis guess: "j'ai un empêchement" was
        read as distress by the classifier. The crisis rules (``turn.crisis_kind``) still win.
        """
        if payload is not None:
            return payload.name == CANNOT_COME
        return turn.appointment_planned and says_cannot_come(text)

    def step(
        self,
        state: DialogueState,
        turn: Turn,
        *,
        text: str,
        payload: Payload | None,
        intent: str,
        effects: Effects,
    ) -> tuple[list[Reply], DialogueState] | None:
        """The replies when this message is about an appointment, else None."""
        name = payload.name if payload is not None else None
        if state.step is Step.CONFIRM_VISIT_ALERT:
            return self._on_alert_consent(state, text, payload, intent, effects)
        if state.step is Step.ASK_ALERT_COMMUNE:
            return self._on_alert_commune(state, text, effects)
        if payload is None and asks_for_visit_alerts(text):
            state.step = Step.CONFIRM_VISIT_ALERT
            buttons = (
                Button(self._text("button_yes", state), "/affirm"),
                Button(self._text("button_no", state), "/deny"),
            )
            return self._say(state, Reply(self._text("visit_alert_offer", state), buttons))
        if state.step is Step.ASK_NEW_TIME:
            return self._on_new_time(
                state, turn, text=text, payload=payload, intent=intent, effects=effects
            )
        if self.cannot_come(turn, text, payload):
            if not turn.appointment_planned:
                state.step = Step.IDLE
                return self._say(state, Reply(self._text("appointment_none", state)))
            effects.cannot_come = True
            return self._ask_time(state, "appointment_cannot_come")
        offered_slot = f"/{NEW_SLOT}" in state.buttons
        if name == NEW_SLOT or (offered_slot and intent == "affirm"):
            effects.new_slot = True
            return self._ask_time(state, "appointment_ask_time")
        if offered_slot and intent == "deny":
            state.step = Step.IDLE
            return self._say(state, Reply(self._text("appointment_no_slot", state)))
        return None

    def _ask_time(self, state: DialogueState, key: str) -> tuple[list[Reply], DialogueState]:
        state.step = Step.ASK_NEW_TIME
        buttons = [
            Button(self._text(choice, state), f'/select{{"value":"{choice}"}}')
            for choice in WHEN_CHOICES
        ]
        buttons.append(Button(self._text("button_skip", state), "/skip"))
        return self._say(state, Reply(self._text(key, state), tuple(buttons)))

    def _on_new_time(
        self,
        state: DialogueState,
        turn: Turn,
        *,
        text: str,
        payload: Payload | None,
        intent: str,
        effects: Effects,
    ) -> tuple[list[Reply], DialogueState] | None:
        """What comes is when they would rather come; a clear question is answered as usual."""
        state.step = Step.IDLE
        skipped = intent == "deny" or fold(text) in SKIP_WORDS
        if payload is not None and payload.name == "select":
            choice = payload.entities.get("value", "")
            effects.time_wish = self._text(choice, state) if choice in WHEN_CHOICES else None
        elif payload is not None and payload.name != "skip":
            return None  # another button: not an answer to "when?"
        elif payload is None and not skipped:
            if turn.confidence >= QUESTION_CONFIDENCE and intent not in SMALL_TALK:
                return None  # "c'est quoi le CEJ ?": a question, not a time
            effects.time_wish = " ".join(text.split())[:MAX_WISH] or None
        effects.new_slot = True  # the counsellor sees the wish (or that none was given)
        return self._say(state, Reply(self._text("appointment_wish_noted", state)))

    def _on_alert_consent(
        self,
        state: DialogueState,
        text: str,
        payload: Payload | None,
        intent: str,
        effects: Effects,
    ) -> tuple[list[Reply], DialogueState] | None:
        """Only an explicit yes records the consent; anything else records nothing."""
        yes = intent == "affirm" or (payload is not None and payload.name == "affirm")
        if yes:
            state.step = Step.ASK_ALERT_COMMUNE
            return self._say(state, Reply(self._text("visit_alert_ask_commune", state)))
        state.step = Step.IDLE
        if intent == "deny" or (payload is not None and payload.name == "deny"):
            return self._say(state, Reply(self._text("visit_alert_declined", state)))
        return None  # another question: answered as usual, nothing recorded

    def _on_alert_commune(
        self, state: DialogueState, text: str, effects: Effects
    ) -> tuple[list[Reply], DialogueState] | None:
        """The commune to watch; a text that is no commune is asked again once."""
        match = match_commune(text)
        if match.commune is None:
            if state.retries >= 1:
                state.step, state.retries = Step.IDLE, 0
                return None
            state.retries += 1
            return self._say(state, Reply(self._text("reask_commune", state)))
        state.step, state.retries = Step.IDLE, 0
        effects.visit_alert = (match.commune.insee, match.commune.name)
        effects.consent_text_version = ALERT_CONSENT_VERSION
        done = self._content.message("visit_alert_done", state.locale, commune=match.commune.name)
        return self._say(state, Reply(done))

    def _text(self, key: str, state: DialogueState) -> str:
        return self._content.message(key, state.locale)

    @staticmethod
    def _say(state: DialogueState, *replies: Reply) -> tuple[list[Reply], DialogueState]:
        """Remember the last buttons offered, so a typed digit can pick one."""
        state.offer(replies[-1].choices if replies else ())
        return list(replies), state
