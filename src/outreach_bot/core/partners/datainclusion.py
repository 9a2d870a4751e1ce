"""Read organisations and services from a data·inclusion file (JSON or CSV).

data·inclusion is the French open schema for directories of social-inclusion services
(schema published by the GIP Plateforme de l'inclusion). We read only what the directory
shows; every other field is ignored. Field names, from the schema's ``structure`` and
``service`` models, current and earlier versions:

=========================  ===========================================================
ours                       data·inclusion
=========================  ===========================================================
organisation name          ``structure.nom``
organisation description   ``structure.description`` (earlier: ``presentation_resume``)
organisation phone, e-mail ``structure.telephone``, ``structure.courriel``
organisation website       ``structure.site_web``
organisation commune       ``structure.commune``
service organisation       ``service.structure_id`` (the structure's ``id``)
service name, description  ``service.nom``, ``service.description`` (earlier:
                           ``presentation_resume``)
service themes             ``service.thematiques`` (list, or comma-separated in CSV)
service area               ``service.zone_eligibilite`` (earlier: ``zone_diffusion_code``):
                           INSEE codes of communes or départements
service contact            ``service.telephone``, ``service.commune``, ``lien_mobilisation``
referral e-mail            ``service.courriel``, else the structure's
=========================  ===========================================================

A record is recognised by ``source`` and ``id``, so importing the same file again updates it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any, Final

from outreach_bot.domain.errors import InvalidInputError

MAX_FILE_BYTES: Final = 5 * 1024 * 1024
"""A département's listing is a few hundred kilobytes; five megabytes leaves room."""


@dataclass(frozen=True, slots=True)
class OrganisationRecord:
    """One ``structure`` as read from the file."""

    source: str
    source_id: str
    name: str
    description: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    commune_name: str = ""


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    """One ``service`` as read from the file."""

    source: str
    source_id: str
    organisation_id: str
    name: str
    description: str = ""
    themes: tuple[str, ...] = ()
    area: tuple[str, ...] = ()
    contact: str = ""
    email: str = ""


@dataclass
class Listing:
    """What a file held, and the records skipped with why (shown to the admin)."""

    organisations: list[OrganisationRecord] = field(default_factory=list)
    services: list[ServiceRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def read_listing(data: bytes, filename: str) -> Listing:
    """Parse a data·inclusion file: JSON (a list of structures or services, or an object with
    ``structures`` and ``services`` lists) or CSV (one kind per file, told apart by a
    ``structure_id`` column).

    Raises:
        InvalidInputError: the file is too big, not UTF-8, not JSON/CSV, or holds no record.
    """
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInputError("fichier trop gros (5 Mo au plus)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInputError("le fichier doit être en UTF-8") from error
    rows = _json_rows(text) if filename.lower().endswith(".json") else _csv_rows(text)
    listing = Listing()
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            listing.skipped.append(f"ligne {number} : pas un objet")
            continue
        try:
            if _text(row, "structure_id"):
                listing.services.append(_service(row))
            else:
                listing.organisations.append(_organisation(row))
        except InvalidInputError as error:
            listing.skipped.append(f"ligne {number} : {error}")
    if not listing.organisations and not listing.services:
        raise InvalidInputError("aucune structure ni aucun service dans ce fichier")
    return listing


def _json_rows(text: str) -> list[Any]:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInputError(f"JSON illisible (ligne {error.lineno})") from error
    if isinstance(raw, dict):
        structures, services = raw.get("structures", []), raw.get("services", [])
        if not isinstance(structures, list) or not isinstance(services, list):
            raise InvalidInputError("« structures » et « services » doivent être des listes")
        return [*structures, *services]
    if not isinstance(raw, list):
        raise InvalidInputError("le JSON doit être une liste d'enregistrements")
    return raw


def _csv_rows(text: str) -> list[Any]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames or "nom" not in reader.fieldnames:
        raise InvalidInputError(
            "CSV sans colonne « nom » : ce n'est pas un fichier data·inclusion"
        )
    return list(reader)


def _text(row: dict[str, Any], *names: str, limit: int = 2000) -> str:
    """The first non-empty of ``names``, as a trimmed string."""
    for name in names:
        value = row.get(name)
        if value not in (None, ""):
            return str(value).strip()[:limit]
    return ""


def _codes(row: dict[str, Any], *names: str) -> tuple[str, ...]:
    """A list field: a JSON list, or a CSV cell separated by commas (or braces, as exported)."""
    for name in names:
        value = row.get(name)
        if isinstance(value, list):
            return tuple(str(item).strip() for item in value if str(item).strip())
        if isinstance(value, str) and value.strip():
            cleaned = value.strip().strip("{}[]").replace('"', "").replace("'", "")
            return tuple(item.strip() for item in cleaned.split(",") if item.strip())
    return ()


def _identity(row: dict[str, Any]) -> tuple[str, str, str]:
    name = _text(row, "nom", limit=200)
    if not name:
        raise InvalidInputError("sans nom")
    source_id = _text(row, "id", limit=120)
    if not source_id:
        raise InvalidInputError(f"« {name} » sans id")
    return _text(row, "source", limit=60) or "import", source_id, name


def _organisation(row: dict[str, Any]) -> OrganisationRecord:
    source, source_id, name = _identity(row)
    return OrganisationRecord(
        source=source,
        source_id=source_id,
        name=name,
        description=_text(row, "description", "presentation_resume"),
        phone=_text(row, "telephone", limit=40),
        email=_text(row, "courriel", limit=254),
        website=_text(row, "site_web", limit=300),
        commune_name=_text(row, "commune", limit=100),
    )


def _service(row: dict[str, Any]) -> ServiceRecord:
    source, source_id, name = _identity(row)
    contact = " · ".join(
        part
        for part in (
            _text(row, "telephone", limit=40),
            _text(row, "commune", limit=100),
            _text(row, "lien_mobilisation", limit=150),
        )
        if part
    )
    return ServiceRecord(
        source=source,
        source_id=source_id,
        organisation_id=_text(row, "structure_id", limit=120),
        name=name,
        description=_text(row, "description", "presentation_resume"),
        themes=_codes(row, "thematiques"),
        area=_codes(row, "zone_eligibilite", "zone_diffusion_code"),
        contact=contact[:300],
        email=_text(row, "courriel", limit=254),
    )
