"""The referral job: e-mail the partner once the young person agrees; deadlines on schedule.

A periodic loop in each serving process, like the outbox dispatcher: it wakes at once when
a young person says yes (``services.referral_wakeup``) and otherwise every
:data:`INTERVAL` seconds, when it also applies the deadlines (silence after 7 days, reminder
after 10, closing after 30). Every step re-checks the state it moves from, so two workers
running it at once do no harm. When issue 21's durable scheduler is on main, the deadlines
can become jobs scheduled there; :func:`run_pass` is the one thing to call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Final

from sqlalchemy.exc import SQLAlchemyError

from outreach_bot.core.partners.referrals import deliver_pending, run_deadlines
from outreach_bot.core.services import Services

logger = logging.getLogger(__name__)

INTERVAL: Final = 300.0
"""Seconds between two passes without a wake-up: deadlines are counted in days."""


async def run_pass(services: Services, *, now: datetime | None = None) -> None:
    """One pass: pending e-mails first, then the deadlines."""
    public_url = str(services.settings.public_url)
    await deliver_pending(services.sessions, services.mailer, public_url=public_url, now=now)
    report = await run_deadlines(
        services.sessions, services.mailer, public_url=public_url, now=now
    )
    if report.unanswered or report.reminded or report.closed:
        logger.info(
            "referrals: %s unanswered, %s reminded, %s closed",
            report.unanswered,
            report.reminded,
            report.closed,
        )


async def run_referral_jobs(services: Services) -> None:
    """Run :func:`run_pass` when woken or every :data:`INTERVAL`; a database hiccup waits for
    the next pass.

    The first pass comes after the first wait, not at start-up: a process that starts is
    busy enough, and what a previous one left (an e-mail to retry) keeps a few minutes.
    """
    wakeup = services.referral_wakeup
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wakeup.wait(), timeout=INTERVAL)
        wakeup.clear()
        try:
            await run_pass(services)
        except (SQLAlchemyError, OSError):
            logger.exception("referral pass failed; trying again at the next one")
