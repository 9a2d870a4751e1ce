"""Contact lists for writing first: what a list is for, its columns, and how one row is checked.

A Mission Locale receives lists of young people to reach (the SIEI/RIO lists of 16-18 year
olds who left school, for the obligation de formation; the people it met once and lost). A row
is kept only when every field reads with the same parsers the dialogue uses (the phone, the
birth date, the commune), so a number the bot would refuse in a conversation is not texted
either. Pure: the caller reads the file, hashes the numbers and stores the rows.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from outreach_bot.domain.fields.age import parse_age
from outreach_bot.domain.fields.commune import Commune, commune_by_insee, match_commune
from outreach_bot.domain.fields.name import parse_first_name
from outreach_bot.domain.fields.phone import is_mobile, parse_phone


class ListPurpose(StrEnum):
    """Why the team writes to the people of a list; the legal basis follows from it."""

    TRAINING_OBLIGATION = "obligation_formation"
    """Loi n° 2019-791 du 26 juillet 2019, art. 15; décret n° 2020-978 du 5 août 2020."""
    RECONTACT = "recontact"
    """People the team met and lost, who had agreed to be contacted again."""


class LegalBasis(StrEnum):
    """The GDPR basis of a list (art. 6.1): a public-service mission, or earlier consent."""

    PUBLIC_MISSION = "mission_publique"
    CONSENT = "consentement"


LEGAL_BASIS: Final[Mapping[ListPurpose, LegalBasis]] = {
    ListPurpose.TRAINING_OBLIGATION: LegalBasis.PUBLIC_MISSION,
    ListPurpose.RECONTACT: LegalBasis.CONSENT,
}
"""A purpose has one basis: the team picks the purpose, never the basis on its own."""

PURPOSE_LABELS: Final[Mapping[ListPurpose, str]] = {
    ListPurpose.TRAINING_OBLIGATION: "Obligation de formation (16-18 ans)",
    ListPurpose.RECONTACT: "Reprise de contact (jeunes déjà rencontrés)",
}
BASIS_LABELS: Final[Mapping[LegalBasis, str]] = {
    LegalBasis.PUBLIC_MISSION: "Mission de service public (obligation de formation)",
    LegalBasis.CONSENT: "Consentement donné plus tôt par le jeune",
}


class RowStatus(StrEnum):
    """Where one person of a list stands."""

    WAITING = "waiting"
    """Imported; no message planned yet (the campaign has not started, or is paused)."""
    SCHEDULED = "scheduled"
    SENT = "sent"
    ANSWERED = "answered"
    WRONG_NUMBER = "wrong_number"
    STOPPED = "stopped"
    """Said STOP (here or on any list or channel): nothing more is ever sent."""
    SKIPPED = "skipped"
    """Not sent at the last moment (unreachable, blocked); the reason is on the scheduled row."""


class ListStatus(StrEnum):
    """Where a list's campaign stands."""

    DRAFT = "draft"
    """Imported, not started: the team can still preview and test the message."""
    RUNNING = "running"
    PAUSED = "paused"
    PURGED = "purged"
    """Its date came (or the team erased it): only its anonymous counts remain."""


LIST_STATUS_LABELS: Final[Mapping[str, str]] = {
    ListStatus.DRAFT: "Pas encore lancée",
    ListStatus.RUNNING: "En cours",
    ListStatus.PAUSED: "En pause",
    ListStatus.PURGED: "Effacée",
}


FIRST_CONTACT_KIND: Final = "first_contact"
"""The kind of the scheduled messages a list's campaign sends (its guard, its figures)."""

#: Rows that may still receive the first message.
SENDABLE: Final = frozenset({RowStatus.WAITING, RowStatus.SCHEDULED})

MIN_AGE: Final = 16
MAX_AGE: Final = 25
"""The Missions Locales' public: 16 to 25 years old (Code du travail, art. L5314-2)."""
ADULT_AGE: Final = 18

MAX_ROWS: Final = 20_000
"""A département's SIEI list holds a few thousand names; more is a wrong file."""
MAX_FIRST_NAME: Final = 60


