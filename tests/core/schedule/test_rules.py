"""The sending rules under other configurations than the default one."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from pydantic import ValidationError

from outreach_bot.core.delivery.rules import PARIS, SendingRules, answers_recent_message
from tests.conftest import make_settings


def paris(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2030, month, day, hour, minute, tzinfo=PARIS)


def test_quiet_hours_that_do_not_cross_midnight() -> None:
    """A lunch-time quiet period (12:00-14:00) holds a midday message until 14:00 only."""
    rules = SendingRules(quiet_start=time(12), quiet_end=time(14))
    assert rules.next_open(paris(1, 8, 12, 30)) == paris(1, 8, 14)
    assert rules.next_open(paris(1, 8, 23)) == paris(1, 8, 23)


def test_equal_start_and_end_mean_no_quiet_hours() -> None:
    """With start equal to end a message goes at 03:00, yet still not on a Sunday."""
    rules = SendingRules(quiet_start=time(0), quiet_end=time(0))
    assert rules.next_open(paris(1, 8, 3)) == paris(1, 8, 3)
    assert rules.next_open(paris(1, 13, 3)) == paris(1, 14, 0)


def test_settings_close_saturdays_and_open_holidays(tmp_path: Path) -> None:
    """Configured closed days and holidays change when a Friday-night message goes out."""
    settings = make_settings(
        tmp_path, quiet_days="saturday, sunday", quiet_on_public_holidays=False
    )
    rules = SendingRules.from_settings(settings)
    assert rules.next_open(paris(1, 11, 21)) == paris(1, 14, 9)  # Friday night → Monday
    assert rules.next_open(paris(5, 1, 10)) == paris(5, 1, 10)  # 1 May is open now


def test_a_timezone_typo_or_an_unknown_day_is_refused(tmp_path: Path) -> None:
    """Misconfigured rules stop the start with the setting's name, not the first send."""
    with pytest.raises(ValidationError, match="quiet_hours_timezone"):
        make_settings(tmp_path, quiet_hours_timezone="Europe/Pari")
    with pytest.raises(ValidationError, match="quiet_days"):
        make_settings(tmp_path, quiet_days="dimanche")


def test_rules_that_close_every_day_are_refused() -> None:
    """Seven closed days would hold every message for ever: refused outright."""
    with pytest.raises(ValueError, match="every day"):
        SendingRules(closed_weekdays=frozenset(range(7)))


def test_a_message_within_half_an_hour_of_the_young_persons_is_an_answer() -> None:
    """Thirty minutes after the young person wrote, a counsellor still answers them."""
    now = datetime(2030, 1, 8, 21, tzinfo=UTC)
    assert answers_recent_message(datetime(2030, 1, 8, 20, 31), now)  # noqa: DTZ001 - as SQLite
    assert not answers_recent_message(datetime(2030, 1, 8, 20, 29, tzinfo=UTC), now)
    assert not answers_recent_message(None, now)
