"""Campaigns: events and posters with their own code, and what each one produced.

A campaign is archived rather than deleted: its QR codes are printed and keep being scanned,
and its conversations and leads must keep their origin. Deletion is only for a campaign
created by mistake that nothing refers to yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.figures.stats import FunnelRow, Period, compute_figures
from outreach_bot.core.followups.alerts import alert_nearby
from outreach_bot.core.outreach.places import (
    PlaceForm,
    PlaceInputError,
    as_place,
    event_place,
    insert_place,
    place_label,
)
from outreach_bot.core.staff.accounts import staff_label
from outreach_bot.domain.campaigns import (
    NAME_MAX,
    PLACE_MAX,
    normalise_code,
    validate_code,
)
from outreach_bot.domain.errors import ConflictError, InvalidInputError, NotFoundError
from outreach_bot.domain.places import PlaceKind, check_upcoming, team_today
from outreach_bot.storage.models import (
    Campaign,
    CampaignScan,
    Conversation,
    FigureTally,
    Lead,
    LocalPlace,
    Sector,
    User,
)

logger = logging.getLogger(__name__)

MAX_NAME: Final = NAME_MAX


@dataclass(frozen=True, slots=True)
class CampaignView:
    """A campaign as staff see it: its sector and who created it, by name."""

    id: int
    code: str
    name: str
    held_on: date | None
    place: str
    sector_code: str | None
    sector_name: str | None
    created_by: str | None
    active: bool
    created_at: datetime
    place_id: int | None = None
    """The event's place in Lieux; ``place`` is then that place's label as it is now."""


@dataclass(frozen=True, slots=True)
class LandingCampaign:
    """What the public landing page needs to know about a scanned code: enough to name the
    event ("Forum emploi, mardi 12 mai 2026, Salle des fêtes, Verdun") when it is one."""

    code: str
    name: str
    active: bool
    held_on: date | None = None
    place: str = ""


@dataclass(frozen=True, slots=True)
class NewPlace:
    """Where a campaign's event happens, typed in the campaign form to create it in Lieux."""

    commune: str
    address: str = ""
    hours: str = ""


PlaceLink = int | NewPlace | None
"""A campaign's place: an existing place's id, one to create, or none (a poster)."""


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > NAME_MAX:
        raise InvalidInputError(f"a campaign needs a name of 1 to {NAME_MAX} characters")
    return cleaned


def _clean_place(place: str) -> str:
    cleaned = " ".join(place.split())
    if len(cleaned) > PLACE_MAX:
        raise InvalidInputError(f"a place has at most {PLACE_MAX} characters")
    return cleaned


async def _sector_id(session: AsyncSession, sector: str | None) -> int | None:
    if not sector:
        return None
    sector_id = await session.scalar(select(Sector.id).where(Sector.code == sector))
    if sector_id is None:
        raise InvalidInputError(f"unknown sector {sector!r}")
    return sector_id


async def create_campaign(
    sessions: async_sessionmaker[AsyncSession],
    code: str,
    *,
    name: str,
    sector: str | None = None,
    held_on: date | None = None,
    place: str = "",
    created_by: int | None = None,
    place_link: PlaceLink = None,
    today: date | None = None,
) -> Campaign:
    """Create a campaign, and its event's place in Lieux when ``place_link`` asks for one.

    ``today`` given (the back office), a date before it is refused: an event is announced
    before it happens. Without it (the figures' history, the demo) any date is taken.

    Raises:
        CampaignCodeError: a code that is not 3-32 letters, digits or inner hyphens, or a
            reserved word (an :class:`InvalidInputError`).
        PastDateError: ``held_on`` is before ``today``.
        PlaceInputError: the new place is wrong (its field says which); nothing is created.
        InvalidInputError: an empty or overlong name or place; an unknown sector or place.
        ConflictError: the code exists already (codes compare case-insensitively).
    """
    normalised = validate_code(code)
    name = _clean_name(name)
    place = _clean_place(place)
    if held_on is not None and today is not None:
        check_upcoming(held_on, today=today)
    try:
        async with sessions.begin() as session:
            if await session.scalar(select(Campaign.id).where(Campaign.code == normalised)):
                raise ConflictError(f"campaign code {normalised} is taken")
            campaign = Campaign(
                code=normalised,
                name=name,
                sector_id=await _sector_id(session, sector),
                held_on=held_on,
                place=place,
                created_by=created_by,
            )
            await _link_place(
                session, campaign, place_link, by=created_by, today=today or team_today()
            )
            session.add(campaign)
            await session.flush()
    except IntegrityError as error:
        # Two people created the same code at the same moment: the unique index decided.
        raise ConflictError(f"campaign code {normalised} is taken") from error
    logger.info("campaign %s created by user %s", campaign.id, created_by)
    return campaign