class Column(StrEnum):
    """The columns an import understands, whatever the export calls them."""

    FIRST_NAME = "first_name"
    PHONE = "phone"
    BIRTH_DATE = "birth_date"
    COMMUNE = "commune"
    INSEE = "insee"
    REPRESENTATIVE_PHONE = "representative_phone"


HEADERS: Final[Mapping[str, Column]] = {
    # First name
    "prenom": Column.FIRST_NAME,
    "prenom_du_jeune": Column.FIRST_NAME,
    "prenom_jeune": Column.FIRST_NAME,
    # The young person's phone
    "telephone": Column.PHONE,
    "tel": Column.PHONE,
    "portable": Column.PHONE,
    "telephone_portable": Column.PHONE,
    "tel_portable": Column.PHONE,
    "telephone_du_jeune": Column.PHONE,
    "telephone_jeune": Column.PHONE,
    "tel_jeune": Column.PHONE,
    "mobile": Column.PHONE,
    # Birth date
    "date_de_naissance": Column.BIRTH_DATE,
    "date_naissance": Column.BIRTH_DATE,
    "naissance": Column.BIRTH_DATE,
    "ne_e_le": Column.BIRTH_DATE,
    "ne_le": Column.BIRTH_DATE,
    # Commune: a name (with or without a postal code), or an INSEE code
    "commune": Column.COMMUNE,
    "commune_de_residence": Column.COMMUNE,
    "ville": Column.COMMUNE,
    "localite": Column.COMMUNE,
    "code_insee": Column.INSEE,
    "code_commune": Column.INSEE,
    "insee": Column.INSEE,
    # The legal representative's phone (optional)
    "telephone_representant_legal": Column.REPRESENTATIVE_PHONE,
    "telephone_du_representant_legal": Column.REPRESENTATIVE_PHONE,
    "tel_representant_legal": Column.REPRESENTATIVE_PHONE,
    "telephone_representant": Column.REPRESENTATIVE_PHONE,
    "tel_representant": Column.REPRESENTATIVE_PHONE,
    "telephone_responsable_legal": Column.REPRESENTATIVE_PHONE,
    "tel_responsable_legal": Column.REPRESENTATIVE_PHONE,
    "telephone_parent": Column.REPRESENTATIVE_PHONE,
}
"""Header → column, after :func:`header_key` (lower case, no accents, ``_`` between words).

The SIEI/RIO and I-Milo exports name their columns in French, and every team renames a few;
``docs/guides/aller-vers.md`` lists these names. Other columns (a surname, an address, the
school) are ignored, and so never stored.
"""

REQUIRED: Final = (Column.FIRST_NAME, Column.PHONE, Column.BIRTH_DATE)
"""And a commune, by name or by INSEE code."""

COLUMN_LABELS: Final[Mapping[Column, str]] = {
    Column.FIRST_NAME: "prénom",
    Column.PHONE: "téléphone",
    Column.BIRTH_DATE: "date de naissance",
    Column.COMMUNE: "commune",
    Column.INSEE: "code INSEE",
    Column.REPRESENTATIVE_PHONE: "téléphone du représentant légal",
}

_DMY: Final = re.compile(r"([0-3]?[0-9])[/.\-]([01]?[0-9])[/.\-]([0-9]{4})")
_YMD: Final = re.compile(r"([0-9]{4})-([01]?[0-9])-([0-3]?[0-9])")


def header_key(header: str) -> str:
    """A header as :data:`HEADERS` spells it: "Téléphone du représentant légal" →
    ``telephone_du_representant_legal``; "Né(e) le" → ``ne_e_le``."""
    decomposed = unicodedata.normalize("NFKD", header.strip().casefold())
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "_".join(re.findall(r"[a-z0-9]+", ascii_only))


