"""The sending rules (quiet hours, closed days) and the SMS budget's clock, without a provider."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from outreach_bot.core.delivery.rules import SendingRules
from outreach_bot.core.delivery.sms_policy import (
    PARIS,
    day_start,
    record_delivery_status,
)
from outreach_bot.core.services import Services


def paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("queued", "sent"),
    [
        # Tuesday 8 January 2030.
        (paris(2030, 1, 8, 10), paris(2030, 1, 8, 10)),
        (paris(2030, 1, 8, 19, 59), paris(2030, 1, 8, 19, 59)),
        (paris(2030, 1, 8, 20), paris(2030, 1, 9, 9)),
        (paris(2030, 1, 8, 22), paris(2030, 1, 9, 9)),
        (paris(2030, 1, 9, 3), paris(2030, 1, 9, 9)),
        (paris(2030, 1, 9, 8, 59), paris(2030, 1, 9, 9)),
        # Saturday evening and Sunday wait for Monday morning.
        (paris(2030, 1, 12, 21), paris(2030, 1, 14, 9)),
        (paris(2030, 1, 13, 12), paris(2030, 1, 14, 9)),
        # Public holidays: 1 May (a Wednesday), Christmas, 14 July on a Sunday in summer time.
        (paris(2030, 5, 1, 10), paris(2030, 5, 2, 9)),
        (paris(2030, 4, 30, 21), paris(2030, 5, 2, 9)),
        (paris(2030, 12, 24, 20, 30), paris(2030, 12, 26, 9)),
        (paris(2030, 7, 13, 21), paris(2030, 7, 15, 9)),
    ],
)
def test_bot_initiated_message_waits_for_daytime_on_an_open_day(
    queued: datetime, sent: datetime
) -> None:
    """A message the young person did not just ask for is held until 09:00 on an open day."""
    earliest = SendingRules().earliest(queued.astimezone(UTC), in_reply=False)
    assert earliest == sent
    assert earliest.tzinfo is UTC


@pytest.mark.parametrize(
    "moment", [paris(2030, 1, 8, 23), paris(2030, 1, 13, 12), paris(2030, 12, 25, 3)]
)
def test_a_reply_goes_out_at_once_even_at_night(moment: datetime) -> None:
    """Answering what the young person just wrote is never delayed."""
    now = moment.astimezone(UTC)
    assert SendingRules().earliest(now, in_reply=True) == now


def test_the_daily_budget_resets_at_paris_midnight() -> None:
    """At 00:30 in Paris (23:30 UTC the day before) a new day has begun."""
    now = paris(2030, 1, 9, 0, 30).astimezone(UTC)
    assert day_start(now) == paris(2030, 1, 9, 0)
    assert day_start(paris(2030, 7, 1, 23, 59)) == datetime(2030, 6, 30, 22, 0, tzinfo=UTC)


async def test_a_report_for_an_unknown_message_changes_nothing(services: Services) -> None:
    """A delivery report that matches no outbox row is ignored."""
    assert await record_delivery_status(services.sessions, "SMunknown", delivered=True) is False
