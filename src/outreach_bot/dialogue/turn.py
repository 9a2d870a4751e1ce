"""One inbound message as the engine sees it, and what the engine asks the core to do."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from outreach_bot.dialogue.crisis import NO_CLUES, CrisisClues
from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.domain.json_text import parse_json
from outreach_bot.domain.places import PlacesAnswer

PAYLOAD_RE: Final = re.compile(r"^/(?P<name>[a-z_]{2,40})(?P<entities>\{.*\})?$", re.DOTALL)

#: Words that work in every state and on every channel, whatever the classifier thinks. They
#: count only when the message is the word alone or nearly alone (see :func:`command_of`).
STOP_WORDS: Final = frozenset(
    {
        "stop",
        "stop sms",
        "stop message",
        "stop messages",
        "arret",
        "arret sms",
        "desabonner",
        "desabonnement",
        "unsubscribe",
        "/stop",
    }
)
ERASE_WORDS: Final = frozenset({"supprimer", "/supprimer", "efface tout", "delete"})
#: What may surround a command word without making it a sentence: "STOP merci", "stop svp".
POLITE_WORDS: Final = (
    "s il te plait",
    "s il vous plait",
    "svp",
    "stp",
    "merci",
    "please",
    "pls",
    "plz",
)
#: The intent a command word stands for. A button payload of the same name is as explicit.
COMMAND_INTENTS: Final = ("opt_out", "forget_me")
HELP_WORDS: Final = frozenset({"aide", "/aide", "help", "/help", "menu", "/menu", "?"})
START_WORDS: Final = frozenset({"start", "/start", "unstop"})


@dataclass(frozen=True, slots=True)
class Payload:
    """A button payload in Rasa's form: ``/intent`` or ``/intent{"key": "value"}``."""

    name: str
    entities: dict[str, str] = field(default_factory=dict)


def parse_payload(text: str) -> Payload | None:
    """Read a button payload; anything that is not exactly one is ordinary text."""
    match = PAYLOAD_RE.match(text.strip())
    if not match:
        return None
    entities: dict[str, str] = {}
    if match["entities"]:
        try:
            raw = parse_json(match["entities"])
        except InvalidInputError:
            return None
        if not isinstance(raw, dict):
            return None
        entities = {str(key): str(value) for key, value in raw.items()}
    return Payload(match["name"], entities)


