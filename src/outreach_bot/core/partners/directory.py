"""The partner directory: organisations and services the team can refer young people to.

Public information, edited by admins (back office) or loaded from a data·inclusion file.
A service without its own referral e-mail uses its organisation's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.leads.sectors import rule_score
from outreach_bot.core.partners.datainclusion import Listing, read_listing
from outreach_bot.core.privacy.audit import record_access
from outreach_bot.domain.errors import InvalidInputError, NotFoundError
from outreach_bot.domain.fields import commune_by_insee
from outreach_bot.storage.models import PartnerOrganisation, PartnerService

EMAIL_RE: Final = re.compile(r"^[^@\s<>,]+@[^@\s<>,]+\.[^@\s<>,]+$")
COMMUNE_CODE_LENGTH: Final = 5
AREA_CODE_RE: Final = re.compile(r"^(?:\d{2}|2[AB]|97\d|\d[\dAB]\d{3}|\d{9}|FRANCE|99100)$")
"""A département (55, 2A, 971), a commune (55545), an EPCI (9 digits), or all of France."""


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    """A service as the counsellor's picker and the admin's list show it."""

    id: int
    organisation_id: int
    organisation: str
    name: str
    description: str
    themes: str
    area: str
    area_label: str
    contact: str
    referral_email: str
    active: bool


@dataclass(frozen=True, slots=True)
class ServiceChoice:
    """The services a counsellor picks from for one young person, nearest first."""

    place: str
    """Where ``near`` is near ("Verdun", "le secteur Nord Meusien"); empty when unknown."""
    near: tuple[ServiceEntry, ...]
    others: tuple[ServiceEntry, ...]


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did, for the admin's page."""

    organisations_added: int
    organisations_updated: int
    services_added: int
    services_updated: int
    skipped: tuple[str, ...]


def checked_email(value: str) -> str:
    """An e-mail address, or empty; anything else is refused.

    Raises:
        InvalidInputError: not an e-mail address.
    """
    value = value.strip()
    if value and not EMAIL_RE.match(value):
        raise InvalidInputError(f"adresse e-mail invalide : {value!r}")
    return value


def checked_area(value: str) -> str:
    """INSEE codes (communes, départements, EPCI) separated by commas or spaces, normalised.

    Raises:
        InvalidInputError: a code that is none of these.
    """
    codes = [code.strip().upper() for code in re.split(r"[,\s;]+", value) if code.strip()]
    bad = [code for code in codes if not AREA_CODE_RE.match(code)]
    if bad:
        raise InvalidInputError(f"code(s) INSEE inconnu(s) : {', '.join(bad[:5])}")
    return ",".join(codes)


def covers(area: str, commune_insee: str | None) -> bool:
    """Whether a service's area includes a commune (empty area: everywhere)."""
    if not area:
        return True
    if not commune_insee:
        return False
    codes = area.split(",")
    return (
        commune_insee in codes
        or commune_insee[:2] in codes
        or commune_insee[:3] in codes
        or "FRANCE" in codes
        or "99100" in codes
    )


def covers_sector(area: str, rules: Iterable[str]) -> bool:
    """Whether a service's area meets a sector's territory (its rules, as in ``sectors``).

    For a young person whose commune is unknown: a service counts when one of its communes
    lies in the sector, or when its département holds part of the sector. An intercommunality
    (EPCI code) is not matched: the packaged commune list does not say which communes it has.
    """
    if not area:
        return True
    codes = area.split(",")
    if "FRANCE" in codes or "99100" in codes:
        return True
    communes = [code for code in codes if len(code) == COMMUNE_CODE_LENGTH]
    departments = {code for code in codes if len(code) < COMMUNE_CODE_LENGTH}
    for rule in rules:
        if any(rule_score(rule, commune) for commune in communes):
            return True
        if departments & _rule_departments(rule):
            return True
    return False


def _rule_departments(rule: str) -> set[str]:
    """The départements a sector rule's territory lies in."""
    kind, _, value = rule.partition(":")
    if kind == "dep":
        return {value}
    if kind == "arr":
        return {value[:-1]}  # INSEE: the département's code and one digit
    if kind == "insee":
        commune = commune_by_insee(value)
        return {commune.department} if commune else set()
    if kind == "cp":  # La Poste: the département's first two digits (three overseas)
        if value.startswith("97"):
            return {value[:3]}
        return {"2A", "2B"} if value.startswith("20") else {value[:2]}
    return set()


