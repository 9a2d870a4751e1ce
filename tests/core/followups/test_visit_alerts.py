""" "Préviens-moi quand vous passez près de chez moi": consent, then at most one alert a week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from outreach_bot.core.channel import InboundMessage
from outreach_bot.core.outreach.places import PlaceForm, add_place
from outreach_bot.core.services import Services
from outreach_bot.storage.models import ScheduledMessage, VisitAlert

PHONE = "+33644444444"
SOON = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()


async def say(services: Services, text: str, number: int) -> list[str]:
    result = await services.conversations.handle_inbound(
        InboundMessage(channel="sms", sender_id=PHONE, text=text, message_id=f"va-{number}")
    )
    return [reply.text for reply in result.replies]


async def subscribe(services: Services) -> list[str]:
    replies = await say(services, "tu peux me prévenir quand vous passez près de chez moi ?", 1)
    replies += await say(services, "oui", 2)
    replies += await say(services, "stenay", 3)
    return replies


async def alerts(services: Services) -> list[ScheduledMessage]:
    async with services.sessions() as session:
        return list(
            await session.scalars(
                select(ScheduledMessage).where(ScheduledMessage.kind == "visit_alert")
            )
        )


async def test_asking_records_the_consent_with_its_version(services: Services) -> None:
    """Asked, offered, "oui", "stenay": the request is recorded with the text agreed to."""
    replies = await subscribe(services)
    assert replies[0].startswith("Je peux t'écrire quand l'équipe passe près de chez toi")
    assert replies[1].startswith("Super ! Tu habites dans quelle commune ?")
    assert replies[2] == "C'est noté : je te préviens quand l'équipe passe près de Stenay."
    async with services.sessions() as session:
        row = await session.scalar(select(VisitAlert))
    assert row is not None
    assert (row.commune_name, row.consent_version) == ("Stenay", "visit-alert-2026-12-06")


async def test_no_is_no_and_nothing_is_recorded(services: Services) -> None:
    """Saying no to the offer records nothing and says so kindly."""
    await say(services, "préviens-moi quand vous venez à Stenay", 1)
    replies = await say(services, "non", 2)
    assert replies == ["D'accord, je ne t'enverrai rien. Tu peux me le redemander quand tu veux."]
    async with services.sessions() as session:
        assert await session.scalar(select(VisitAlert)) is None


async def test_a_permanence_nearby_sends_one_alert_a_week(services: Services) -> None:
    """A permanence in Stenay alerts; Mouzay next door the same week does not; Marseille never."""
    await subscribe(services)
    await add_place(
        services.sessions,
        PlaceForm(
            kind="permanence", name="Maison France Services", commune="Stenay", held_on=SOON
        ),
        by=None,
    )
    (alert,) = await alerts(services)
    assert alert.status == "pending"
    await add_place(
        services.sessions,
        PlaceForm(kind="event", name="Forum", commune="Mouzay", held_on=SOON),
        by=None,
    )
    assert len(await alerts(services)) == 1
    async with services.sessions.begin() as session:
        row = await session.scalar(select(VisitAlert))
        assert row is not None
        row.last_sent_at = datetime.now(UTC) - timedelta(days=8)
    await add_place(
        services.sessions,
        PlaceForm(kind="event", name="Forum", commune="13001", held_on=SOON),
        by=None,
    )
    assert len(await alerts(services)) == 1  # Marseille is not near Stenay


async def test_after_stop_no_alert_is_scheduled(services: Services) -> None:
    """STOP: a new permanence next door schedules nothing."""
    await subscribe(services)
    await say(services, "STOP", 4)
    await add_place(
        services.sessions,
        PlaceForm(kind="permanence", name="Mairie", commune="Stenay", held_on=SOON),
        by=None,
    )
    assert await alerts(services) == []


async def test_a_weekly_permanence_alerts_with_its_next_session_and_its_days(
    services: Services,
) -> None:
    """ "Tous les mardis jusqu'au …": one alert naming the next Tuesday and the rule, kept
    until the last session rather than the first."""
    await subscribe(services)
    today = datetime.now(UTC).date()
    until = today + timedelta(days=40)
    await add_place(
        services.sessions,
        PlaceForm(
            kind="permanence",
            name="Maison France Services",
            commune="Stenay",
            repeat="tue",
            repeat_start="14:00",
            repeat_end="17:00",
            repeat_until=until.isoformat(),
        ),
        by=None,
    )
    (alert,) = await alerts(services)
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7)
    assert f"le {tuesday:%d/%m}, 14h-17h, puis tous les mardis jusqu'au {until:%d/%m/%Y}" in (
        alert.payload
    )
    assert alert.expires_at is not None
    assert alert.expires_at.date() == until
