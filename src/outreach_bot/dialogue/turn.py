"""One inbound message as the engine sees it, and what the engine asks the core to do."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.domain.json_text import parse_json

PAYLOAD_RE: Final = re.compile(r"^/(?P<name>[a-z_]{2,40})(?P<entities>\{.*\})?$", re.DOTALL)

#: Words that work in every state and on every channel, whatever the classifier thinks.
STOP_WORDS: Final = frozenset(
    {"stop", "stop sms", "arret", "arret sms", "desabonner", "unsubscribe", "/stop"}
)
ERASE_WORDS: Final = frozenset({"supprimer", "/supprimer", "efface tout", "delete"})
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


@dataclass(frozen=True, slots=True)
class Turn:
    """An inbound message with what the NLU made of it.

    ``sender_phone`` is the number an SMS came from (E.164), so the form can offer to use it.
    """

    text: str
    intent: str
    confidence: float
    channel: str
    today: date
    crisis_kind: str | None = None
    sender_phone: str | None = None
    human_active: bool = False
    opted_out: bool = False
    has_open_lead: bool = False


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
