"""The bot's "today" is the day in Meuse, not the server's UTC date."""

from __future__ import annotations

from datetime import UTC, date, datetime

from outreach_bot.core.channel import InboundMessage
from outreach_bot.core.services import Services
from outreach_bot.storage.models import LocalPlace

SUNDAY_NIGHT = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
"""00:30 on Monday 7 December in Meuse, still Sunday 6 December in UTC."""


async def test_at_half_past_midnight_yesterdays_forum_is_not_offered(services: Services) -> None:
    async with services.sessions.begin() as session:
        session.add_all(
            [
                LocalPlace(
                    kind="event",
                    name="Forum de dimanche",
                    commune_insee="55502",
                    commune_name="Stenay",
                    held_on=date(2026, 12, 6),
                ),
                LocalPlace(
                    kind="permanence",
                    name="Permanence de mardi",
                    commune_insee="55502",
                    commune_name="Stenay",
                    held_on=date(2026, 12, 8),
                ),
            ]
        )

    result = await services.conversations.handle_inbound(
        InboundMessage("rest", "night-owl", "il y a une permanence à Stenay ?"),
        now=SUNDAY_NIGHT,
    )

    said = "\n".join(reply.text for reply in result.replies)
    assert "Permanence de mardi" in said
    assert "Forum de dimanche" not in said, "Sunday is over in Meuse"