async def _link_place(
    session: AsyncSession,
    campaign: Campaign,
    link: PlaceLink,
    *,
    by: int | None,
    today: date,
) -> None:
    """Link the campaign to an existing place, or create its event's place and link that.

    Raises:
        PlaceInputError: the new place is wrong, or the campaign has no date for it.
        InvalidInputError: no place has that id.
    """
    if link is None:
        return
    if isinstance(link, NewPlace):
        if campaign.held_on is None:
            raise PlaceInputError(
                "held_on",
                "Pour créer le lieu de l'événement, donne sa date (ou choisis un lieu existant).",
            )
        form = PlaceForm(
            kind=PlaceKind.EVENT.value,
            name=campaign.name,
            commune=link.commune,
            address=link.address,
            held_on=campaign.held_on.isoformat(),
            hours=link.hours,
        )
        row = event_place(form, today=today)
        await insert_place(session, row, by=by)
    else:
        found = await session.get(LocalPlace, link)
        if found is None:
            raise InvalidInputError("Ce lieu n'existe plus : choisis-en un autre.")
        row = found
    campaign.place_id = row.id
    campaign.place = place_label(row)


def _view_query() -> Any:
    return (
        select(Campaign, Sector.code, Sector.name, User.display_name, User.email, LocalPlace)
        .outerjoin(Sector, Campaign.sector_id == Sector.id)
        .outerjoin(User, Campaign.created_by == User.id)
        .outerjoin(LocalPlace, Campaign.place_id == LocalPlace.id)
    )


def _view(row: Any) -> CampaignView:
    """A row of :func:`_view_query` as staff see it."""
    campaign: Campaign
    linked: LocalPlace | None
    campaign, sector_code, sector_name, display_name, email, linked = row
    return CampaignView(
        id=campaign.id,
        code=campaign.code,
        name=campaign.name,
        held_on=campaign.held_on,
        place=place_label(linked) if linked else campaign.place,
        place_id=campaign.place_id,
        sector_code=sector_code,
        sector_name=sector_name,
        created_by=staff_label(display_name or "", email) if email else None,
        active=campaign.active,
        created_at=campaign.created_at,
    )


async def list_campaigns(
    sessions: async_sessionmaker[AsyncSession], *, include_archived: bool = False
) -> list[CampaignView]:
    """Campaigns, most recent event first; archived ones only when asked."""
    query = _view_query()
    if not include_archived:
        query = query.where(Campaign.active.is_(True))
    query = query.order_by(
        Campaign.active.desc(), Campaign.held_on.desc().nulls_last(), Campaign.id.desc()
    )
    async with sessions() as session:
        return [_view(row) for row in await session.execute(query)]


async def campaign_figures(sessions: async_sessionmaker[AsyncSession]) -> dict[str, FunnelRow]:
    """What every campaign produced since it began, by code: the figures' own per-campaign
    rows, computed once for a whole list rather than once per campaign."""
    figures = await compute_figures(sessions, Period())
    return {row.code: row for row in figures.campaigns if row.code}


async def _find(session: AsyncSession, code: str) -> Campaign:
    normalised = normalise_code(code)
    campaign = (
        await session.scalar(select(Campaign).where(Campaign.code == normalised))
        if normalised
        else None
    )
    if campaign is None:
        raise NotFoundError(f"no campaign with code {code[:40]!r}")
    return campaign


async def get_campaign(sessions: async_sessionmaker[AsyncSession], code: str) -> CampaignView:
    """One campaign by code, case-insensitively.

    Raises:
        NotFoundError: no such campaign.
    """
    normalised = normalise_code(code)
    async with sessions() as session:
        row = (
            (await session.execute(_view_query().where(Campaign.code == normalised))).first()
            if normalised
            else None
        )
    if row is None:
        raise NotFoundError(f"no campaign with code {code[:40]!r}")
    return _view(row)


async def update_campaign(
    sessions: async_sessionmaker[AsyncSession],
    code: str,
    *,
    name: str,
    sector: str | None,
    held_on: date | None,
    place: str | None,
    place_link: PlaceLink = None,
    today: date | None = None,
    by: int | None = None,
) -> CampaignView:
    """Change what staff may change; the code stays, because it is printed on posters.

    ``place`` None keeps the place's text; ``place_link`` None leaves no place in Lieux
    linked. A linked event's place moves with the campaign's date (it was created for it, so
    nobody types the new date twice); a shared office or permanence is left as it is.

    Raises:
        NotFoundError: no such campaign.
        PastDateError: a new date before ``today`` (the date it had may stay).
        PlaceInputError: the new place is wrong; nothing is changed.
        InvalidInputError: an empty or overlong name or place; an unknown sector or place.
    """
    name = _clean_name(name)
    async with sessions.begin() as session:
        campaign = await _find(session, code)
        if held_on is not None and today is not None:
            check_upcoming(held_on, today=today, unchanged=campaign.held_on)
        before = campaign.held_on
        campaign.name = name
        if place is not None:
            campaign.place = _clean_place(place)
        campaign.held_on = held_on
        campaign.sector_id = await _sector_id(session, sector)
        if place_link is None:
            campaign.place_id = None  # the label it had stays as its place's text
        elif place_link != campaign.place_id:
            await _link_place(session, campaign, place_link, by=by, today=today or team_today())
        elif held_on != before and held_on is not None:
            await _move_event(session, place_link, before, held_on, by=by)
    return await get_campaign(sessions, code)


