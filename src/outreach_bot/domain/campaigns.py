"""Campaign codes and dates: short, readable, safe in a URL, an SMS and a Telegram deep link."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum
from typing import Final

from outreach_bot.domain.dates import check_year
from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.domain.places import french_day

CODE_RE: Final = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,30}[A-Z0-9]$")
"""3 to 32 characters, letters, digits and inner hyphens: Telegram's ``start`` parameter accepts
``[A-Za-z0-9_-]`` up to 64, an SMS keyword must survive any phone keyboard, and a URL needs no
escaping. Stored upper-case so that codes compare case-insensitively."""

MIN_CODE: Final = 3
MAX_CODE: Final = 32
MAX_SUGGESTED: Final = 12
"""A code made from a name is at most this long: young people type it by hand, from a poster
into an SMS, and every extra letter is a chance to mistype it."""

FILLER_WORDS: Final = frozenset(
    {"A", "AU", "AUX", "D", "DE", "DES", "DU", "ET", "L", "LA", "LE", "LES"}
)
"""Little French words left out of a suggested code: they cost letters and say nothing."""

RESERVED_CODES: Final = frozenset(
    {
        # Words the bot or the SMS operators already react to: a campaign may never steal them.
        "STOP",
        "STOPP",
        "ARRET",
        "ARRETER",
        "DESABONNER",
        "DESABONNEMENT",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "START",
        "UNSTOP",
        "YES",
        "HELP",
        "INFO",
        "AIDE",
        "SUPPRIMER",
        "SUPPRIME",
        "DELETE",
        "OUI",
        "NON",
        "MENU",
        # The landing page's chat without a campaign lives at /q/chat/chat.
        "CHAT",
        # First words of ordinary messages: a code equal to one would grab strangers.
        "SALUT",
        "BONJOUR",
        "BONSOIR",
        "COUCOU",
        "HELLO",
        "MERCI",
        "SVP",
        "CEST",
        "QUOI",
        "COMMENT",
        "POURQUOI",
        "EMPLOI",
        "TRAVAIL",
        "FORMATION",
        "LOGEMENT",
    }
)
"""A campaign code is also the first word of an SMS: these would attribute or stop people by
accident, so they are refused."""

KEYWORD_PUNCTUATION: Final = ".,;:!?\"'«»()[]*"
"""What phones and people put around a keyword typed from a poster ("Forum-Verdun !")."""

PLACE_MAX: Final = 200
NAME_MAX: Final = 200

_FRENCH_DATE_RE: Final = re.compile(r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})$")


class CodeProblem(StrEnum):
    """Why a proposed code was refused, so each edge can explain it in its own words."""

    EMPTY = "empty"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    CHARACTERS = "characters"
    RESERVED = "reserved"


CODE_PROBLEMS: Final[dict[CodeProblem, str]] = {
    CodeProblem.EMPTY: "a campaign needs a code",
    CodeProblem.TOO_SHORT: f"a code has at least {MIN_CODE} characters",
    CodeProblem.TOO_LONG: f"a code has at most {MAX_CODE} characters",
    CodeProblem.CHARACTERS: (
        "a code has only letters A-Z, digits and inner hyphens: no spaces, accents or emoji"
    ),
    CodeProblem.RESERVED: "this word is reserved (STOP, AIDE, SALUT…); choose another code",
}


class CampaignCodeError(InvalidInputError):
    """A proposed campaign code breaks a rule; ``problem`` says which one."""

    def __init__(self, problem: CodeProblem) -> None:
        super().__init__(CODE_PROBLEMS[problem])
        self.problem = problem


def code_problem(raw: str) -> CodeProblem | None:
    """The first rule a proposed code breaks, or None when it is a good code."""
    candidate = raw.strip().upper()
    if not candidate:
        return CodeProblem.EMPTY
    if len(candidate) > MAX_CODE:
        return CodeProblem.TOO_LONG
    if len(candidate) < MIN_CODE:
        return CodeProblem.TOO_SHORT
    if not CODE_RE.match(candidate):
        return CodeProblem.CHARACTERS
    if candidate in RESERVED_CODES:
        return CodeProblem.RESERVED
    return None


def validate_code(raw: str) -> str:
    """The canonical (upper-case) form of a new campaign code.

    Strict on purpose: what staff type is printed on posters, so nothing is silently changed
    except case and surrounding spaces.

    Raises:
        CampaignCodeError: the code breaks a rule.
    """
    problem = code_problem(raw)
    if problem is not None:
        raise CampaignCodeError(problem)
    return raw.strip().upper()


def normalise_code(raw: str) -> str | None:
    """The canonical form of a code someone typed or scanned, or None if it cannot be one.

    Lenient on purpose, because it finds existing campaigns: case is ignored and punctuation
    around an SMS keyword ("forum-verdun !") is dropped.
    """
    candidate = raw.strip().strip(KEYWORD_PUNCTUATION).strip().upper()
    return candidate if CODE_RE.match(candidate) else None


def suggest_code(name: str) -> str:
    """A short code derived from a campaign name: accents folded, little words left out, whole
    words joined by hyphens while the code stays within :data:`MAX_SUGGESTED` characters.

    ``Forum emploi Verdun`` gives ``FORUM-EMPLOI``; a first word longer than the limit is cut
    (``Intercommunalité`` gives ``INTERCOMMUNA``). Returns an empty string when the name gives
    nothing usable; the result still has to pass :func:`validate_code` (it may be reserved or
    too short), and staff may always type a code of their own instead.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    words: list[str] = re.findall(r"[A-Za-z0-9]+", folded.upper())
    meaningful = [word for word in words if word not in FILLER_WORDS] or words
    if not meaningful:
        return ""
    code = meaningful[0][:MAX_SUGGESTED]
    for word in meaningful[1:]:
        candidate = f"{code}-{word}"
        if len(candidate) > MAX_SUGGESTED:
            break
        code = candidate
    return code


def parse_held_on(raw: str) -> date | None:
    """A campaign date typed as ``2026-05-12`` or ``12/05/2026``; empty means no date.

    Raises:
        InvalidInputError: any other shape, an impossible day, or a year outside 2000-2100.
    """
    text = raw.strip()
    if not text:
        return None
    try:
        french = _FRENCH_DATE_RE.match(text)
        if french:
            day, month, year = (int(part) for part in french.groups())
            value = date(year, month, day)
        else:
            value = date.fromisoformat(text)
    except ValueError as error:
        raise InvalidInputError(
            f"not a date: {text[:40]!r}; write it like 2026-05-12 or 12/05/2026"
        ) from error
    return check_year(value)


def describe_event(name: str, held_on: date | None, place: str) -> str:
    """``Forum emploi Verdun · mardi 12 mai 2026 · Salle des fêtes, Verdun``: the event a
    landing page and a poster name, so that a young person knows the QR code is this one's.
    Empty for a campaign without a date (a poster is not an event)."""
    if held_on is None:
        return ""
    return " · ".join(part for part in (name, french_day(held_on), place) if part)
