"""The dialogue: a deterministic state machine from (state, turn) to (replies, state, effects).

It has no I/O, so every rule of the conversation (global commands, crisis, consent, the lead
form) is tested without a channel or a database; the core applies the effects it returns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Final

from outreach_bot.content import Content
from outreach_bot.content.model import Answer, FollowUp
from outreach_bot.dialogue import referral
from outreach_bot.dialogue.crisis import CRISIS_INTENT, CrisisCall, assess_crisis, text_kind
from outreach_bot.dialogue.keep_in_touch import KeepInTouch
from outreach_bot.dialogue.language import LANGUAGE_MESSAGES, Identify, Languages, LanguageStep
from outreach_bot.dialogue.replies import Button, Reply
from outreach_bot.dialogue.state import DialogueState, LeadForm, Step
from outreach_bot.dialogue.turn import (
    COMMAND_INTENTS,
    HELP_WORDS,
    START_WORDS,
    Effects,
    LeadDraft,
    Payload,
    Turn,
    command_of,
    fold,
    parse_payload,
    refuses_erasure,
)
from outreach_bot.domain.career import names_a_project
from outreach_bot.domain.consent import DIGITAL_CONSENT_AGE, MAX_USUAL_AGE
from outreach_bot.domain.contact_details import gives_phone_number
from outreach_bot.domain.contact_lists import says_wrong_number
from outreach_bot.domain.fields import (
    Commune,
    commune_by_insee,
    home_commune_in,
    match_commune,
    national_format,
    parse_age,
    parse_first_name,
    parse_phone,
    stated_age,
)
from outreach_bot.domain.numbers import parse_whole_number
from outreach_bot.domain.places import WEEKDAYS, Ask, Place, PlacesAnswer
from outreach_bot.domain.questions import (
    has_phrase,
    phrase_at,
    phrase_spans,
    question_kinds,
    signs_up,
    words_of,
)
from outreach_bot.domain.relatives import (
    about_a_relative,
    for_a_relative,
    relatives_trouble_removed,
)
from outreach_bot.domain.school import PUPIL_AGE_LIMIT, speaks_as_a_pupil

MAX_RETRIES: Final = 2
NUMBER_CHANNELS: Final = frozenset({"sms", "whatsapp"})
"""Channels where the young person writes from a phone number the bot can offer to use."""
MAX_NEED_LENGTH: Final = 300
MAX_WHEN_LENGTH: Final = 100
HIGH_CONFIDENCE: Final = 0.8
OUTSIDE_FORM: Final = frozenset(
    {
        Step.IDLE,
        Step.OFFER_LEAD,
        Step.AFTER_CRISIS,
        Step.ASK_NEW_TIME,
        Step.CONFIRM_VISIT_ALERT,
        Step.ASK_ALERT_COMMUNE,
    }
)
"""Steps where no form question waits for its answer: a message there is read for itself."""
TOPIC_TURNS: Final = 3
"""For this many messages after a topic's answer, a question that names no topic is about it."""
#: Answers that are not a topic a follow-up question can be about.
NOT_TOPICS: Final = frozenset({"ask_human", "bot_challenge", "out_of_scope"})
#: The topic whose follow-ups answer a kind of question that the current topic has none for:
#: "c'est où ?" after the training answer is where to meet the team, "c'est gratuit ?" is the
#: Mission Locale's "free for 16-25 year olds". Only these kinds: "c'est combien ?" about the
#: housing answer is not about the Mission Locale.
GENERAL_TOPIC: Final = "mission_locale_info"
GENERAL_KINDS: Final = frozenset({"where", "when", "who", "cost"})
MAX_PRACTICAL_OFFICES: Final = 2
"""Offices named in a phone, hours or walk-in answer, nearest first: two fit in one SMS."""
MAX_COMMUNE_CHOICES: Final = 3
MAX_SHARED_CHOICES: Final = 4
"""Communes offered for a postal code that several share: the largest, then "Aucune"."""
POSTAL_CODE_IN: Final = re.compile(r"(?<!\d)\d{5}(?!\d)")

TOPIC_MENU: Final = (
    ("menu_job", "find_job"),
    ("menu_training", "find_training"),
    ("menu_apprenticeship", "apprenticeship"),
    ("menu_cej", "cej"),
    ("menu_money", "financial_aid"),
    ("menu_housing", "housing"),
    ("menu_health", "health"),
    ("menu_human", "ask_human"),
)
TOPIC_TITLES: Final = {
    **{intent: key for key, intent in TOPIC_MENU},
    # Topics the menu leaves out still get a button when a message names them second
    # ("un taf mais g pas le permis"): the second need must not vanish for want of a title.
    "mobility": "topic_mobility",
    "cv_help": "topic_cv_help",
    "service_civique": "topic_service_civique",
    "school_dropout": "topic_school_dropout",
    "leaving_care": "topic_leaving_care",
    "admin_help": "topic_admin_help",
    "mission_locale_info": "topic_mission_locale_info",
}
"""The ``bot/`` message that names each topic on its button (the menu's, then the others)."""
MAX_PLACES_WITH_TOPIC: Final = 2
"""Places told under a topic's answer when the message names a Meuse town: one SMS's worth."""
FORM_ORDER: Final = (
    Step.ASK_AGE,
    Step.ASK_NAME,
    Step.ASK_CONTACT,
    Step.ASK_COMMUNE,
    Step.ASK_NEED,
    Step.ASK_WHEN,
    Step.SUMMARY,
)
HOME_NOTED_STEPS: Final = OUTSIDE_FORM | {
    Step.CONSENT,
    Step.ASK_AGE,
    Step.ASK_NAME,
    Step.ASK_CONTACT,
    Step.ASK_PHONE,
}
"""Where a town said as home ("jhabite a stenay") is remembered, to be offered back at the
commune question instead of asking it open (:meth:`DialogueEngine._note_home`)."""
FIXABLE: Final = {
    "age": Step.ASK_AGE,
    "first_name": Step.ASK_NAME,
    "contact": Step.ASK_CONTACT,
    "commune": Step.ASK_COMMUNE,
    "need": Step.ASK_NEED,
    "when": Step.ASK_WHEN,
}
FIELD_OF_STEP: Final = {
    Step.ASK_AGE: "age",
    Step.ASK_NAME: "first_name",
    Step.ASK_CONTACT: "phone",
    Step.ASK_PHONE: "phone",
    Step.ASK_COMMUNE: "commune",
    Step.ASK_NEED: "need",
    Step.ASK_WHEN: "when",
}
"""What each question of the form asks for (``Reply.field``: the web chat's keyboard)."""
MEDIA_KINDS: Final = {"voice": "media_voice", "audio": "media_voice", "photo": "media_photo"}
"""A received file's kind → its kind answer; anything else is a document."""
MEDIA_MESSAGES: Final = (
    "media_voice",
    "media_photo",
    "media_document",
    "media_offer_callback",
    "media_too_big",
    "media_wrong_type",
    "media_unavailable",
)
WHEN_CHOICES: Final = ("when_morning", "when_afternoon", "when_evening", "when_any")
SKIP_WORDS: Final = frozenset({"passer", "skip", "je sais pas", "jsp", "aucun", "non", "nan"})
AFFIRM_WORDS: Final = frozenset({"oui", "ouais", "yes", "ok", "d'accord", "dac", "vas-y", "ouai"})
DENY_WORDS: Final = frozenset({"non", "nan", "no", "nope", "pas maintenant", "pas mtn"})
NAME_REFUSALS: Final = SKIP_WORDS | DENY_WORDS | {"nn", "nop", "jamais", "pourquoi", "rien"}
#: Typed at the recap, these send the request, like the "Oui, envoyer" button: whole words,
#: anywhere in the message ("oui envoie stp"), unless a word of FIX_WORDS or NOT_YET is there.
SEND_WORDS: Final = (
    "envoyer",
    "envoie",
    "envoi",
    "envoies",
    "envoye",
    "valider",
    "valide",
    "confirmer",
    "confirme",
    "c est bon",
    "cest bon",
    "c bon",
    "ok",
    "okay",
    "oui",
    "ouais",
    "ouai",
    "yes",
    "send",
    "go",
    "vas y",
    "parfait",
    "nickel",
)
FIX_WORDS: Final = (
    "corriger",
    "corrige",
    "correction",
    "modifier",
    "modifie",
    "changer",
    "change",
    "erreur",
    "faux",
    "pas bon",
    "fix",
    "edit",
)
NOT_YET: Final = ("pas", "non", "attends", "attend", "wait", "don t", "dont", "not")