def services_for_place(
    services: Sequence[ServiceEntry],
    *,
    commune_insee: str | None,
    commune_name: str | None,
    sector_name: str | None,
    sector_rules: Sequence[str],
) -> ServiceChoice:
    """Split the picker's services: those that cover the young person's commune come first,
    or, when the commune is unknown, those that meet their sector's territory.

    A lead with neither (no commune, a sector without rules such as the fallback one) gets
    one list, as the directory gives it.
    """
    if commune_insee:
        place = commune_name or commune_insee
        near = [entry for entry in services if covers(entry.area, commune_insee)]
    elif sector_rules:
        place = f"le secteur {sector_name}" if sector_name else "le secteur"
        near = [entry for entry in services if covers_sector(entry.area, sector_rules)]
    else:
        return ServiceChoice(place="", near=(), others=tuple(services))
    chosen = {entry.id for entry in near}
    others = tuple(entry for entry in services if entry.id not in chosen)
    return ServiceChoice(place=place, near=tuple(near), others=others)


async def list_services(
    sessions: async_sessionmaker[AsyncSession], *, active_only: bool = True
) -> list[ServiceEntry]:
    """Every service with its organisation, by organisation then service name."""
    query = (
        select(PartnerService, PartnerOrganisation)
        .join(PartnerOrganisation, PartnerService.organisation_id == PartnerOrganisation.id)
        .order_by(PartnerOrganisation.name, PartnerService.name)
    )
    if active_only:
        query = query.where(PartnerService.active, PartnerOrganisation.active)
    async with sessions() as session:
        rows = (await session.execute(query)).all()
    return [_entry(service, organisation) for service, organisation in rows]


async def list_organisations(
    sessions: async_sessionmaker[AsyncSession],
) -> list[PartnerOrganisation]:
    """Every organisation, by name."""
    async with sessions() as session:
        return list(
            await session.scalars(select(PartnerOrganisation).order_by(PartnerOrganisation.name))
        )


def _entry(service: PartnerService, organisation: PartnerOrganisation) -> ServiceEntry:
    return ServiceEntry(
        id=service.id,
        organisation_id=organisation.id,
        organisation=organisation.name,
        name=service.name,
        description=service.description,
        themes=service.themes,
        area=service.area,
        area_label=service.area_label,
        contact=service.contact or organisation.phone,
        referral_email=service.referral_email or organisation.email,
        active=service.active and organisation.active,
    )


async def save_organisation(
    sessions: async_sessionmaker[AsyncSession],
    *,
    actor: str,
    user_id: int | None,
    name: str,
    description: str = "",
    phone: str = "",
    email: str = "",
    website: str = "",
    commune_name: str = "",
    organisation_id: int | None = None,
    active: bool = True,
) -> int:
    """Add an organisation, or update it when ``organisation_id`` is given; returns its id.

    Raises:
        InvalidInputError: no name, or a bad e-mail.
        NotFoundError: no such organisation.
    """
    name = name.strip()
    if not 2 <= len(name) <= 200:  # noqa: PLR2004 - a readable name
        raise InvalidInputError("le nom fait de 2 à 200 caractères")
    email = checked_email(email)
    async with sessions.begin() as session:
        if organisation_id is None:
            organisation = PartnerOrganisation(name=name)
            session.add(organisation)
        else:
            found = await session.get(PartnerOrganisation, organisation_id)
            if found is None:
                raise NotFoundError(f"organisation {organisation_id} not found")
            organisation = found
        organisation.name = name
        organisation.description = description.strip()[:2000]
        organisation.phone = phone.strip()[:40]
        organisation.email = email
        organisation.website = website.strip()[:300]
        organisation.commune_name = commune_name.strip()[:100]
        organisation.active = active
        organisation.updated_at = datetime.now(UTC)
        await session.flush()
        await record_access(
            session,
            actor=actor,
            user_id=user_id,
            action="partner_saved",
            target_type="partner",
            target_id=str(organisation.id),
        )
        return organisation.id