def fold(text: str) -> str:
    """Lowercase, strip accents and surrounding punctuation: how keywords are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.strip(" .!?,;:'\"").split())


_NOT_WORD: Final = re.compile(r"[^\w/]+")
_POLITE: Final = re.compile(r"\b(?:" + "|".join(POLITE_WORDS) + r")\b")


def command_of(text: str) -> str | None:
    """The global command a message is, if it is the command word alone or nearly alone.

    This is the only rule by which a message stops our messages or erases someone: "STOP",
    "Stop.", "arrêt", "STOP!!", "stop 🙏", "stop merci" are commands; "stop je comprends rien",
    "je fais du stop" or "j'ai pas reçu de message" are sentences, whatever a classifier makes
    of them (it may only make the bot ask). Punctuation, emojis, polite words and a repeated
    word are ignored; any other word makes it a sentence.

    Returns:
        ``"opt_out"`` or ``"forget_me"``, else None.
    """
    bare = _POLITE.sub(" ", _NOT_WORD.sub(" ", fold(text).replace("_", " ")))
    words: list[str] = []
    for word in bare.split():
        if not words or words[-1] != word:
            words.append(word)
    phrase = " ".join(words)
    if phrase in STOP_WORDS:
        return "opt_out"
    if phrase in ERASE_WORDS:
        return "forget_me"
    return None


#: "supprime pas", "n'efface rien", "faut pas effacer": the erase word, negated next to it.
_ERASE_VERB: Final = r"(?:supprim|effac)\w*"
_PRONOUN: Final = r"(?:(?:me|m|le|la|les|l|mes|tout) )?"
_REFUSED_ERASURE: Final = re.compile(
    rf"\b(?:ne|n) {_PRONOUN}{_ERASE_VERB}"
    rf"|\b{_ERASE_VERB} {_PRONOUN}(?:pas|jamais|rien)\b"
    rf"|\b(?:pas|jamais) {_PRONOUN}(?:supprimer|effacer)\b"
)


def refuses_erasure(text: str) -> bool:
    """Whether the message asks *not* to erase ("supprime pas mes messages, j'en ai besoin").

    The classifier reads the erase word and guesses ``forget_me``; asking "tu veux que j'efface
    tout ?" to someone who just said the opposite is alarming. Only a negation right next to
    the verb counts, so "je veux pas de ça, supprime tout" still asks; so does a question or a
    complaint ("pourquoi tu supprimes pas mes données ?"), which may want the erasure.
    """
    if "?" in text:
        return False
    words = f" {_NOT_WORD.sub(' ', fold(text))} "
    if any(f" {word} " in words for word in ("tu", "vous", "pourquoi", "t")):
        return False
    return _REFUSED_ERASURE.search(words) is not None


@dataclass(frozen=True, slots=True)
class Turn:
    """An inbound message with what the NLU made of it.

    ``sender_phone`` is the number an SMS came from (E.164), so the form can offer to use it.
    ``places`` is where the team can be met, looked up by the core when the message asks
    about the Mission Locale (the engine itself does no I/O). ``crisis`` is what the safety
    net read in the message, and ``ranking`` the classifier's best guesses, best first.
    ``appointment_planned`` says the young person has an appointment coming (so "je peux pas
    venir" is about it).
    """

    text: str
    intent: str
    confidence: float
    channel: str
    today: date
    crisis: CrisisClues = NO_CLUES
    ranking: tuple[tuple[str, float], ...] = ()
    #: The guesses the crisis decision reads instead of ``ranking``, when the core classified
    #: the message without the Meuse commune it names (a village's name says nothing of danger).
    crisis_ranking: tuple[tuple[str, float], ...] | None = None
    sender_phone: str | None = None
    #: The number this conversation handed over unasked before consent (E.164), read back by
    #: the core from that message while the consent question waits (``number_given``).
    given_phone: str | None = None
    #: The INSEE code of the Meuse town this conversation said as home before consent, read
    #: back by the core from that message while the consent question waits (``commune_named``).
    given_commune: str | None = None
    human_active: bool = False
    #: A counsellor held the conversation and the takeover ran out (no hand-back, so nobody
    #: told the young person): the bot's first answer says it is the bot again.
    takeover_ended: bool = False
    opted_out: bool = False
    has_open_lead: bool = False
    places: PlacesAnswer | None = None
    referral_organisation: str | None = None
    """A counsellor asked whether this partner may be told about them; no answer yet."""
    appointment_planned: bool = False
    #: This conversation began with a contact list's first message, not yet answered: "c'est
    #: pas moi" then means a wrong number (core/contact_lists).
    first_contact: bool = False
    #: The language the person read the page they wrote from in (the QR landing page, chosen
    #: there or by their browser's language), a BCP 47 code; None on the other channels.
    page_language: str | None = None


@dataclass(frozen=True, slots=True)
class LeadDraft:
    """A lead the core must create, with the consent it rests on (None for a crisis)."""

    consent_at: str | None
    urgent: bool
    topic: str | None
    age: int | None = None
    first_name: str | None = None
    phone: str | None = None
    contact_here: bool = False
    commune_insee: str | None = None
    commune_name: str | None = None
    need: str | None = None
    availability: str | None = None
    #: What happened, for an urgent lead: the crisis kind (``suicide``, ``violence``…), shown
    #: to the team in their words ("Idées suicidaires") on the alert and the card.
    urgency: str | None = None


@dataclass
class Effects:
    """Side effects the engine decided and the core applies, in the same transaction."""

    lead: LeadDraft | None = None
    consent_text_version: str | None = None
    urgent: bool = False
    erase: bool = False
    opt_out: bool = False
    opt_in: bool = False
    not_understood: bool = False
    referral_agreed: bool | None = None
    """The explicit answer to the pending referral question (see dialogue.referral)."""
    #: Staying in touch (dialogue/keep_in_touch.py): the next appointment is off, another
    #: one is wanted, and when they would rather come.
    cannot_come: bool = False
    new_slot: bool = False
    time_wish: str | None = None
    #: (INSEE code, name) of the commune whose nearby visits the young person asked to hear of.
    visit_alert: tuple[str, str] | None = None
    #: The answer to a contact list's first message said the number is not the person's.
    wrong_number: bool = False
    #: The young person declined to be called back or refused consent: the files they sent
    #: before consenting (held, see core/media) are deleted.
    drop_held_media: bool = False
    #: A crisis guessed while a counsellor holds the conversation: the crisis text the bot
    #: keeps back, sent only if nobody on the team answers in time (core/leads/takeover.py).
    held_crisis: str | None = None
