"""Campaigns: creating, listing, editing, archiving and deleting; scans; SMS keywords."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select

from outreach_bot.core.channel import InboundMessage
from outreach_bot.core.figures.stats import Metric
from outreach_bot.core.outreach.campaigns import (
    archive_campaign,
    campaign_funnel,
    create_campaign,
    delete_campaign,
    get_campaign,
    landing_url,
    list_campaigns,
    record_scan,
    restore_campaign,
    update_campaign,
)
from outreach_bot.core.services import Services
from outreach_bot.domain.campaigns import CampaignCodeError, CodeProblem
from outreach_bot.domain.errors import ConflictError, InvalidInputError, NotFoundError
from outreach_bot.storage.models import Campaign, CampaignScan, Conversation


async def scans(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count(CampaignScan.id))) or 0)


async def conversation_campaign(services: Services, conversation_id: int) -> int | None:
    async with services.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        return conversation.campaign_id


def sms(text: str, sender: str = "+33639980001", message_id: str | None = None) -> InboundMessage:
    return InboundMessage(
        channel="sms",
        sender_id=sender,
        text=text,
        message_id=message_id,
        sender_phone=sender,
    )


async def test_codes_are_stored_upper_case_and_found_in_any_case(services: Services) -> None:
    """Staff type "forum-verdun"; posters, SMS and links all find FORUM-VERDUN."""
    campaign = await create_campaign(
        services.sessions,
        "  forum-verdun ",
        name="  Forum   emploi Verdun ",
        sector="nord-meusien",
        held_on=date(2026, 3, 12),
        place="Salle des fêtes",
        created_by=None,
    )
    assert (campaign.code, campaign.name) == ("FORUM-VERDUN", "Forum emploi Verdun")
    view = await get_campaign(services.sessions, "Forum-Verdun")
    assert view.sector_code == "nord-meusien"
    assert view.held_on == date(2026, 3, 12)
    assert view.active is True


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("forum verdun", CodeProblem.CHARACTERS),
        ("FORUM🎉", CodeProblem.CHARACTERS),
        ("FÊTE", CodeProblem.CHARACTERS),
        ("-FORUM", CodeProblem.CHARACTERS),
        ("A" * 500, CodeProblem.TOO_LONG),
        ("AB", CodeProblem.TOO_SHORT),
        ("   ", CodeProblem.EMPTY),
        ("stop", CodeProblem.RESERVED),
        ("Salut", CodeProblem.RESERVED),
    ],
)
async def test_bad_codes_are_refused_with_the_reason(
    services: Services, code: str, problem: CodeProblem
) -> None:
    """Spaces, emoji, accents, 500 characters or a reserved word: refused, nothing created."""
    with pytest.raises(CampaignCodeError) as caught:
        await create_campaign(services.sessions, code, name="Forum")
    assert caught.value.problem is problem
    assert await list_campaigns(services.sessions, include_archived=True) == []


async def test_a_duplicate_code_is_a_conflict_whatever_its_case(services: Services) -> None:
    """FORUM-A exists: "forum-a" is refused and the first campaign is untouched."""
    await create_campaign(services.sessions, "FORUM-A", name="Premier")
    with pytest.raises(ConflictError):
        await create_campaign(services.sessions, "forum-a", name="Second")
    assert (await get_campaign(services.sessions, "FORUM-A")).name == "Premier"


async def test_two_people_creating_the_same_code_at_once_get_one_campaign(
    services: Services,
) -> None:
    """Concurrent creations: one wins, the other gets a conflict, never a crash."""
    results = await asyncio.gather(
        *(create_campaign(services.sessions, "FORUM-X", name=f"N{i}") for i in range(3)),
        return_exceptions=True,
    )
    assert sum(isinstance(result, Campaign) for result in results) == 1
    assert all(isinstance(r, Campaign | ConflictError) for r in results)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Forum", "place": "p" * 201}, "place"),
        ({"name": "Forum", "sector": "atlantide"}, "sector"),
    ],
)
async def test_bad_fields_are_refused_clearly(
    services: Services, fields: dict[str, str], message: str
) -> None:
    """An empty name, an overlong place or an unknown sector is an error naming the field."""
    with pytest.raises(InvalidInputError, match=message):
        await create_campaign(services.sessions, "FORUM-B", **fields)  # type: ignore[arg-type]


async def test_archived_campaigns_leave_the_list_until_asked(services: Services) -> None:
    """Archiving hides a campaign from the current list; restoring brings it back."""
    await create_campaign(services.sessions, "FORUM-OLD", name="Ancien", held_on=date(2025, 1, 5))
    await create_campaign(services.sessions, "FORUM-NEW", name="Récent", held_on=date(2026, 1, 5))
    archived = await archive_campaign(services.sessions, "forum-old")
    assert archived.active is False
    assert [c.code for c in await list_campaigns(services.sessions)] == ["FORUM-NEW"]
    everything = await list_campaigns(services.sessions, include_archived=True)
    assert [c.code for c in everything] == ["FORUM-NEW", "FORUM-OLD"]
    await restore_campaign(services.sessions, "FORUM-OLD")
    assert [c.code for c in await list_campaigns(services.sessions)] == ["FORUM-NEW", "FORUM-OLD"]


async def test_editing_changes_everything_but_the_code(services: Services) -> None:
    """Name, date, place and sector change; the printed code stays."""
    await create_campaign(services.sessions, "FORUM-C", name="Forum", sector="nord-meusien")
    view = await update_campaign(
        services.sessions,
        "forum-c",
        name="Forum de printemps",
        sector=None,
        held_on=date(2026, 4, 2),
        place="Gymnase",
    )
    assert (view.code, view.name, view.sector_code, view.place) == (
        "FORUM-C",
        "Forum de printemps",
        None,
        "Gymnase",
    )
    with pytest.raises(NotFoundError):
        await update_campaign(
            services.sessions, "NOPE", name="x", sector=None, held_on=None, place=""
        )


async def test_only_unused_campaigns_can_be_deleted(services: Services) -> None:
    """A campaign created by mistake can go; one already scanned must be archived instead."""
    await create_campaign(services.sessions, "TYPO-CODE", name="Erreur")
    await delete_campaign(services.sessions, "typo-code")
    with pytest.raises(NotFoundError):
        await get_campaign(services.sessions, "TYPO-CODE")
    await create_campaign(services.sessions, "FORUM-D", name="Forum")
    await record_scan(services.sessions, "FORUM-D")
    with pytest.raises(ConflictError, match="archive"):
        await delete_campaign(services.sessions, "FORUM-D")
    assert await scans(services) == 1


async def test_a_scan_counts_and_says_what_the_page_should_show(services: Services) -> None:
    """Active and archived codes are counted; unknown or malformed ones are not."""
    await create_campaign(services.sessions, "FORUM-E", name="Forum E")
    landing = await record_scan(services.sessions, "forum-e")
    assert landing is not None
    assert (landing.code, landing.name, landing.active) == ("FORUM-E", "Forum E", True)
    await archive_campaign(services.sessions, "FORUM-E")
    archived = await record_scan(services.sessions, "FORUM-E")
    assert archived is not None
    assert archived.active is False
    for code in ("INCONNU", "💥", "x" * 500, ""):
        assert await record_scan(services.sessions, code) is None
    assert await scans(services) == 2
    funnel = await campaign_funnel(services.sessions, "FORUM-E")
    assert funnel.count(Metric.SCANS) == 2


def test_landing_url_joins_the_public_url_whatever_its_slash() -> None:
    """The QR code address is right with or without a trailing slash or a path."""
    assert landing_url("https://bot.example.fr/", "FORUM") == "https://bot.example.fr/q/FORUM"
    assert landing_url("https://example.fr/bot", "FORUM") == "https://example.fr/bot/q/FORUM"


@pytest.mark.parametrize(
    "text",
    ["FORUM-VERDUN", "forum-verdun", "Forum-Verdun !", "FORUM-VERDUN je cherche un job"],
)
async def test_an_sms_starting_with_the_code_is_attributed(services: Services, text: str) -> None:
    """Texting the keyword from a poster ties the conversation to the campaign."""
    campaign = await create_campaign(services.sessions, "FORUM-VERDUN", name="Forum")
    result = await services.conversations.handle_inbound(sms(text, message_id="SM1"))
    assert result.replies
    assert await conversation_campaign(services, result.conversation_id) == campaign.id


async def test_the_code_counts_only_as_the_first_word_of_the_first_sms(
    services: Services,
) -> None:
    """A code later in the conversation, or not first, does not re-attribute anyone."""
    await create_campaign(services.sessions, "FORUM-F", name="Forum")
    first = await services.conversations.handle_inbound(sms("salut FORUM-F", message_id="SM1"))
    assert await conversation_campaign(services, first.conversation_id) is None
    await services.conversations.handle_inbound(sms("FORUM-F", message_id="SM2"))
    assert await conversation_campaign(services, first.conversation_id) is None


async def test_an_unknown_keyword_is_just_a_message(services: Services) -> None:
    """A word that looks like a code but is none gets an answer and no campaign."""
    result = await services.conversations.handle_inbound(sms("FORUM-ZZZ", message_id="SM1"))
    assert result.replies
    assert await conversation_campaign(services, result.conversation_id) is None


async def test_an_archived_campaigns_keyword_still_attributes(services: Services) -> None:
    """Posters outlive events: people texting an archived code are still counted for it."""
    campaign = await create_campaign(services.sessions, "FORUM-G", name="Forum")
    await archive_campaign(services.sessions, "FORUM-G")
    result = await services.conversations.handle_inbound(sms("FORUM-G", message_id="SM1"))
    assert await conversation_campaign(services, result.conversation_id) == campaign.id


async def test_a_campaign_removed_mid_conversation_loses_nothing(services: Services) -> None:
    """If the campaign row disappears, the young person keeps talking and the lead is kept."""
    campaign = await create_campaign(services.sessions, "FORUM-H", name="Forum")
    sender = "+33639980077"
    first = await services.conversations.handle_inbound(
        sms("FORUM-H je veux parler a un conseiller", sender=sender, message_id="SM1")
    )
    assert await conversation_campaign(services, first.conversation_id) == campaign.id
    async with services.sessions.begin() as session:
        await session.delete(await session.get(Campaign, campaign.id))
    result = await services.conversations.handle_inbound(
        sms("je veux un rdv avec un conseiller", sender=sender, message_id="SM2")
    )
    assert result.conversation_id == first.conversation_id
    assert result.replies
    assert await conversation_campaign(services, first.conversation_id) is None
    async with services.sessions() as session:
        assert await session.scalar(select(func.count(Conversation.id))) == 1


async def test_a_bare_keyword_sms_is_greeted_like_a_deep_link(services: Services) -> None:
    """Texting just the poster's code gets the same welcome as opening the Telegram link."""
    await create_campaign(services.sessions, "FORUM-VERDUN", name="Forum")
    start = await services.conversations.handle_inbound(
        sms("/start FORUM-VERDUN", sender="+33639980010", message_id="SM1")
    )
    keyword = await services.conversations.handle_inbound(
        sms("FORUM-VERDUN", sender="+33639980011", message_id="SM2")
    )
    assert [reply.text for reply in keyword.replies] == [reply.text for reply in start.replies]
