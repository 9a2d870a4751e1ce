"""The slots these actions read and write, and the few ways they read them.

``actions/domain_example.yml`` declares every one of them, with the mappings the lead form needs.
"""

from __future__ import annotations

from typing import Any, Final

from rasa_sdk.interfaces import Tracker

CONSENT: Final = "consent"
CONSENT_TEXT_VERSION: Final = "consent_text_version"
AGE: Final = "age"
TOO_YOUNG: Final = "too_young"
FIRST_NAME: Final = "first_name"
PHONE: Final = "phone"
COMMUNE: Final = "commune"
COMMUNE_INSEE: Final = "commune_insee"
NEED: Final = "need"
TOPIC: Final = "topic"
OFFER_LEAD: Final = "offer_lead"
LOCALE: Final = "locale"

LEAD_SLOTS: Final = (
    CONSENT,
    CONSENT_TEXT_VERSION,
    AGE,
    TOO_YOUNG,
    FIRST_NAME,
    PHONE,
    COMMUNE,
    COMMUNE_INSEE,
    NEED,
)
"""Everything the lead form collects: emptied once the lead is sent or refused."""

SKIPPED: Final = "-"
"""Value of an optional slot the young person chose not to answer (Rasa forms need a value)."""

SKIP_WORDS: Final = frozenset(
    {"passer", "skip", "/skip", "je sais pas", "jsp", "aucun", "aucune", "non", "nan", "no"}
)
SKIP_INTENTS: Final = frozenset({"skip"})
"""Only a skip button counts on its own: a free answer the NLU reads as "deny" may be a name."""

LEAD_FORM: Final = "lead_form"
CRISIS_INTENT: Final = "crisis"

LOCALES: Final = ("fr", "en")
UNAVAILABLE: Final = "utter_outreach_unavailable"
"""The team's response for "I cannot pass this on right now" (API down, misconfigured)."""


def locale_of(tracker: Tracker) -> str:
    """The ``locale`` slot when it names a language we have texts in, French otherwise."""
    value = tracker.get_slot(LOCALE)
    return value if value in LOCALES else "fr"


def latest_intent(tracker: Tracker) -> str | None:
    """The intent of the young person's latest message, if the NLU gave one."""
    intent = (tracker.latest_message or {}).get("intent") or {}
    name = intent.get("name")
    return name if isinstance(name, str) and name else None


def is_skip(value: Any, tracker: Tracker) -> bool:
    """Whether the young person declined an optional question ("passer", "non", a skip button)."""
    if latest_intent(tracker) in SKIP_INTENTS:
        return True
    return " ".join(str(value).casefold().split()).strip(" .!") in SKIP_WORDS


def optional(value: Any) -> str | None:
    """A slot's text for the API: None when empty or skipped."""
    if value is None or value == SKIPPED:
        return None
    text = " ".join(str(value).split())
    return text or None