def map_headers(headers: Sequence[str]) -> dict[Column, int]:
    """Which position holds each known column (the first one wins when two do).

    Raises:
        ValueError: a required column is missing; the message names them in French.
    """
    positions: dict[Column, int] = {}
    for index, header in enumerate(headers):
        column = HEADERS.get(header_key(header))
        if column is not None and column not in positions:
            positions[column] = index
    missing = [COLUMN_LABELS[column] for column in REQUIRED if column not in positions]
    if Column.COMMUNE not in positions and Column.INSEE not in positions:
        missing.append(COLUMN_LABELS[Column.COMMUNE])
    if missing:
        raise ValueError("colonne(s) absente(s) : " + ", ".join(missing))
    return positions


@dataclass(frozen=True, slots=True)
class ContactRow:
    """One person of a list, checked and normalised (E.164 phones, an official commune)."""

    first_name: str
    phone: str
    birth_date: date
    commune: Commune
    representative_phone: str | None = None

    def age_on(self, day: date) -> int:
        """Age in whole years on ``day``."""
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why a line of the file was not imported; ``line`` counts the header as line 1."""

    line: int
    reason: str


def parse_birth_date(text: str) -> date | None:
    """A birth date as the exports write it: ``31/12/2008``, ``31-12-2008``, ``2008-12-31``."""
    text = text.strip()
    for pattern, order in ((_DMY, (2, 1, 0)), (_YMD, (0, 1, 2))):
        match = pattern.fullmatch(text)
        if match is None:
            continue
        parts = match.groups()
        try:
            return date(int(parts[order[0]]), int(parts[order[1]]), int(parts[order[2]]))
        except ValueError:
            return None
    return None


def check_row(
    values: Mapping[Column, str],
    *,
    line: int,
    today: date,
    communes: dict[tuple[str, str], Commune | str] | None = None,
) -> ContactRow | RowProblem:
    """Read one line with the dialogue's own parsers, or say what is wrong with it.

    The phone must be a mobile (a landline cannot receive the SMS), the person 16 to 25 on
    ``today`` (the birth date read again by :func:`~outreach_bot.domain.fields.age.parse_age`,
    so both readings agree), the commune one official commune without doubt. ``communes``
    remembers the communes already read, across the lines of one file.
    """
    first_name = parse_first_name(values.get(Column.FIRST_NAME, "")[:MAX_FIRST_NAME])
    if first_name is None:
        return RowProblem(line, "prénom absent ou illisible")
    raw_phone = values.get(Column.PHONE, "").strip()
    if not raw_phone:
        return RowProblem(line, "téléphone absent")
    phone = parse_phone(raw_phone)
    if phone is None:
        return RowProblem(line, "téléphone invalide")
    if not is_mobile(phone):
        return RowProblem(line, "téléphone fixe : un SMS n'y arrive pas")
    raw_birth = values.get(Column.BIRTH_DATE, "").strip()
    birth_date = parse_birth_date(raw_birth)
    if birth_date is None or birth_date > today:
        return RowProblem(line, "date de naissance invalide")
    age = parse_age(birth_date.strftime("%d/%m/%Y"), today)
    if age is None or not MIN_AGE <= age <= MAX_AGE:
        return RowProblem(line, f"âge hors du public ({MIN_AGE}-{MAX_AGE} ans)")
    key = (values.get(Column.INSEE, "").strip(), values.get(Column.COMMUNE, "").strip().lower())
    if communes is not None and key in communes:
        commune = communes[key]  # a list names a few dozen communes, thousands of times
    else:
        commune = _commune(values)
        if communes is not None:
            communes[key] = commune
    if isinstance(commune, str):
        return RowProblem(line, commune)
    representative = None
    raw_representative = values.get(Column.REPRESENTATIVE_PHONE, "").strip()
    if raw_representative:
        representative = parse_phone(raw_representative)
        if representative is None or not is_mobile(representative):
            return RowProblem(line, "téléphone du représentant légal invalide")
        if representative == phone:
            representative = None  # the family's one phone: the young person's row covers it
    return ContactRow(first_name, phone, birth_date, commune, representative)


def _commune(values: Mapping[Column, str]) -> Commune | str:
    """The row's commune, or the reason it cannot be read."""
    code = values.get(Column.INSEE, "").strip()
    if code:
        found = commune_by_insee(code)
        return found if found is not None else "code INSEE inconnu"
    name = values.get(Column.COMMUNE, "").strip()
    if not name:
        return "commune absente"
    match = match_commune(name)  # homonyms: the Mission Locale's own département wins
    if match.commune is None:
        return "commune ambiguë" if match.suggestions else "commune inconnue"
    return match.commune