#: Every message key the engine uses, with the placeholders it fills (checked at start-up).
MESSAGE_KEYS: Final[dict[str, frozenset[str]]] = {
    key: frozenset(values)
    for key, values in {
        "greet": (),
        "handed_back": (),
        "help": (),
        "menu_prompt": (),
        "fallback": (),
        "goodbye": (),
        "thanks": (),
        "unknown_button": (),
        "offer_lead": (),
        "lead_declined": (),
        "consent_declined": (),
        "already_in_queue": (),
        "ask_age": (),
        "reask_age": (),
        "over_29": (),
        "ask_name": (),
        "reask_name": (),
        "ask_contact_sms": (),
        "ask_contact_telegram": (),
        "ask_phone": (),
        "confirm_phone": ("phone",),
        "confirm_commune": ("commune",),
        "reask_phone": (),
        "ask_commune": (),
        "reask_commune": (),
        "did_you_mean": (),
        "which_commune": ("code",),
        "ask_need": (),
        "ask_when": (),
        "summary": ("lines",),
        "summary_first_name": ("value",),
        "summary_contact": ("value",),
        "summary_age": ("value",),
        "summary_commune": ("value",),
        "summary_need": ("value",),
        "summary_when": ("value",),
        "summary_empty": (),
        "contact_here": (),
        "choose_fix": (),
        "lead_done": (),
        "lead_done_phone": ("phone",),
        "lead_done_number": (),
        "lead_done_here": (),
        "lead_done_when": ("when",),
        "lead_done_after": (),
        "form_abandoned": (),
        "field_skipped": (),
        "opt_out_confirm": (),
        "opt_out_kept": (),
        "opt_out_done": (),
        "opt_in_done": (),
        "first_contact_wrong_number": (),
        "erase_confirm": (),
        "erase_done": (),
        "erase_cancelled": (),
        "crisis_followup": (),
        "button_yes": (),
        "button_no": (),
        "button_skip": (),
        "button_send": (),
        "button_fix": (),
        "button_contact_here": (),
        "button_sms_same": (),
        "button_sms_other": (),
        "button_commune_same": (),
        "button_commune_other": (),
        "button_erase_yes": (),
        "button_opt_out_yes": (),
        "button_none": (),
        "fix_age": (),
        "fix_first_name": (),
        "fix_contact": (),
        "fix_commune": (),
        "fix_need": (),
        "fix_when": (),
        "followup_source": ("source",),
        "question_unsure": (),
        "consent_again": (),
        "summary_again": (),
        "button_contact": (),
        "which_topic": (),
        **dict.fromkeys(TOPIC_TITLES.values(), ()),
        "places_with_topic": ("commune",),
        "places_intro": (),
        "places_in_near": ("commune",),
        "places_none_near": ("commune",),
        "place_dated": ("when", "where"),
        "place_office": ("where", "hours"),
        "place_weekdays": (),
        "place_weekdays_long": (),
        "places_phone": (),
        "places_day": ("day",),
        "places_hours": (),
        "places_walk_in": (),
        "place_line": ("where", "what"),
        "place_closed": (),
        "place_walk_in_yes": (),
        "place_walk_in_no": (),
        "place_walk_in_unknown": (),
        **dict.fromkeys(MEDIA_MESSAGES, ()),
        **{key: () for key, _ in TOPIC_MENU},
        **dict.fromkeys(WHEN_CHOICES, ()),
    }.items()
}


#: The follow-up answered from the places the team keeps in the back office.
FAMILY: Final = ("financial_aid", "family")
"""The answer to a relative's trouble ("ma mère galère à payer le loyer"): not one's own."""
FAMILY_NEXT: Final = "emergency"
"""The one question of the topic offered under the family answer."""
RELATIVE: Final = "relative"
"""The follow-up of a topic that speaks of a relative the message is written for ("c pour ma
soeur, elle veut arrêter les cours"): the topic's facts about them, not the writer."""
WHERE: Final = ("mission_locale_info", "where")
CAREER_TOPIC: Final = "find_training"
"""The topic of a career project said with a trade no topic names ("projet de cordiste")."""
SCHOOL_PLACEMENT: Final = ("find_training", "school_internship")
"""The 3e pupil's placement: its button only for a pupil (:func:`speaks_as_a_pupil`)."""


def short_source(url: str) -> str:
    """A source as a young person reads it: the address without ``https://www.``."""
    return url.removeprefix("https://").removeprefix("www.").rstrip("/")


@dataclass(frozen=True, slots=True)
class Heard:
    """What the engine understood of one message, passed to the form step handlers."""

    turn: Turn
    text: str
    payload: Payload | None
    intent: str
    confidence: float
    followup: str | None = None
    asked: str | None = None
    """``unsure`` or ``which_topic`` when the message is a question the bot cannot place."""
    also: tuple[tuple[str, str | None], ...] = ()
    """Other topics the message names, each with its follow-up (see :class:`Asked`)."""


@dataclass(frozen=True, slots=True)
class Asked:
    """What a message asks once read in context: a topic, maybe one of its follow-ups.

    ``asked`` is ``unsure`` (a question about the topic that no reviewed answer covers: a
    counsellor answers it) or ``which_topic`` (a question such as "c'est combien ?" with no
    topic before it), else None.
    """

    intent: str
    confidence: float
    followup: str | None = None
    asked: str | None = None
    also: tuple[tuple[str, str | None], ...] = ()
    """Other topics the message names ("une formation mais j'ai pas de logement non plus"):
    offered as buttons under the answer, so the second need is not lost. Each comes with the
    follow-up its words ask, if any ("g pas le permis" is getting around without a car)."""


@dataclass
class Outcome:
    """What one turn produced: replies to send, the next state, effects to apply."""

    replies: list[Reply]
    state: DialogueState
    effects: Effects = field(default_factory=Effects)


