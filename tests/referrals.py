"""Test helper for referrals: run the referral job until its e-mails have left."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from outreach_bot.core.partners.jobs import run_pass
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Referral


async def settle_referrals(services: Services) -> None:
    """Run the referral job, and wait for an e-mail the app's own job may have in flight."""
    for _ in range(500):
        await run_pass(services)
        async with services.sessions() as session:
            busy = await session.scalar(
                select(func.count())
                .select_from(Referral)
                .where(Referral.email_status.in_(["pending", "sending", "retry"]))
            )
        if not busy:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the referral e-mails did not settle")