@dataclass(frozen=True, slots=True)
class CheckedFile:
    """A file read line by line: the rows to keep, with their line, and what was refused."""

    rows: list[tuple[int, ContactRow]]
    problems: list[RowProblem]


def decode_file(data: bytes) -> str:
    """The file's text: UTF-8 (with or without Excel's BOM), else Windows-1252, which French
    Excel still writes when asked for "CSV (séparateur : point-virgule)".

    Raises:
        ValueError: a file that is no text (a spreadsheet, an image).
    """
    if b"\x00" in data[:4096]:
        raise ValueError("ce fichier n'est pas un CSV (enregistrez-le en CSV depuis le tableur)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def check_file(data: bytes, *, today: date) -> CheckedFile:
    """Read a whole export: map its headers, check each line, drop the second appearance of
    a number within the file.

    The separator is the header line's most frequent of ``;``, ``,`` and tab: French Excel
    writes ``;``, the SIEI export ``;``, other tools ``,``.

    Raises:
        ValueError: not a CSV, no header, a required column missing, more than
            :data:`MAX_ROWS` lines. The message is French, for the person importing.
    """
    text = decode_file(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
    except (StopIteration, csv.Error) as error:
        raise ValueError("le fichier est vide") from error
    positions = map_headers(headers)
    rows: list[tuple[int, ContactRow]] = []
    problems: list[RowProblem] = []
    first_seen: dict[str, int] = {}
    communes: dict[tuple[str, str], Commune | str] = {}
    try:
        for line, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) + len(problems) >= MAX_ROWS:
                raise ValueError(f"plus de {MAX_ROWS} lignes : découpez le fichier")
            values = {
                column: cells[index] if index < len(cells) else ""
                for column, index in positions.items()
            }
            checked = check_row(values, line=line, today=today, communes=communes)
            if isinstance(checked, RowProblem):
                problems.append(checked)
            elif checked.phone in first_seen:
                problems.append(
                    RowProblem(line, f"numéro en double (ligne {first_seen[checked.phone]})")
                )
            else:
                first_seen[checked.phone] = line
                rows.append((line, checked))
    except csv.Error as error:
        raise ValueError(f"CSV illisible à la ligne {reader.line_num}") from error
    return CheckedFile(rows, problems)


WRONG_NUMBER_ANYWHERE: Final = (
    "c est pas moi",
    "ce n est pas moi",
    "c pas moi",
    "cest pas moi",
    "mauvais numero",
    "pas le bon numero",
    "erreur de numero",
    "faux numero",
    "connais pas cette personne",
    "connais personne de ce nom",
    "je connais pas de",
    "je ne connais pas de",
    "wrong number",
    "not me",
)
"""Phrases that say "wrong number" wherever they are in an answer to a list's message."""
WRONG_NUMBER_ALONE: Final = (
    "je connais pas",
    "je ne connais pas",
    "connais pas",
    "connait pas",
    "inconnu",
)
"""Phrases that say it only as the whole answer (give or take two words): "je connais pas la
Mission Locale" asks what it is, it does not deny being the person."""
_FILLER_WORDS: Final = 2


def says_wrong_number(text: str) -> bool:
    """Whether an answer to a contact list's first message says the number is not the
    person's: "c'est pas moi", "je connais pas", "mauvais numéro"...

    An explicit list, not a classifier's guess: marking a number wrong stops every message to
    it, so only these words do it.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.findall(r"[a-z0-9]+", folded)
    padded = f" {' '.join(words)} "
    if any(f" {phrase} " in padded for phrase in WRONG_NUMBER_ANYWHERE):
        return True
    return any(
        f" {phrase} " in padded and len(words) <= len(phrase.split()) + _FILLER_WORDS
        for phrase in WRONG_NUMBER_ALONE
    )