async def save_service(
    sessions: async_sessionmaker[AsyncSession],
    *,
    actor: str,
    user_id: int | None,
    organisation_id: int,
    name: str,
    description: str = "",
    themes: str = "",
    area: str = "",
    area_label: str = "",
    contact: str = "",
    referral_email: str = "",
    service_id: int | None = None,
    active: bool = True,
) -> int:
    """Add a service to an organisation, or update it; returns its id.

    Raises:
        InvalidInputError: no name, a bad e-mail or a bad area code.
        NotFoundError: no such organisation or service.
    """
    name = name.strip()
    if not 2 <= len(name) <= 200:  # noqa: PLR2004 - a readable name
        raise InvalidInputError("le nom fait de 2 à 200 caractères")
    referral_email = checked_email(referral_email)
    area = checked_area(area)
    async with sessions.begin() as session:
        if await session.get(PartnerOrganisation, organisation_id) is None:
            raise NotFoundError(f"organisation {organisation_id} not found")
        if service_id is None:
            service = PartnerService(organisation_id=organisation_id, name=name)
            session.add(service)
        else:
            found = await session.get(PartnerService, service_id)
            if found is None:
                raise NotFoundError(f"service {service_id} not found")
            service = found
        service.organisation_id = organisation_id
        service.name = name
        service.description = description.strip()[:2000]
        service.themes = themes.strip()[:500]
        service.area = area[:1000]
        service.area_label = area_label.strip()[:300]
        service.contact = contact.strip()[:300]
        service.referral_email = referral_email
        service.active = active
        service.updated_at = datetime.now(UTC)
        await session.flush()
        await record_access(
            session,
            actor=actor,
            user_id=user_id,
            action="partner_service_saved",
            target_type="partner_service",
            target_id=str(service.id),
        )
        return service.id


async def import_listing(
    sessions: async_sessionmaker[AsyncSession],
    data: bytes,
    filename: str,
    *,
    actor: str,
    user_id: int | None,
) -> ImportReport:
    """Load a data·inclusion file: add new records, update those imported before.

    A service whose structure is neither in the file nor imported before is skipped, with a
    line saying so. All or nothing: a failure leaves the directory as it was.

    Raises:
        InvalidInputError: the file cannot be read (see :func:`read_listing`).
    """
    listing = read_listing(data, filename)
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        report = await _apply(session, listing, now)
        await record_access(
            session,
            actor=actor,
            user_id=user_id,
            action="partner_import",
            target_type="partner",
            target_id="*",
        )
    return report


async def _apply(session: AsyncSession, listing: Listing, now: datetime) -> ImportReport:
    skipped = list(listing.skipped)
    organisations: dict[tuple[str, str], PartnerOrganisation] = {}
    added = updated = 0
    for record in listing.organisations:
        organisation = await session.scalar(
            select(PartnerOrganisation).where(
                PartnerOrganisation.source == record.source,
                PartnerOrganisation.source_id == record.source_id,
            )
        )
        if organisation is None:
            organisation = PartnerOrganisation(source=record.source, source_id=record.source_id)
            session.add(organisation)
            added += 1
        else:
            updated += 1
        organisation.name = record.name
        organisation.description = record.description
        organisation.phone = record.phone
        organisation.email = _valid_or_empty(record.email)
        organisation.website = record.website
        organisation.commune_name = record.commune_name
        organisation.updated_at = now
        organisations[(record.source, record.source_id)] = organisation
    await session.flush()
    services_added = services_updated = 0
    for item in listing.services:
        owner = organisations.get((item.source, item.organisation_id)) or await session.scalar(
            select(PartnerOrganisation).where(
                PartnerOrganisation.source == item.source,
                PartnerOrganisation.source_id == item.organisation_id,
            )
        )
        if owner is None:
            skipped.append(f"service « {item.name} » : structure {item.organisation_id} inconnue")
            continue
        service = await session.scalar(
            select(PartnerService).where(
                PartnerService.source == item.source, PartnerService.source_id == item.source_id
            )
        )
        if service is None:
            service = PartnerService(source=item.source, source_id=item.source_id)
            session.add(service)
            services_added += 1
        else:
            services_updated += 1
        service.organisation_id = owner.id
        service.name = item.name
        service.description = item.description
        service.themes = ", ".join(item.themes)[:500]
        try:
            service.area = checked_area(",".join(item.area))[:1000]
        except InvalidInputError as error:
            service.area = ""
            skipped.append(f"service « {item.name} » : zone ignorée ({error})")
        service.contact = item.contact
        service.referral_email = _valid_or_empty(item.email)
        service.updated_at = now
    return ImportReport(
        organisations_added=added,
        organisations_updated=updated,
        services_added=services_added,
        services_updated=services_updated,
        skipped=tuple(skipped),
    )


def _valid_or_empty(email: str) -> str:
    return email if EMAIL_RE.match(email) else ""