async def _move_event(
    session: AsyncSession, place_id: int, before: date | None, after: date, *, by: int | None
) -> None:
    """Give the linked place the campaign's new date when it is the event's own place (an
    event on the old date, held once); those nearby who asked hear of the new date."""
    row = await session.get(LocalPlace, place_id)
    if (
        row is None
        or row.kind != PlaceKind.EVENT.value
        or row.held_on != before
        or row.repeat_weekday is not None
    ):
        return
    row.held_on = after
    row.updated_by, row.updated_at = by, datetime.now(UTC)
    await alert_nearby(session, row.id, as_place(row), now=row.updated_at)


async def set_campaign_active(
    sessions: async_sessionmaker[AsyncSession], code: str, *, active: bool
) -> CampaignView:
    """Archive a campaign (``active=False``) or bring it back.

    An archived campaign leaves the list of current campaigns, and its landing page says the
    event is over, but people who still scan or text its code are attributed to it, so
    nothing it produced is lost.

    Raises:
        NotFoundError: no such campaign.
    """
    async with sessions.begin() as session:
        campaign = await _find(session, code)
        campaign.active = active
        logger.info("campaign %s %s", campaign.id, "restored" if active else "archived")
    return await get_campaign(sessions, code)


async def archive_campaign(sessions: async_sessionmaker[AsyncSession], code: str) -> CampaignView:
    """Archive a campaign; see :func:`set_campaign_active`."""
    return await set_campaign_active(sessions, code, active=False)


async def restore_campaign(sessions: async_sessionmaker[AsyncSession], code: str) -> CampaignView:
    """Make an archived campaign current again; see :func:`set_campaign_active`."""
    return await set_campaign_active(sessions, code, active=True)


async def delete_campaign(sessions: async_sessionmaker[AsyncSession], code: str) -> None:
    """Delete a campaign created by mistake.

    Raises:
        NotFoundError: no such campaign.
        ConflictError: it was scanned, or has conversations, leads or figures: archive it
            instead, so that nothing it produced is lost.
    """
    async with sessions.begin() as session:
        campaign = await _find(session, code)
        for model in (CampaignScan, Conversation, Lead, FigureTally):
            used = await session.scalar(
                select(func.count()).select_from(model).where(model.campaign_id == campaign.id)
            )
            if used:
                raise ConflictError(
                    f"campaign {campaign.code} has already been used; archive it instead"
                )
        await session.delete(campaign)
        logger.info("campaign %s deleted", campaign.id)


async def record_scan(
    sessions: async_sessionmaker[AsyncSession], code: str, *, now: datetime | None = None
) -> LandingCampaign | None:
    """Count one opening of a campaign's landing page and say what the page should show.

    Nothing about the visitor is stored: no address, no browser, no cookie, only the moment.
    Archived campaigns are counted too, since their posters are still out there.

    Returns:
        The campaign, or None when the code is unknown or malformed.
    """
    normalised = normalise_code(code)
    if normalised is None:
        return None
    async with sessions.begin() as session:
        found = await _landing(session, normalised)
        if found is None:
            return None
        campaign_id, landing = found
        session.add(CampaignScan(campaign_id=campaign_id, at=now or datetime.now(UTC)))
        return landing


async def _landing(session: AsyncSession, code: str) -> tuple[int, LandingCampaign] | None:
    row = (
        await session.execute(
            select(Campaign, LocalPlace)
            .outerjoin(LocalPlace, Campaign.place_id == LocalPlace.id)
            .where(Campaign.code == code)
        )
    ).first()
    if row is None:
        return None
    campaign, linked = row
    place = place_label(linked) if linked else campaign.place
    return campaign.id, LandingCampaign(
        campaign.code, campaign.name, campaign.active, held_on=campaign.held_on, place=place
    )


async def find_landing_campaign(
    sessions: async_sessionmaker[AsyncSession], code: str
) -> LandingCampaign | None:
    """The campaign behind a code, without counting a scan (for the chat page)."""
    normalised = normalise_code(code)
    if normalised is None:
        return None
    async with sessions() as session:
        found = await _landing(session, normalised)
    return found[1] if found else None


async def campaign_funnel(
    sessions: async_sessionmaker[AsyncSession], code: str, period: Period | None = None
) -> FunnelRow:
    """What one campaign produced: scans → conversations → consents → leads → contacted →
    mobilised (all time unless a period is given).

    Raises:
        NotFoundError: no such campaign.
    """
    view = await get_campaign(sessions, code)
    figures = await compute_figures(sessions, period or Period())
    row = figures.campaign(view.code)
    if row is not None:
        return row
    return FunnelRow(
        view.code, view.name, {}, held_on=view.held_on, place=view.place, active=view.active
    )


async def sector_choices(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str]]:
    """(code, name) of every sector, for a campaign form."""
    async with sessions() as session:
        rows = await session.execute(select(Sector.code, Sector.name).order_by(Sector.name))
        return [(code, name) for code, name in rows]


def landing_url(public_url: str, code: str) -> str:
    """The address a campaign's QR code points to: ``<public URL>/q/<CODE>``."""
    return f"{public_url.rstrip('/')}/q/{code}"
