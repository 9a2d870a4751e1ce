"""The sending rules: when a message may reach a young person, in one place for every channel.

What the rules are, and where each one is enforced so that nothing can go round it:

* **Quiet hours and closed days** (:class:`SendingRules`, built from the ``OUTREACH_QUIET_*``
  settings; by default 20:00 to 09:00 Europe/Paris, Sundays and French public holidays). A
  message the young person did not just ask for (a reminder, a re-engagement, a counsellor
  writing first, a scheduled message) goes out only inside the open hours; what falls due
  in the quiet hours waits for the next open moment. The outbox applies them per channel
  (``services.send_policies``), and the scheduler sends nothing while they hold.
* **Never held**: answers to what the young person just wrote (within
  :data:`REPLY_WINDOW`), crisis replies among them, go out at once, day or night.
* **STOP cancels everything pending** in the transaction that records the STOP: the queued
  outbox rows and every scheduled message
  (:func:`outreach_bot.core.schedule.cancel_pending`); SUPPRIMER erases them with the rest.
* **The SMS cost guard** (:class:`outreach_bot.core.delivery.sms_policy.DailyLimit`): a
  scheduled SMS that would go beyond the day's budget waits for the next open day.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from outreach_bot.config import Settings, week_days

if TYPE_CHECKING:
    import holidays

PARIS: Final = ZoneInfo("Europe/Paris")
SUNDAY: Final = 6
REPLY_WINDOW: Final = timedelta(minutes=30)
"""A counsellor's message within this long of the young person's last one answers it: it is
never held by the quiet hours (they are waiting for it). Also how long the outbox treats a
reply delayed by an outage as still an answer."""
MAX_DAYS_AHEAD: Final = 30
"""The longest run of closed days the rules accept (a misconfiguration closing every day of
the week would otherwise hold every message for ever)."""


@functools.cache
def _french_holidays() -> holidays.HolidayBase:
    """France's public holidays, loaded on first use (the calendar takes a moment to import)."""
    import holidays  # noqa: PLC0415 - only when a scheduled time must be checked

    return holidays.country_holidays("FR")


@dataclass(frozen=True)
class SendingRules:
    """When a message the young person did not just ask for may go out.

    Quiet hours may cross midnight (20:00 to 09:00) or not (12:00 to 14:00); equal start and
    end mean no quiet hours. It implements
    :class:`outreach_bot.core.delivery.outbox.SendPolicy`.
    """

    zone: ZoneInfo = PARIS
    quiet_start: time = time(20, 0)
    quiet_end: time = time(9, 0)
    closed_weekdays: frozenset[int] = field(default_factory=lambda: frozenset({SUNDAY}))
    closed_on_holidays: bool = True

    def __post_init__(self) -> None:
        """Refuse rules under which nothing could ever be sent."""
        if len(self.closed_weekdays) >= 7:  # noqa: PLR2004 - the days of a week
            raise ValueError("every day of the week is closed: nothing could ever be sent")

    @classmethod
    def from_settings(cls, settings: Settings) -> SendingRules:
        """The rules configured with ``OUTREACH_QUIET_*``."""
        return cls(
            zone=ZoneInfo(settings.quiet_hours_timezone),
            quiet_start=settings.quiet_hours_start,
            quiet_end=settings.quiet_hours_end,
            closed_weekdays=week_days(settings.quiet_days),
            closed_on_holidays=settings.quiet_on_public_holidays,
        )

    def is_open_day(self, day: date) -> bool:
        """Whether anything may be sent on ``day`` at all (not a closed week day or holiday)."""
        if day.weekday() in self.closed_weekdays:
            return False
        return not (self.closed_on_holidays and day in _french_holidays())

    def _quiet(self, moment: time) -> bool:
        start, end = self.quiet_start, self.quiet_end
        if start > end:  # across midnight: 20:00 → 09:00
            return moment >= start or moment < end
        return start <= moment < end

    def is_open(self, moment: datetime) -> bool:
        """Whether a message we start may go out at ``moment`` (timezone-aware)."""
        local = moment.astimezone(self.zone)
        return self.is_open_day(local.date()) and not self._quiet(local.time())

    def next_open(self, moment: datetime) -> datetime:
        """The first moment at or after ``moment`` when a message we start may go out, in UTC.

        Raises:
            ValueError: no open moment within :data:`MAX_DAYS_AHEAD` days (rules that close
                everything).
        """
        candidate = moment.astimezone(self.zone)
        for _ in range(3 * MAX_DAYS_AHEAD):
            if not self.is_open_day(candidate.date()):
                next_day = candidate.date() + timedelta(days=1)
                candidate = datetime.combine(next_day, time(0), tzinfo=self.zone)
            elif self._quiet(candidate.time()):
                day = candidate.date()
                if candidate.time() >= self.quiet_end:
                    day += timedelta(days=1)
                candidate = datetime.combine(day, self.quiet_end, tzinfo=self.zone)
            else:
                return candidate.astimezone(UTC)
        raise ValueError(f"no open moment within {MAX_DAYS_AHEAD} days of {moment.isoformat()}")

    def earliest(self, now: datetime, *, in_reply: bool) -> datetime:
        """The first moment a message may go out, in UTC: now for an answer, else the next
        open moment.

        Args:
            now: a timezone-aware moment.
            in_reply: True when it answers what the young person just wrote.
        """
        if in_reply:
            return now
        return self.next_open(now)


def answers_recent_message(last_inbound: datetime | None, now: datetime) -> bool:
    """Whether a message sent ``now`` answers the young person's message of ``last_inbound``."""
    if last_inbound is None:
        return False
    if last_inbound.tzinfo is None:  # SQLite hands back naive UTC
        last_inbound = last_inbound.replace(tzinfo=UTC)
    return now - last_inbound <= REPLY_WINDOW