class DialogueEngine:
    """Decides every reply from the reviewed content; never generates text."""

    def __init__(
        self, content: Content, *, threshold: float, identify: Identify | None = None
    ) -> None:
        content.require_messages(MESSAGE_KEYS | LANGUAGE_MESSAGES | referral.MESSAGE_KEYS)
        self._content = content
        self._keep_in_touch = KeepInTouch(content)
        self._languages = Languages(content, identify)
        self._threshold = threshold

    # -- entry point -------------------------------------------------------------------------

    def step(self, state: DialogueState, turn: Turn) -> Outcome:
        """Handle one inbound message (see :meth:`_step`); after a takeover that ran out, the
        answer opens with "it's the bot again", so that a young person who was talking to a
        person is not answered by a bot without a word. Not before a crisis text, an erasure
        or a STOP: those say who speaks, and come first."""
        outcome = self._step(self._languages.read_on_page(state, turn.page_language), turn)
        effects = outcome.effects
        quiet = effects.urgent or effects.erase or effects.opt_out
        if turn.takeover_ended and outcome.replies and not quiet:
            outcome.replies.insert(0, Reply(self._text("handed_back", outcome.state)))
        return outcome

    def _step(self, state: DialogueState, turn: Turn) -> Outcome:
        """Handle one inbound message.

        Global commands come first, in the order of the intent contract (crisis > opt_out >
        forget_me > ask_human), so that they work whatever the state. While a counsellor has
        taken over, only crisis, STOP and erasure get an answer from the bot.

        Only an explicit command changes someone's state: the STOP or SUPPRIMER word alone
        (:func:`command_of`), or a button. The classifier's ``opt_out`` or ``forget_me`` guess
        only asks whether that is what the person wants; erasure always asks once.
        """
        # One more message since the topic's answer (see TOPIC_TURNS).
        state = replace(
            state,
            form=replace(state.form),
            suggestions=list(state.suggestions),
            topic_turns=state.topic_turns + 1,
        )
        state.channel = turn.channel
        text = self._resolve_digit(state, turn.text)
        payload = parse_payload(text)
        # The classifier knows French and English: another script gets no guess from it.
        foreign = payload is None and self._languages.notice(state, text)
        intent, confidence = self._intent(state, turn, payload, text)
        if foreign and confidence < 1.0:
            intent, confidence = "out_of_scope", 0.0
        effects = Effects()
        if turn.opted_out and intent != "opt_out":
            effects.opt_in = True
        in_form = state.step not in OUTSIDE_FORM

        call = self._crisis_call(turn, payload, text, foreign=foreign)
        if (
            call is not None
            and not call.certain
            and self._keep_in_touch.cannot_come(turn, text, payload)
        ):
            call = None  # "j'ai un empêchement" for an appointment is not distress
        if call is not None:
            return self._crisis(state, turn, effects, call)
        intent, confidence = self._not_crisis(turn, payload, intent, confidence)
        keyword = fold(text)
        command = self._command(payload, text)
        if intent == "opt_out" and turn.opted_out:
            return Outcome([], state, effects)  # confirmed once already: say nothing more
        if command == "opt_out":
            return self._opt_out(state, effects)
        if state.step in {Step.CONFIRM_OPT_OUT, Step.CONFIRM_ERASE}:
            return self._confirmation(state, turn, payload, text, effects)
        if turn.first_contact and payload is None and says_wrong_number(text):
            # An explicit phrase only (domain/contact_lists.py): it stops every message.
            effects.wrong_number = True
            state.step = Step.IDLE
            return self._say(state, effects, self._reply("first_contact_wrong_number", state))
        guessed = self._guessed_command(intent, confidence, payload, text, in_form=in_form)
        if intent == "opt_out" and guessed:
            return self._ask_confirmation(state, effects, Step.CONFIRM_OPT_OUT)
        if command == "forget_me" or (intent == "forget_me" and guessed):
            return self._ask_erase(state, effects, text, explicit=command is not None)
        if turn.referral_organisation is not None:
            outcome = self._referral(
                state,
                turn.referral_organisation,
                payload=payload,
                text=text,
                intent=intent,
                effects=effects,
            )
            if outcome is not None:
                return outcome
        if turn.human_active:
            return Outcome([], state, effects)
        language = self._languages.answer(state, payload, text, foreign=foreign, in_form=in_form)
        if language is not None:
            return self._language_step(state, effects, language)
        if keyword in HELP_WORDS:
            state.step = Step.IDLE
            return self._say(state, effects, self._reply("help", state, menu=True))
        if keyword in START_WORDS and turn.opted_out:
            state.step = Step.IDLE
            return self._say(state, effects, self._reply("opt_in_done", state, menu=True))
        about_appointment = self._keep_in_touch.step(
            state, turn, text=text, payload=payload, intent=intent, effects=effects
        )
        if about_appointment is not None:
            return Outcome(*about_appointment, effects)
        if state.step is Step.AFTER_CRISIS:
            outcome = self._after_crisis(state, intent, confidence, effects)
            if outcome is not None:
                return outcome
        practical = self._practical_asked(state, turn.places, intent, confidence)
        if practical is not None and not in_form:
            return self._practical(state, effects, practical)
        if intent == "ask_human" and not in_form:
            return self._ask_human(state, turn, effects)
        asked = self._in_context(state, payload, text, intent, confidence)
        if in_form or state.step is Step.OFFER_LEAD:
            heard = Heard(
                turn,
                text,
                payload,
                asked.intent,
                asked.confidence,
                asked.followup,
                asked.asked,
                asked.also,
            )
            return self._form(state, heard, effects)
        return self._idle(
            state,
            asked.intent,
            asked.confidence,
            effects,
            followup=asked.followup,
            places=turn.places,
            asked=asked.asked,
            also=asked.also,
        )

    def file_received(
        self,
        state: DialogueState,
        turn: Turn,
        *,
        kind: str,
        problem: str | None,
        caption: bool = False,
    ) -> Outcome:
        """A voice note, photo or document: the bot cannot read it, and says so kindly.

        A refused file (``problem``: ``too_big``, ``wrong_type``, ``unavailable``) gets its
        own answer and changes nothing. A kept one is thanked for and promised to the team;
        then the conversation goes on where it was: the form's question again, or, when the
        person has no request with the team yet, the offer of a call back, whose "no" drops
        the file (``Effects.drop_held_media``). With a ``caption`` (words sent with the file,
        answered next as a message of their own), only the thanks: the words lead.
        """
        state = replace(state, form=replace(state.form), suggestions=list(state.suggestions))
        state.channel = turn.channel
        effects = Effects(opt_in=turn.opted_out)
        if turn.human_active:
            return Outcome([], state, effects)  # the counsellor sees it on the lead page
        if problem is not None:
            return self._say(state, effects, self._reply(f"media_{problem}", state))
        thanks = self._reply(MEDIA_KINDS.get(kind, "media_document"), state)
        if caption:
            return Outcome([thanks], state, effects)
        if state.step is Step.CONSENT:
            return self._start_consent(state, effects, [thanks])
        if state.step in {*FORM_ORDER, Step.ASK_PHONE}:
            outcome = self._ask(state, effects, state.step)
            outcome.replies.insert(0, thanks)
            return outcome
        if turn.has_open_lead or state.step not in {Step.IDLE, Step.OFFER_LEAD}:
            return self._say(state, effects, thanks)
        state.step = Step.OFFER_LEAD
        yes_no = (("button_yes", "/affirm"), ("button_no", "/deny"))
        return self._say(
            state, effects, thanks, self._reply("media_offer_callback", state, buttons=yes_no)
        )

    def _referral(
        self,
        state: DialogueState,
        organisation: str,
        *,
        payload: Payload | None,
        text: str,
        intent: str,
        effects: Effects,
    ) -> Outcome | None:
        """Hook for :mod:`outreach_bot.dialogue.referral`: only an explicit yes consents."""
        keyword = fold(text)
        # A language's own yes or no typed alone ("نعم", "بلی", "هو") is as explicit as "oui".
        said = self._languages.yes_or_no(text)
        explicit: bool | None = None
        if (
            keyword in AFFIRM_WORDS
            or said == "affirm"
            or (payload is not None and payload.name == "affirm")
        ):
            explicit = True
        elif (
            keyword in DENY_WORDS
            or said == "deny"
            or (payload is not None and payload.name == "deny")
        ):
            explicit = False
        answered = referral.answer(
            self._content,
            state,
            organisation,
            explicit=explicit,
            guessed=intent in {"affirm", "deny"},
        )
        if answered is None:
            return None
        reply, effects.referral_agreed = answered
        return self._say(state, effects, reply)

    # -- understanding -----------------------------------------------------------------------

    @staticmethod
    def _resolve_digit(state: DialogueState, text: str) -> str:
        """On SMS buttons are numbered lines: "2" means the second button offered last time."""
        choice = parse_whole_number(text.strip().rstrip("."), max_digits=2)
        if choice is not None and state.buttons and 1 <= choice <= len(state.buttons):
            return state.buttons[choice - 1]
        return text

    def _guessed_command(
        self,
        intent: str,
        confidence: float,
        payload: Payload | None,
        text: str,
        *,
        in_form: bool,
    ) -> bool:
        """Whether the classifier's ``opt_out`` or ``forget_me`` is worth asking about.

        In the form only a confident guess is (an answer is expected there). Never for someone
        who says they do not follow ("stop jcapte rien à tes messages", "c trop compliqué tes
        messages"): they want simpler words, not silence, whatever the classifier makes of
        "stop" or "messages" (:meth:`Languages.asks_easier` answers them).
        """
        if intent not in COMMAND_INTENTS or (in_form and confidence < HIGH_CONFIDENCE):
            return False
        if payload is None and intent == "opt_out" and signs_up(text):
            return False  # "comment on s'inscrit" is the opposite of "désinscris-moi"
        return payload is not None or self._languages.asks_easier(text) is None

    @staticmethod
    def _command(payload: Payload | None, text: str) -> str | None:
        """The global command this message explicitly gives: the word alone, or its button."""
        if payload is not None and payload.name in COMMAND_INTENTS and not payload.entities:
            return payload.name
        return command_of(text)

    @staticmethod
    def _not_crisis(
        turn: Turn, payload: Payload | None, intent: str, confidence: float
    ) -> tuple[str, float]:
        """What a message is about once it was not answered as a crisis.

        A crisis guess held back (an everyday context: "je sors de prison") or under the bars
        is no topic: the classifier's best other guess is read instead, or nothing understood,
        never the "choix plus valable" of a button the bot does not know.
        """
        if intent != CRISIS_INTENT or payload is not None:
            return intent, confidence
        return next(
            ((name, score) for name, score in turn.ranking if name != CRISIS_INTENT),
            ("out_of_scope", 0.0),
        )

    def _intent(
        self, state: DialogueState, turn: Turn, payload: Payload | None, text: str
    ) -> tuple[str, float]:
        # Where they live, said in passing, whatever the message is read as (a flag only).
        self._note_home(state, payload, text)
        # Commands first: a typed "/stop" looks like a payload but must stop the messages.
        keyword = fold(text)
        command = command_of(text)
        if command is not None:
            return command, 1.0
        if payload is not None:
            return payload.name, 1.0
        if keyword in AFFIRM_WORDS:
            return "affirm", 1.0
        if keyword in DENY_WORDS:
            return "deny", 1.0
        if (said := self._languages.yes_or_no(text)) is not None:
            return said, 1.0
        if state.step in OUTSIDE_FORM and gives_phone_number(text):
            # "mon num c 06 12 34 56 78": a number given to be called on is a wish to be
            # contacted (consent comes first), never a question about erasing: the classifier
            # learnt "mon numéro" from "efface mon numéro". The form reads its own numbers.
            # Only that a number was given is remembered, not the number: it is read back
            # from this message once consent is given (Turn.given_phone).
            state.number_given = True
            return "ask_human", 1.0
        return turn.intent, turn.confidence

    def _followup_asked(self, intent: str, payload: Payload | None, text: str) -> str | None:
        """Which follow-up of the topic the message asks for: a button says it, or a keyword.

        A button payload is ``/cej{"followup":"amount"}``: the intent stays one of the 25, the
        entity picks the answer. Typed, "c'est combien le CEJ ?" reaches the same answer
        through a keyword the content lists for it, else the kind of question it asks.
        """
        answer = self._content.answer(intent)
        if answer is None or not answer.followups:
            return None
        if payload is not None:
            return payload.entities.get("followup")
        return self._pick(intent, words_of(text), question_kinds(text))

    # -- follow-up questions in context ----------------------------------------------------------

    def _in_context(
        self,
        state: DialogueState,
        payload: Payload | None,
        text: str,
        intent: str,
        confidence: float,
    ) -> Asked:
        """What a typed message asks, read against the topic the conversation is on.

        Only where the bot waits for no answer of the form (idle, the counsellor offer, the
        consent question). In this order: a message that names a topic (its ``names`` in
        ``bot/answers.yml``) is about that topic, the current one if it names it too; a
        message that names none but
        has a follow-up's keyword or asks a kind of question (:func:`question_kinds`) is about
        the current topic, for ``TOPIC_TURNS`` messages after its answer; otherwise the
        classifier decides, as before. Within the topic, a follow-up's keyword wins over a
        kind: "je touche le RSA, je peux avoir le CEJ ?" is the RSA rule, not the amount.
        """
        if payload is None and not state.pupil and speaks_as_a_pupil(text):
            state.pupil = True  # the training answer's placement button fits them now
        said_plainly = confidence >= 1.0 and intent in {"affirm", "deny"}
        answering_the_form = state.step not in {Step.IDLE, Step.OFFER_LEAD, Step.CONSENT}
        if payload is not None or said_plainly or answering_the_form:
            return Asked(intent, confidence, self._followup_asked(intent, payload, text))
        if about_a_relative(text) and self._has_followup(*FAMILY):
            # "mon frère est en prison et ma mère galère à payer le loyer": the family's
            # trouble, not the young person's own rent (Mobili-Jeune) or criminal record.
            return Asked(FAMILY[0], 1.0, FAMILY[1])
        asked = self._read_in_context(state, text, intent, confidence)
        if (
            asked.followup is None
            and asked.asked is None
            and self._has_followup(asked.intent, RELATIVE)
            and for_a_relative(text)
        ):
            # "c pour ma soeur, elle veut arrêter les cours": the topic, said of the sister.
            return replace(asked, followup=RELATIVE)
        return asked

    def _read_in_context(
        self, state: DialogueState, text: str, intent: str, confidence: float
    ) -> Asked:
        """The rules of :meth:`_in_context` for a typed message, outside the form."""
        words = words_of(text)
        kinds = question_kinds(text)
        live = self._live_topic(state)
        confident = intent if self._is_topic(intent) and confidence >= self._threshold else None
        # A relative's trouble named beside one's own need names no topic of its own: "ma mère
        # galère avec le loyer alors je cherche un taf" is about the job.
        named = self._named_topics(relatives_trouble_removed(text)) or self._named_topics(words)
        precise = self._named_followup(words)
        if precise is not None:
            # "je veux reprendre une formation mais j'ai personne pour garder ma fille": the
            # precise need named (the AGEPI) is the answer, the broader topic a button.
            owner, need = precise
            also = tuple(
                (other, self._keyword(other, words))
                for other in dict.fromkeys(named)
                if other != owner
            )
            return Asked(owner, 1.0, need, also=also)
        if live is not None and (kinds or "?" in text) and self._keyword(live, words):
            # "je suis en alternance, y a une aide ?" after the housing answer: a question with
            # a keyword of the current topic stays on it, though "alternance" names another.
            named = [live]
        if (
            confident is not None
            and confident != live
            and confidence >= HIGH_CONFIDENCE
            and self._keyword(confident, words) is not None
        ):
            named.append(confident)  # "je suis en alternance, une aide ?" says what it is about
        if named:
            if live in named:
                topic = live
            elif confident in named:
                topic = confident
            else:
                topic = named[0]  # "le RSA ... le CEJ ?" is about the CEJ, whatever the guess
            # A topic's name written in the message ("le permi", typed) is enough, even when
            # the classifier, lost in the rest of the words, agrees only weakly.
            sure = confidence if topic == intent and confidence >= self._threshold else 1.0
            also = tuple(
                (other, self._keyword(other, words))
                for other in dict.fromkeys(named)
                if other != topic
            )
            return Asked(topic, sure, self._pick(topic, words, kinds), also=also)
        if live is not None and (kinds or self._keyword(live, words) is not None):
            followup = self._pick(live, words, kinds)
            if followup is not None:
                return Asked(live, 1.0, followup)
            general = self._general(kinds)
            if general is not None:
                return Asked(GENERAL_TOPIC, 1.0, general)
            return Asked(live, 1.0, None, asked="unsure")
        if kinds and (confident is None or confidence < HIGH_CONFIDENCE):
            keyed = self._keyword(confident, words) if confident is not None else None
            if keyed is not None:
                # "j'ai 17 ans, je veux bosser cet été": a keyword of the guessed topic's
                # follow-up ("17 ans") says more than the kind of question ("who").
                return Asked(intent, confidence, keyed)
            general = self._general(kinds)
            if general is not None:
                return Asked(GENERAL_TOPIC, 1.0, general)
            if confident is None:
                return Asked(intent, confidence, None, asked="which_topic")
        if confident is None and names_a_project(text):
            # "il me faut une corde pour mon projet de cordiste": a trade the classifier never
            # saw, told by the words around it; only when nothing else was understood.
            return Asked(CAREER_TOPIC, 1.0, None)
        return Asked(intent, confidence, self._followup_asked(intent, None, text))

    def _has_followup(self, intent: str, followup: str) -> bool:
        answer = self._content.answer(intent)
        return answer is not None and answer.followup(followup) is not None

    def _is_topic(self, intent: str) -> bool:
        return intent not in NOT_TOPICS and self._content.answer(intent) is not None

    def _live_topic(self, state: DialogueState) -> str | None:
        """The topic answered last, if it was within the last ``TOPIC_TURNS`` messages."""
        topic = state.topic
        if topic is None or state.topic_turns > TOPIC_TURNS or not self._is_topic(topic):
            return None
        return topic

    def _named_topics(self, words: str) -> list[str]:
        """The topics whose names the message writes, in the content's order.

        A name inside a longer name of another topic does not count: "s'inscrire à France
        Travail" names the paperwork (``france travail``), not the job search (``travail``).
        """
        spans = [
            (start, end, intent)
            for intent, answer in self._content.answers.items()
            for name in answer.names
            for start, end in phrase_spans(words, name)
        ]
        named = {
            intent
            for start, end, intent in spans
            if not any(
                other != intent and outer <= start and end <= limit and limit - outer > end - start
                for outer, limit, other in spans
            )
        }
        return [intent for intent in self._content.answers if intent in named]

    def _named_followup(self, words: str) -> tuple[str, str] | None:
        """The first follow-up, in the content's order, whose ``names`` the message writes."""
        for intent, answer in self._content.answers.items():
            for followup in answer.followups:
                if any(has_phrase(words, name) for name in followup.names):
                    return intent, followup.id
        return None

    def _keyword(self, intent: str, words: str) -> str | None:
        """The follow-up of the topic whose keyword comes last in the message (whole words).

        In a run-on message the question comes last: "j'ai 17 ans et je veux passer le permis,
        y a des aides ?" asks about the aids, not the age. At the same place the longer keyword
        wins ("bourse au permis" over "bourse"), then the content's order.
        """
        answer = self._content.answer(intent)
        best, where = None, (-1, 0)
        for followup in answer.followups if answer else ():
            last = max(
                ((phrase_at(words, keyword), len(keyword)) for keyword in followup.keywords),
                default=(-1, 0),
            )
            if last[0] >= 0 and last > where:
                best, where = followup.id, last
        return best

    def _pick(self, intent: str, words: str, kinds: tuple[str, ...]) -> str | None:
        """The topic's follow-up the message asks for: by keyword, else by kind of question."""
        found = self._keyword(intent, words)
        answer = self._content.answer(intent)
        if found is not None or answer is None:
            return found
        for kind in kinds:
            for followup in answer.followups:
                if kind in followup.asks:
                    return followup.id
        return None

    def _general(self, kinds: tuple[str, ...]) -> str | None:
        """The Mission Locale's own follow-up for a kind no topic answer covers."""
        if not kinds or not set(kinds) <= GENERAL_KINDS:
            return None
        return self._pick(GENERAL_TOPIC, " ", kinds)

    @staticmethod
    def _crisis_call(
        turn: Turn, payload: Payload | None, text: str, *, foreign: bool
    ) -> CrisisCall | None:
        """Whether this message is a crisis (see :mod:`outreach_bot.dialogue.crisis`).

        A button, a command word or a bare yes/no says what it means: only a crisis button
        or the safety net's certain words make it a crisis, never the classifier's guess.
        Nor is the classifier's guess on another script than its training data's (Arabic,
        Dari): there only the net's own phrases in that script count. A message naming a Meuse
        commune is judged on the guesses for it without the name (``turn.crisis_ranking``).
        """
        if payload is not None:
            return CrisisCall("default", certain=True) if payload.name == "crisis" else None
        said_plainly = command_of(text) is not None or fold(text) in AFFIRM_WORDS | DENY_WORDS
        unread = said_plainly or foreign
        if unread:
            return assess_crisis(turn.crisis, ())
        if turn.crisis_ranking is not None:
            return assess_crisis(turn.crisis, turn.crisis_ranking)
        return assess_crisis(turn.crisis, turn.ranking or ((turn.intent, turn.confidence),))

    # -- global commands ---------------------------------------------------------------------

    def _crisis(
        self, state: DialogueState, turn: Turn, effects: Effects, call: CrisisCall
    ) -> Outcome:
        """Alert the team and give the numbers of this kind of crisis, first number first.

        While a counsellor holds the conversation, a guess alerts them without the bot
        speaking: the young person is talking to a person, and a wrong crisis text in the
        middle of that conversation drives them away. The text is kept back in the effects
        (``held_crisis``): the core sends it if no one on the team has answered after a few
        minutes. Certain words still get the numbers at once, since a takeover lasts hours and
        the counsellor may not be reading.
        """
        effects.urgent = True
        effects.lead = LeadDraft(consent_at=None, urgent=True, topic="crisis", urgency=call.kind)
        crisis = self._content.crisis
        age = stated_age(turn.text) or state.form.age
        kind_name = text_kind(call.kind, age=age)
        kind_name = kind_name if kind_name in crisis.kinds else "default"
        kind = crisis.kinds[kind_name]
        if turn.human_active and not call.certain:
            # The counsellor is alerted at once; the text waits in case nobody answers.
            effects.held_crisis = kind.text.get(state.locale)
            return Outcome([], state, effects)
        state.step = Step.AFTER_CRISIS
        state.crisis_kind = kind_name
        state.form = LeadForm()
        text = kind.text.get(state.locale)
        if turn.human_active:
            # A counsellor is writing: they are the person to talk to, no "talk to the team".
            return self._say(state, effects, Reply(text, self._crisis_buttons(state, team=False)))
        # The buttons ride on the last message, where the young person's eyes are.
        followup = self._text("crisis_followup", state)
        buttons = self._crisis_buttons(state, team=True)
        return self._say(state, effects, Reply(text), Reply(followup, buttons))

    def _after_crisis(
        self, state: DialogueState, intent: str, confidence: float, effects: Effects
    ) -> Outcome | None:
        """After a crisis, anything but a clear question gets the numbers and the team again.

        Greetings, thanks, yes/no and what the bot does not understand would otherwise bring
        back the cheerful topic menu, which reads as if nothing had been said. A clear question
        on a topic (or "aide"/"menu", handled before) is answered as usual: None lets it through.
        """
        crisis = self._content.crisis
        kind = state.crisis_kind or "default"
        if intent == "ask_human":
            text = crisis.team_told.get(state.locale)
            return self._say(state, effects, Reply(text, self._crisis_buttons(state, team=False)))
        topical = (
            confidence >= self._threshold
            and self._content.answer(intent) is not None
            and intent not in {"out_of_scope", "ask_human"}
        )
        if topical:
            state.step = Step.IDLE
            state.crisis_kind = None
            return None
        text = crisis.again_text(kind, state.locale)
        return self._say(state, effects, Reply(text, self._crisis_buttons(state, team=True)))

    def _crisis_buttons(self, state: DialogueState, *, team: bool) -> tuple[Button, ...]:
        """Tap-to-call links for the numbers of this crisis, then "talk to the team"."""
        crisis = self._content.crisis
        locale = state.locale
        buttons = [
            Button(crisis.link_title(resource, locale), resource.link)
            for resource in crisis.resources_of(state.crisis_kind or "default")
        ]
        if team:
            buttons.append(Button(crisis.buttons.team.get(locale), "/ask_human"))
        return tuple(buttons)

    def _opt_out(self, state: DialogueState, effects: Effects) -> Outcome:
        effects.opt_out = True
        effects.opt_in = False
        locale = state.locale
        fresh = DialogueState(
            locale=locale, greeted=state.greeted, language_set=state.language_set
        )
        return self._say(fresh, effects, self._reply("opt_out_done", fresh))

    def _ask_confirmation(self, state: DialogueState, effects: Effects, step: Step) -> Outcome:
        """Ask whether the person wants to stop our messages or erase everything; change
        nothing yet. The answer is read by :meth:`_confirmation`."""
        state.return_step = state.step
        state.step = step
        if step is Step.CONFIRM_OPT_OUT:
            key, yes = "opt_out_confirm", ("button_opt_out_yes", "/opt_out")
        else:
            key, yes = "erase_confirm", ("button_erase_yes", "/affirm")
        return self._say(
            state, effects, self._reply(key, state, buttons=(yes, ("button_no", "/deny")))
        )

    def _ask_erase(
        self, state: DialogueState, effects: Effects, text: str, *, explicit: bool
    ) -> Outcome:
        """The erase question, but not to someone who just asked *not* to erase ("supprime pas
        mes messages, j'en ai besoin"): "je n'efface rien", and nothing changes."""
        if not explicit and refuses_erasure(text):
            return self._say(state, effects, self._reply("erase_cancelled", state))
        return self._ask_confirmation(state, effects, Step.CONFIRM_ERASE)

    def _confirmation(
        self,
        state: DialogueState,
        turn: Turn,
        payload: Payload | None,
        text: str,
        effects: Effects,
    ) -> Outcome:
        """The answer to "no more messages?" or "erase everything?".

        Yes counts only when explicit: the yes button (a numbered line on SMS), the command word
        again, or a bare "oui"; a classifier's ``affirm`` guess is not enough. A plain "non"
        keeps everything as it was; any other message drops the question and is answered
        as if it had not been asked.
        """
        asked = state.step
        state.step = state.return_step or Step.IDLE
        state.return_step = None
        command = self._command(payload, text)
        keyword = fold(text)
        said_yes = keyword in AFFIRM_WORDS or (
            payload is not None and payload.name == "affirm" and not payload.entities
        )
        if asked is Step.CONFIRM_OPT_OUT and said_yes:
            return self._opt_out(state, effects)
        if asked is Step.CONFIRM_ERASE and (said_yes or command == "forget_me"):
            effects.erase = True
            fresh = DialogueState(locale=state.locale, language_set=state.language_set)
            return self._say(fresh, effects, self._reply("erase_done", fresh))
        said_no = keyword in DENY_WORDS or (payload is not None and payload.name == "deny")
        if said_no:
            key = "opt_out_kept" if asked is Step.CONFIRM_OPT_OUT else "erase_cancelled"
            return self._say(state, effects, self._reply(key, state))
        outcome = self.step(state, turn)
        outcome.effects.opt_in = outcome.effects.opt_in or effects.opt_in
        return outcome

    def _ask_human(self, state: DialogueState, turn: Turn, effects: Effects) -> Outcome:
        if turn.has_open_lead:
            state.step = Step.IDLE
            return self._say(state, effects, self._reply("already_in_queue", state))
        answer = self._content.answer("ask_human")
        answered = answer is not None and self._languages.answers_topics(state.locale)
        replies = [Reply(answer.text.get(state.locale))] if answer and answered else []
        state.topic = state.topic or "ask_human"
        return self._start_consent(state, effects, replies)

    # -- idle: answers and small talk ----------------------------------------------------------

    def _idle(
        self,
        state: DialogueState,
        intent: str,
        confidence: float,
        effects: Effects,
        *,
        followup: str | None = None,
        places: PlacesAnswer | None = None,
        asked: str | None = None,
        also: tuple[tuple[str, str | None], ...] = (),
    ) -> Outcome:
        if not self._languages.answers_topics(state.locale) and intent not in {
            "thanks",
            "goodbye",
        }:
            # No answers in this language yet: a person, with an interpreter, rather than French.
            effects.not_understood = confidence < self._threshold
            return self._say(state, effects, self._languages.offer_person(state))
        if intent == "greet" and confidence >= self._threshold:
            state.greeted = True
            return self._say(state, effects, self._reply("greet", state, menu=True))
        if asked == "which_topic":
            # "c'est combien ?" out of the blue: which topic, rather than a guess or a joke.
            return self._say(state, effects, self._reply("which_topic", state, menu=True))
        if confidence < self._threshold or intent == "out_of_scope":
            effects.not_understood = True
            key = "fallback" if confidence < self._threshold else None
            replies = []
            if key is None and (answer := self._content.answer("out_of_scope")):
                replies.append(Reply(answer.text.get(state.locale)))
            replies.append(self._reply("fallback" if key else "menu_prompt", state, menu=True))
            return self._say(state, effects, *replies)
        small_talk = {"goodbye": "goodbye", "thanks": "thanks"}
        if intent in small_talk:
            return self._say(state, effects, self._reply(small_talk[intent], state))
        if intent in {"affirm", "deny", "greet"}:
            return self._say(state, effects, self._reply("menu_prompt", state, menu=True))
        answer = self._content.answer(intent)
        if answer is None:
            effects.not_understood = True
            return self._say(state, effects, self._reply("unknown_button", state, menu=True))
        if asked == "unsure":
            return self._unsure(state, answer, effects)
        if self._is_topic(intent):
            state.topic, state.topic_turns = intent, 0
        chosen = answer.followup(followup)
        state.last_answer = f"{intent}.{chosen.id}" if chosen else intent
        state.urgent_topic = bool(chosen and chosen.urgent) or state.urgent_topic
        if chosen is None and places is not None and places.near and intent == WHERE[0]:
            chosen = answer.followup(WHERE[1])  # "une permanence à Stenay ?" asks where
        where = (answer.intent, chosen.id) == WHERE if chosen else False
        if where and places is not None and places.places:
            replies = [Reply(self._places_text(places, state))]
        else:
            replies = [Reply(self._answer_text(answer, chosen, state))]
            if places is not None and places.near and places.places and answer.offer_lead:
                # "jcherch 1 taf vers stenay": a town named with a topic says where the
                # person is; where to meet the team there is the next step of the answer.
                replies.append(Reply(self._places_with_topic(places, state)))
        followups = self._followup_buttons(answer, chosen, state)
        if chosen is not None and (answer.intent, chosen.id) == FAMILY:
            # After "mon frère est en prison", "Mon patron me paie pas" or the SMIC read as
            # not listening: only the emergency aid, which may be the young person's own need.
            emergency = self._followup_payload(answer, answer.followup(FAMILY_NEXT) or chosen)
            followups = tuple(button for button in followups if button.payload == emergency)
        more = (*self._also_buttons(also, state), *followups)
        return self._with_offer(state, effects, replies, more, offer=answer.offer_lead)

    def _with_offer(
        self,
        state: DialogueState,
        effects: Effects,
        replies: list[Reply],
        more: tuple[Button, ...],
        *,
        offer: bool,
    ) -> Outcome:
        """End an answer with the counsellor offer: asked once per conversation, then a button.

        Asking "Tu veux qu'un conseiller te contacte ?" after every answer reads as a script
        and costs an SMS each time; once asked, a "talk to a counsellor" button stays under
        the answers instead, after the topic's other questions.
        """
        if offer and not state.offered:
            state.offered = True
            state.step = Step.OFFER_LEAD
            yes_no = self._buttons(state, (("button_yes", "/affirm"), ("button_no", "/deny")))
            # Yes and no first: on SMS "1" has always meant yes to the counsellor offer. On a
            # phone channel, one more choice at most (another topic the message named, else the
            # topic's first question): WhatsApp shows three as buttons but more as a list to
            # open, and an SMS pays for every numbered line. The topic's other questions come
            # with its next answers, and can be typed.
            if state.channel in NUMBER_CHANNELS:
                more = more[:1]
            replies.append(Reply(self._text("offer_lead", state), (*yes_no, *more)))
            return self._say(state, effects, *replies)
        state.step = Step.OFFER_LEAD if offer else Step.IDLE  # a typed "oui" still says yes
        if offer:
            more = (*more, *self._buttons(state, (("button_contact", "/ask_human"),)))
        if more:
            replies[-1] = Reply(replies[-1].text, more)
        return self._say(state, effects, *replies)

    def _unsure(self, state: DialogueState, answer: Answer, effects: Effects) -> Outcome:
        """A question about the topic that no reviewed answer covers ("il faut quels papiers ?"
        about the apprenticeship): say so, offer a counsellor and the topic's questions, and
        keep the topic; never the general answer again, never the menu."""
        state.topic_turns = 0
        more = self._followup_buttons(answer, None, state)
        replies = [Reply(self._text("question_unsure", state))]
        return self._with_offer(state, effects, replies, more, offer=True)

    def _answer_text(self, answer: Answer, chosen: FollowUp | None, state: DialogueState) -> str:
        """The topic's answer, or the follow-up asked for with the page it comes from."""
        if chosen is None:
            return answer.text.get(state.locale)
        source = self._text("followup_source", state, source=short_source(chosen.source))
        return f"{chosen.text.get(state.locale)}\n{source}"

    def _places_text(self, places: PlacesAnswer, state: DialogueState) -> str:
        """Where to meet the team, nearest first: dated places, then offices and hours."""
        if places.near is None:
            lines = [self._text("places_intro", state)]
        else:
            key = "places_in_near" if places.in_near else "places_none_near"
            lines = [self._text(key, state, commune=places.near)]
        lines += self._place_lines(places.places, state)
        return "\n".join(lines)

    def _places_with_topic(self, places: PlacesAnswer, state: DialogueState) -> str:
        """The nearest places to the town a topic question named, under the topic's answer."""
        lines = [self._text("places_with_topic", state, commune=places.near)]
        lines += self._place_lines(places.places[:MAX_PLACES_WITH_TOPIC], state)
        return "\n".join(lines)

    def _place_lines(self, chosen: tuple[Place, ...], state: DialogueState) -> list[str]:
        """One line per place: a date and its hours, or an office and its opening hours."""
        lines = []
        for place in chosen:
            where = ", ".join(
                part for part in (place.name, place.address, place.commune_name) if part
            )
            if place.held_on is not None:
                when = self._day(place.held_on, state)
                when = f"{when}, {place.hours}" if place.hours else when
                lines.append(self._text("place_dated", state, when=when, where=where))
            else:
                # An office kept with hours per weekday only still says when it is open.
                hours = place.hours or self._week_hours(state, place)
                lines.append(self._text("place_office", state, where=where, hours=hours))
        return lines

    def _practical_asked(
        self, state: DialogueState, places: PlacesAnswer | None, intent: str, confidence: float
    ) -> PlacesAnswer | None:
        """The places, when a practical question (phone, hours, walk-in, where) is to be
        answered from them: always when its words say so ("votre numéro", "ouvert le samedi",
        "sans rendez-vous") or it names a commune; "c'est où ?" or a day alone only when no
        other topic is under way, since then they ask about that topic."""
        question = places.question if places is not None else None
        if question is None or places is None:
            return None
        if question.clear or places.near:
            return places
        if question.ask is Ask.WHERE and (
            intent == WHERE[0] or confidence < self._threshold or intent == "out_of_scope"
        ):
            other_topic = state.topic not in {None, WHERE[0], "ask_human", "bot_challenge"}
            return None if other_topic else places
        return places if state.topic == WHERE[0] else None

    def _practical(self, state: DialogueState, effects: Effects, places: PlacesAnswer) -> Outcome:
        """Phone numbers, hours (of a day, or of the week), walk-in or not, nearest first."""
        question = places.question
        assert question is not None  # noqa: S101 - checked by _answers_practical
        state.step = Step.IDLE
        if (
            question.ask is Ask.WHERE
            and places.places
            and not self._languages.answers_topics(state.locale)
        ):
            # The places are the team's own list, said in the person's language (Arabic,
            # Dari, Pashto); the answers around them, and their buttons, are French only.
            state.topic, state.topic_turns = WHERE[0], 0
            state.last_answer = ".".join(WHERE)
            return self._say(state, effects, Reply(self._places_text(places, state)))
        if question.ask is Ask.WHERE or not places.offices:
            return self._idle(state, WHERE[0], 1.0, effects, followup=WHERE[1], places=places)
        state.topic, state.topic_turns = WHERE[0], 0
        state.last_answer = f"{WHERE[0]}.{question.ask.value}"
        offices = places.offices[:MAX_PRACTICAL_OFFICES]
        lines: list[str] = []
        if question.ask is Ask.PHONE:
            reachable = [office for office in offices if office.phone]
            if not reachable:
                return self._idle(state, WHERE[0], 1.0, effects, places=places)
            lines.append(self._text("places_phone", state))
            lines += [self._place_line(state, o, o.phone) for o in reachable]
        elif question.ask is Ask.WALK_IN:
            lines.append(self._text("places_walk_in", state))
            lines += [self._place_line(state, o, self._walk_in(state, o)) for o in offices]
        elif question.weekday is not None:
            day = self._text("place_weekdays_long", state).split(",")[question.weekday].strip()
            lines.append(self._text("places_day", state, day=day))
            lines += [
                self._place_line(state, o, self._hours_on(state, o, question.weekday))
                for o in offices
            ]
            lines += [
                self._text("place_dated", state, when=self._dated_when(p, state), where=where)
                for p in places.places
                if p.held_on is not None and p.held_on.weekday() == question.weekday
                for where in [", ".join(x for x in (p.name, p.address, p.commune_name) if x)]
            ]
        else:
            lines.append(self._text("places_hours", state))
            lines += [self._place_line(state, o, self._week_hours(state, o)) for o in offices]
        return self._say(state, effects, Reply("\n".join(lines)))

    def _place_line(self, state: DialogueState, place: Place, what: str) -> str:
        where = f"{place.name}, {place.commune_name}"
        return self._text("place_line", state, where=where, what=what)

    def _walk_in(self, state: DialogueState, place: Place) -> str:
        if place.walk_in is None:
            key = "place_walk_in_unknown"
        else:
            key = "place_walk_in_yes" if place.walk_in else "place_walk_in_no"
        said = self._text(key, state)
        return f"{said} ({place.phone})" if place.phone and place.walk_in is not True else said

    def _hours_on(self, state: DialogueState, place: Place, weekday: int) -> str:
        if not place.weekly:
            return place.hours  # only the summary was given: it says which days
        return place.weekly.get(WEEKDAYS[weekday]) or self._text("place_closed", state)

    def _week_hours(self, state: DialogueState, place: Place) -> str:
        """The week in short: "lun.-jeu. 9h-12h, 14h-17h ; ven. 9h-12h"."""
        if not place.weekly:
            return place.hours
        names = [name.strip() for name in self._text("place_weekdays", state).split(",")]
        runs: list[tuple[int, int, str]] = []
        for number, key in enumerate(WEEKDAYS):
            hours = place.weekly.get(key, "")
            if runs and runs[-1][2] == hours and runs[-1][1] == number - 1:
                runs[-1] = (runs[-1][0], number, hours)
            else:
                runs.append((number, number, hours))
        return " ; ".join(
            f"{names[first]}{'-' + names[last] if last > first else ''} {hours}"
            for first, last, hours in runs
            if hours
        )

    def _dated_when(self, place: Place, state: DialogueState) -> str:
        assert place.held_on is not None  # noqa: S101 - only dated places are passed
        when = self._day(place.held_on, state)
        return f"{when}, {place.hours}" if place.hours else when

    def _day(self, day: date, state: DialogueState) -> str:
        weekdays = self._text("place_weekdays", state).split(",")
        return f"{weekdays[day.weekday()].strip()} {day:%d/%m}"

    def _followup_buttons(
        self, answer: Answer, chosen: FollowUp | None, state: DialogueState
    ) -> tuple[Button, ...]:
        """The topic's other follow-up questions as quick replies, in the content's order.

        Not the answer about a relative (:data:`RELATIVE`): it answers a message written for
        someone, and "C'est pour un proche" under every job answer would read as a question.
        Nor the 3e pupil's placement (:data:`SCHOOL_PLACEMENT`) for someone who said nothing of
        being at collège or of a "stage", nor gave an age under 16.
        """
        age = state.form.age
        pupil = state.pupil or (age is not None and age < PUPIL_AGE_LIMIT)
        return tuple(
            Button(followup.question.get(state.locale), self._followup_payload(answer, followup))
            for followup in answer.followups
            if followup is not chosen
            and followup.id != RELATIVE
            and (pupil or (answer.intent, followup.id) != SCHOOL_PLACEMENT)
        )

    def _also_buttons(
        self, also: tuple[tuple[str, str | None], ...], state: DialogueState
    ) -> tuple[Button, ...]:
        """The other topics a message named, first among the buttons, as the menu names them
        (at most two: an SMS numbers every button). A follow-up the words asked for is in
        the payload: "g pas le permis" taps straight to getting around without a car."""
        named = [
            (
                TOPIC_TITLES[intent],
                f"/{intent}" + (f'{{"followup":"{followup}"}}' if followup else ""),
            )
            for intent, followup in also
            if intent in TOPIC_TITLES
        ]
        return self._buttons(state, tuple(named[:2]))

    @staticmethod
    def _followup_payload(answer: Answer, followup: FollowUp) -> str:
        return f'/{answer.intent}{{"followup":"{followup.id}"}}'

    # -- languages -----------------------------------------------------------------------------

    def _language_step(
        self, state: DialogueState, effects: Effects, step: LanguageStep
    ) -> Outcome:
        """A language list, pick or confirmation; after a pick, the conversation goes on in the
        new language where it was: the form's question again, or a welcome."""
        replies = list(step.replies)
        if step.welcome:
            if state.step is Step.CONSENT:
                return self._start_consent(state, effects, replies)
            if state.step in {*FORM_ORDER, Step.ASK_PHONE}:
                outcome = self._ask(state, effects, state.step)
                outcome.replies[:0] = replies
                return outcome
            if self._languages.answers_topics(state.locale):
                state.step = Step.IDLE
                replies.append(self._reply("greet", state, menu=True))
            else:
                replies.append(self._languages.offer_person(state))
        return self._say(state, effects, *replies)

    # -- the lead form -------------------------------------------------------------------------

    def _start_consent(
        self, state: DialogueState, effects: Effects, replies: list[Reply]
    ) -> Outcome:
        state.step = Step.CONSENT
        state.form = LeadForm()
        state.retries = 0
        consent = self._content.privacy.consent.text.get(state.locale)
        buttons = self._buttons(state, (("button_yes", "/affirm"), ("button_no", "/deny")))
        return self._say(state, effects, *replies, Reply(consent, buttons))

    def _form(self, state: DialogueState, heard: Heard, effects: Effects) -> Outcome:
        handlers: dict[Step, Callable[[DialogueState, Heard, Effects], Outcome]] = {
            Step.OFFER_LEAD: self._on_offer,
            Step.CONSENT: self._on_consent,
            Step.ASK_AGE: self._on_age,
            Step.ASK_NAME: self._on_name,
            Step.ASK_CONTACT: self._on_contact,
            Step.ASK_PHONE: self._on_phone,
            Step.ASK_COMMUNE: self._on_commune,
            Step.ASK_NEED: self._on_need,
            Step.ASK_WHEN: self._on_when,
            Step.SUMMARY: self._on_summary,
            Step.CHOOSE_FIX: self._on_choose_fix,
        }
        return handlers[state.step](state, heard, effects)

    def _on_offer(self, state: DialogueState, heard: Heard, effects: Effects) -> Outcome:
        turn, intent = heard.turn, heard.intent
        if intent == "affirm" and turn.has_open_lead:
            state.step = Step.IDLE
            return self._say(state, effects, self._reply("already_in_queue", state))
        if intent == "affirm":
            return self._start_consent(state, effects, [])
        if intent == "deny":
            state.step = Step.IDLE
            effects.drop_held_media = True
            return self._say(state, effects, self._reply("lead_declined", state, menu=True))
        state.step = Step.IDLE
        places = heard.turn.places
        if (
            state.topic == WHERE[0]
            and places is not None
            and places.near
            and (heard.confidence < self._threshold or intent in {"out_of_scope", WHERE[0]})
        ):
            # "et à Damvillers ?" just after the places: the same question, another commune.
            return self._idle(state, WHERE[0], 1.0, effects, followup=WHERE[1], places=places)
        return self._idle(
            state,
            intent,
            heard.confidence,
            effects,
            followup=heard.followup,
            places=heard.turn.places,
            asked=heard.asked,
            also=heard.also,
        )

    def _on_consent(self, state: DialogueState, heard: Heard, effects: Effects) -> Outcome:
        """Yes starts the form; only a no is a refusal.

        A question ("c ouvert le samedi ?", "c'est gratuit ?") is answered, then consent is
        asked again in one short line; anything else unclear asks again, up to twice, before
        the bot lets it go as a no (keeping nothing).
        """
        intent, payload = heard.intent, heard.payload
        if intent == "affirm":
            state.form.consent_at = datetime.now(UTC).isoformat()
            if state.number_given:
                # Consent given: the number handed over before may now be kept, to offer back.
                state.form.offered_phone = heard.turn.given_phone
            if state.commune_named:
                # Likewise the home town said before (this very message first: the core reads
                # back only the messages stored before it).
                home = home_commune_in(heard.text) if heard.payload is None else None
                state.form.offered_commune = home.insee if home else heard.turn.given_commune
            state.number_given = state.commune_named = False
            return self._ask(state, effects, Step.ASK_AGE)
        said_no = intent == "deny" or (payload is not None and payload.name == "deny")
        probe = replace(state, form=replace(state.form), offered=True, step=Step.IDLE)
        practical = self._practical_asked(probe, heard.turn.places, intent, heard.confidence)
        answerable = (
            practical is not None
            or heard.asked is not None
            or (
                heard.confidence >= self._threshold
                and self._is_topic(intent)
                and not (
                    intent == GENERAL_TOPIC and heard.followup is None and "?" not in heard.text
                )
            )
        )
        state.retries += 1
        if said_no or (not answerable and state.retries > MAX_RETRIES):
            state.step = Step.IDLE
            state.form = LeadForm()
            state.number_given = state.commune_named = False
            effects.drop_held_media = True
            return self._say(state, effects, self._reply("consent_declined", state, menu=True))
        replies: list[Reply] = []
        if answerable:
            # Answered as in the open conversation, without its buttons or a second offer.
            answered = (
                self._practical(probe, effects, practical)
                if practical is not None
                else self._idle(
                    probe,
                    intent,
                    heard.confidence,
                    effects,
                    followup=heard.followup,
                    places=heard.turn.places,
                    asked=heard.asked,
                )
            )
            replies = [Reply(reply.text) for reply in answered.replies]
            state.topic, state.topic_turns = probe.topic, probe.topic_turns
            state.retries -= 1  # a question is not a failed answer
        yes_no = (("button_yes", "/affirm"), ("button_no", "/deny"))
        return self._say(
            state, effects, *replies, self._reply("consent_again", state, buttons=yes_no)
        )

    def _on_age(self, state: DialogueState, heard: Heard, effects: Effects) -> Outcome:
        turn, text, payload = heard.turn, heard.text, heard.payload
        age = parse_age(text, turn.today) if payload is None else None
        if age is None:
            return self._reask(state, effects, "reask_age", optional=False)
        if age < DIGITAL_CONSENT_AGE:
            fresh = DialogueState(
                locale=state.locale, language_set=state.language_set, greeted=True
            )
            under_15 = self._content.privacy.under_15.get(state.locale)
            return self._say(fresh, effects, Reply(under_15, self._menu(fresh)))
        state.form.age = age
        extra = [self._reply("over_29", state)] if age > MAX_USUAL_AGE else []
        return self._advance(state, effects, extra)

    def _on_name(self, state: DialogueState, heard: Heard, effects: Effects) -> Outcome:
        text, payload, intent = heard.text, heard.payload, heard.intent
        # A one-word answer to "what is your first name?" is a name, whatever the classifier
        # thinks: "Noa" reads as "no" to it. Refusals in one word are listed.
        refused = payload is None and fold(text) in NAME_REFUSALS
        lone_name = payload is None and len(text.split()) == 1 and not refused
        if refused or (not lone_name and self._is_skip(payload, text, intent)):
            state.form.first_name = None
            return self._advance(state, effects)
        name = parse_first_name(text) if payload is None else None
        if name is None:
            return self._reask(state, effects, "reask_name", optional=True)
        state.form.first_name = name
        return self._advance(state, effects)

    def _on_contact(self, state: DialogueState, heard: Heard, effects: Effects) -> Outcome:
        turn, payload, intent = heard.turn, heard.payload, heard.intent
        offered, state.form.offered_phone = state.form.offered_phone, None
        if offered is not None:
            # "C'est bien ce numéro ?": an explicit yes (the button, "oui", "ok"...) keeps the
            # number given before consent, never the classifier's guess ("euh" read as yes);
            # another number typed instead wins; no asks for one; anything else asks again.
            typed = parse_phone(heard.text) if payload is None else None
            explicit = heard.confidence >= 1.0
            if typed is None and explicit and intent == "affirm":
                state.form.phone, state.form.contact_here = offered, False
                return self._advance(state, effects)
            if typed is None and explicit and intent == "deny":
                if turn.channel == "telegram":
                    # The Telegram question again: a counsellor may answer here instead.
                    return self._say(state, effects, self._contact_prompt(state))
                return self._ask(state, effects, Step.ASK_PHONE)
            if typed is None and state.retries < MAX_RETRIES:
                state.retries += 1
                state.form.offered_phone = offered
                return self._say(state, effects, self._contact_prompt(state))
            return self._on_phone(state, heard, effects)
        if turn.channel in NUMBER_CHANNELS:
            if intent == "affirm" and turn.sender_phone:
                state.form.phone = turn.sender_phone
                state.form.contact_here = True
                return self._advance(state, effects)
            if intent in {"affirm", "deny"}:
                # "No", or "yes" from a WhatsApp user whose number Meta does not show us.
                return self._ask(state, effects, Step.ASK_PHONE)
        if payload is not None and payload.name == "contact_here" and turn.channel == "telegram":
            state.form.contact_here = True
            state.form.phone = None
            return self._advance(state, effects)
        return self._on_phone(state, heard, effects)

    def _on_phone(self, state: DialogueState, heard: Heard, effects: Effects) -> Outcome:
        text, payload = heard.text, heard.payload
        phone = parse_phone(text) if payload is None else None
        if phone is None:
            return self._reask(state, effects, "reask_phone", optional=False)
        state.form.phone = phone
        state.form.contact_here = False
        return self._advance(state, effects)

    def _note_home(self, state: DialogueState, payload: Payload | None, text: str) -> None:
        """Remember a Meuse town said as home before the form asks for it ("jhabite a stenay").

        Before consent only that one was said is kept (``commune_named``); the core reads the
        town back from the stored messages once consent is given (``Turn.given_commune``).
        After consent, during the form, the town itself waits to be offered back.
        """
        if (
            payload is not None
            or state.fixing
            or state.form.commune_insee is not None
            or state.step not in HOME_NOTED_STEPS
        ):
            return
        home = home_commune_in(text)
        if home is None:
            return
        if state.form.consent_at is None:
            state.commune_named = True
        else:
            state.form.offered_commune = home.insee

    def _on_commune(self, state: DialogueState, heard: Heard, effects: Effects) -> Outcome:
        text, payload, intent = heard.text, heard.payload, heard.intent
        offered, state.form.offered_commune = state.form.offered_commune, None
        home = commune_by_insee(offered) if offered is not None else None
        if home is not None and heard.confidence >= 1.0 and intent in {"affirm", "deny"}:
            # "Tu habites bien à Stenay ?": only a plain yes (the button, "oui", "ok"...) keeps
            # the town said before; a plain no asks the open question. Anything else is an
            # answer to the commune question ("non montmedy", "euh"), read as usual below.
            if intent == "deny":
                return self._ask(state, effects, Step.ASK_COMMUNE)
            state.form.commune_insee, state.form.commune_name = home.insee, home.name
            state.suggestions = []
            return self._advance(state, effects)
        typed = match_commune(text) if home is not None and payload is None else None
        if typed is not None and typed.commune is not None:
            # "non jsuis a montmedy mtn": another town typed at the offer is that town, not
            # the skip a "non" at the open question is.
            state.form.commune_insee, state.form.commune_name = (
                typed.commune.insee,
                typed.commune.name,
            )
            state.suggestions = []
            return self._advance(state, effects)
        if payload is not None and payload.name == "select":
            commune = commune_by_insee(payload.entities.get("value", ""))
            if commune is not None:
                state.form.commune_insee, state.form.commune_name = commune.insee, commune.name
                state.suggestions = []
                return self._advance(state, effects)
        if self._is_skip(payload, text, intent):
            state.suggestions = []
            return self._advance(state, effects, [self._reply("field_skipped", state)])
        match = match_commune(text) if payload is None else None
        if match is not None and match.commune is not None:
            state.form.commune_insee = match.commune.insee
            state.form.commune_name = match.commune.name
            state.suggestions = []
            return self._advance(state, effects)
        if match is not None and match.suggestions:
            return self._which_commune(state, effects, text, match.suggestions)
        return self._reask(state, effects, "reask_commune", optional=True)

    def _which_commune(
        self,
        state: DialogueState,
        effects: Effects,
        text: str,
        suggestions: tuple[Commune, ...],
    ) -> Outcome:
        """Ask which commune, one button each: "Tu veux dire…", or for a postal code that
        several communes share ("55100"), which of them (the largest first)."""
        code = POSTAL_CODE_IN.search(text)
        shared = code is not None and all(code[0] in c.postal_codes for c in suggestions)
        offered = suggestions[: MAX_SHARED_CHOICES if shared else MAX_COMMUNE_CHOICES]
        state.suggestions = [commune.insee for commune in offered]
        buttons = [
            Button(
                f"{commune.name} ({commune.department})", f'/select{{"value":"{commune.insee}"}}'
            )
            for commune in offered
        ]
        buttons.append(Button(self._text("button_none", state), "/skip"))
        state.offer(buttons)
        question = (
            self._text("which_commune", state, code=code[0])
            if shared and code is not None
            else self._text("did_you_mean", state)
        )
        return Outcome([Reply(question, tuple(buttons))], state, effects)

    def _on_need(self, state: DialogueState, heard: Heard, effects: Effects) -> Outcome:
        text, payload, intent = heard.text, heard.payload, heard.intent
        if self._is_skip(payload, text, intent) or payload is not None:
            state.form.need = None
        else:
            state.form.need = " ".join(text.split())[:MAX_NEED_LENGTH]
        return self._advance(state, effects)

    def _on_when(self, state: DialogueState, heard: Heard, effects: Effects) -> Outcome:
        text, payload, intent = heard.text, heard.payload, heard.intent
        if payload is not None and payload.name == "select":
            choice = payload.entities.get("value", "")
            state.form.availability = self._text(choice, state) if choice in WHEN_CHOICES else None
        elif self._is_skip(payload, text, intent) or payload is not None:
            state.form.availability = None
        else:
            state.form.availability = " ".join(text.split())[:MAX_WHEN_LENGTH]
        return self._advance(state, effects)

    def _on_summary(self, state: DialogueState, heard: Heard, effects: Effects) -> Outcome:
        """Send on the button or its words typed by hand; correct only when asked to.

        "envoyer", "valider", "c'est bon", "send" or "ok" send the request; "corriger", "non"
        or the button open the corrections; anything else ("euh attends") asks again, so a
        lead is never lost in the corrections menu by a word the bot did not expect.
        """
        intent, payload = heard.intent, heard.payload
        words = words_of(heard.text)
        if payload is not None:
            send = payload.name == "affirm"
            fix = not send
        else:
            fix = fold(heard.text) in DENY_WORDS or any(has_phrase(words, w) for w in FIX_WORDS)
            typed = any(has_phrase(words, word) for word in SEND_WORDS) or has_phrase(
                words, self._text("button_send", state)
            )
            held = any(has_phrase(words, word) for word in NOT_YET)
            send = not fix and not held and (typed or intent == "affirm")
        if send:
            form = state.form
            effects.lead = LeadDraft(
                consent_at=form.consent_at,
                urgent=state.urgent_topic,
                topic=state.topic,
                age=form.age,
                first_name=form.first_name,
                phone=form.phone,
                contact_here=form.contact_here,
                commune_insee=form.commune_insee,
                commune_name=form.commune_name,
                need=form.need,
                availability=form.availability,
            )
            effects.consent_text_version = self._content.privacy.consent.text_version
            fresh = DialogueState(
                locale=state.locale, language_set=state.language_set, greeted=True
            )
            return self._say(fresh, effects, self._sent(fresh, form))
        if not fix:
            again = (("button_send", "/affirm"), ("button_fix", "/deny"))
            return self._say(state, effects, self._reply("summary_again", state, buttons=again))
        state.step = Step.CHOOSE_FIX
        buttons = tuple((f"fix_{name}", f'/fix{{"field":"{name}"}}') for name in FIXABLE)
        return self._say(state, effects, self._reply("choose_fix", state, buttons=buttons))

    def _on_choose_fix(self, state: DialogueState, heard: Heard, effects: Effects) -> Outcome:
        text, payload = heard.text, heard.payload
        target = FIXABLE.get(payload.entities.get("field", "")) if payload else None
        if target is None:
            for name, step in FIXABLE.items():
                if fold(text) in {fold(self._text(f"fix_{name}", state)), name}:
                    target = step
        if target is None:
            state.step = Step.CHOOSE_FIX
            buttons = tuple((f"fix_{name}", f'/fix{{"field":"{name}"}}') for name in FIXABLE)
            return self._say(state, effects, self._reply("choose_fix", state, buttons=buttons))
        state.fixing = True
        return self._ask(state, effects, target)

    # -- form plumbing -------------------------------------------------------------------------

    def _advance(
        self, state: DialogueState, effects: Effects, extra: list[Reply] | None = None
    ) -> Outcome:
        if state.fixing or state.step is Step.ASK_PHONE:
            following = Step.SUMMARY if state.fixing else Step.ASK_COMMUNE
        else:
            following = FORM_ORDER[FORM_ORDER.index(state.step) + 1]
        outcome = self._ask(state, effects, following)
        outcome.replies[:0] = extra or []
        return outcome

    def _ask(self, state: DialogueState, effects: Effects, step: Step) -> Outcome:
        state.step = step
        state.retries = 0
        if step is Step.SUMMARY:
            state.fixing = False
            return self._summary(state, effects)
        prompt = self._prompt(state, step, effects)
        yes_or_no = step is Step.ASK_CONTACT and (
            state.channel in NUMBER_CHANNELS or state.form.offered_phone is not None
        )
        yes_or_no = yes_or_no or (
            step is Step.ASK_COMMUNE and state.form.offered_commune is not None
        )
        asked = "" if yes_or_no else FIELD_OF_STEP.get(step, "")
        return self._say(state, effects, replace(prompt, field=asked))

    def _prompt(self, state: DialogueState, step: Step, effects: Effects) -> Reply:
        skip = (("button_skip", "/skip"),)
        if step is Step.ASK_AGE:
            return self._reply("ask_age", state)
        if step is Step.ASK_NAME:
            return self._reply("ask_name", state, buttons=skip)
        if step is Step.ASK_CONTACT:
            return self._contact_prompt(state)
        if step is Step.ASK_PHONE:
            return self._reply("ask_phone", state)
        if step is Step.ASK_COMMUNE:
            home = state.form.offered_commune
            commune = commune_by_insee(home) if home is not None else None
            if commune is None:
                state.form.offered_commune = None
                return self._reply("ask_commune", state, buttons=skip)
            return self._reply(
                "confirm_commune",
                state,
                buttons=(("button_commune_same", "/affirm"), ("button_commune_other", "/deny")),
                commune=commune.name,
            )
        if step is Step.ASK_NEED:
            return self._reply("ask_need", state, buttons=skip)
        buttons = tuple((key, f'/select{{"value":"{key}"}}') for key in WHEN_CHOICES)
        return self._reply("ask_when", state, buttons=buttons)

    def _contact_prompt(self, state: DialogueState) -> Reply:
        channel = state.channel
        if state.form.offered_phone is not None:
            return self._reply(
                "confirm_phone",
                state,
                buttons=(("button_sms_same", "/affirm"), ("button_sms_other", "/deny")),
                phone=national_format(state.form.offered_phone),
            )
        if channel in NUMBER_CHANNELS:
            return self._reply(
                "ask_contact_sms",
                state,
                buttons=(("button_sms_same", "/affirm"), ("button_sms_other", "/deny")),
            )
        if channel == "telegram":
            return self._reply(
                "ask_contact_telegram",
                state,
                buttons=(("button_contact_here", "/contact_here"),),
            )
        return self._reply("ask_phone", state)

    def _summary(self, state: DialogueState, effects: Effects) -> Outcome:
        form = state.form
        phone = national_format(form.phone) if form.phone else None
        contact = phone or (self._text("contact_here", state) if form.contact_here else None)
        values = {
            "summary_first_name": form.first_name,
            "summary_contact": contact,
            "summary_age": str(form.age) if form.age is not None else None,
            "summary_commune": form.commune_name,
            "summary_need": form.need,
            "summary_when": form.availability,
        }
        lines = [self._text(key, state, value=value) for key, value in values.items() if value]
        body = "\n".join(lines) or self._text("summary_empty", state)
        buttons = (("button_send", "/affirm"), ("button_fix", "/deny"))
        return self._say(
            state, effects, self._reply("summary", state, buttons=buttons, lines=body)
        )

    def _sent(self, state: DialogueState, form: LeadForm) -> Reply:
        """ "C'est envoyé", saying how and when the team will get in touch, as the young person
        chose: a call to the number they gave, their own number (SMS, WhatsApp), or here on
        Telegram; then the moment they said suits them.

        A language without these texts of its own keeps its one general sentence rather than
        mixing in French.
        """
        values: dict[str, object] = {}
        if form.contact_here and form.phone is None:
            key = "lead_done_here"
        elif form.contact_here:
            key = "lead_done_number"
        elif form.phone:
            key, values = "lead_done_phone", {"phone": national_format(form.phone)}
        else:
            key = "lead_done"
        own = self._content.messages
        if key == "lead_done" or not all(
            own[name].has(state.locale) for name in (key, "lead_done_when", "lead_done_after")
        ):
            return self._reply("lead_done", state)
        parts = [self._text(key, state, **values)]
        when = form.availability
        if when and when != self._text("when_any", state):
            parts.append(self._text("lead_done_when", state, when=when))
        parts.append(self._text("lead_done_after", state))
        # Paragraphs: one message on SMS and Telegram, short bubbles in the web chat.
        return Reply("\n\n".join(parts))

    def _reask(
        self, state: DialogueState, effects: Effects, key: str, *, optional: bool
    ) -> Outcome:
        state.retries += 1
        if state.retries <= MAX_RETRIES:
            buttons = (("button_skip", "/skip"),) if optional else ()
            again = self._reply(key, state, buttons=buttons)
            asked = FIELD_OF_STEP.get(state.step, "")
            return self._say(state, effects, replace(again, field=asked, invalid=True))
        if optional:
            return self._advance(state, effects, [self._reply("field_skipped", state)])
        fresh = DialogueState(locale=state.locale, language_set=state.language_set, greeted=True)
        return self._say(fresh, effects, self._reply("form_abandoned", fresh, menu=True))

    @staticmethod
    def _is_skip(payload: Payload | None, text: str, intent: str) -> bool:
        if payload is not None:
            return payload.name in {"skip", "deny"}
        return fold(text) in SKIP_WORDS or intent == "deny"

    # -- rendering -----------------------------------------------------------------------------

    def _text(self, key: str, state: DialogueState, **values: object) -> str:
        return self._content.message(key, state.locale, **values)

    def _buttons(
        self, state: DialogueState, spec: tuple[tuple[str, str], ...]
    ) -> tuple[Button, ...]:
        return tuple(Button(self._text(key, state), payload) for key, payload in spec)

    def _menu(self, state: DialogueState) -> tuple[Button, ...]:
        if not self._languages.answers_topics(state.locale):
            return ()  # topics answered in French only: the person is offered a person instead
        return tuple(Button(self._text(key, state), f"/{intent}") for key, intent in TOPIC_MENU)

    def _reply(
        self,
        key: str,
        state: DialogueState,
        *,
        buttons: tuple[tuple[str, str], ...] = (),
        menu: bool = False,
        **values: object,
    ) -> Reply:
        rendered = self._menu(state) if menu else self._buttons(state, buttons)
        return Reply(self._text(key, state, **values), rendered)

    @staticmethod
    def _say(state: DialogueState, effects: Effects, *replies: Reply) -> Outcome:
        """Remember the last buttons offered, so a typed digit can pick one."""
        last = replies[-1] if replies else None
        state.offer(last.choices if last else ())
        return Outcome(list(replies), state, effects)
