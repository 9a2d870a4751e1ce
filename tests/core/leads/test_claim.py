"""Claiming a lead under concurrency, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from outreach_bot.app import open_services
from outreach_bot.core.leads.queue import claim_lead
from outreach_bot.core.services import Services
from outreach_bot.core.staff import accounts as users
from outreach_bot.core.staff.accounts import Account, add_user, load_account
from outreach_bot.domain.errors import ConflictError
from outreach_bot.storage.models import Base, Lead, LeadEvent
from tests.conftest import make_settings
from tests.fakes import FakeNlu
from tests.web.admin.conftest import make_lead

COUNSELLORS = 5
ROUNDS = 4


async def _accounts(services: Services, count: int) -> list[Account]:
    tag = uuid.uuid4().hex[:8]
    accounts = []
    for index in range(count):
        user_id = await add_user(
            services.sessions,
            f"c{index}-{tag}@example.org",
            role="counsellor",
            password="correct horse battery",
            sectors=["nord-meusien"],
            display_name=f"Conseiller {index}",
        )
        async with services.sessions() as session:
            account = await load_account(session, user_id)
        assert account is not None
        accounts.append(account)
    return accounts


async def _race(services: Services) -> list[tuple[int, int]]:
    """Several counsellors click "claim" at the same moment, a few times over."""
    accounts = await _accounts(services, COUNSELLORS)
    outcomes = []
    for _ in range(ROUNDS):
        lead = await make_lead(services)
        results = await asyncio.gather(
            *(claim_lead(services.sessions, a, lead.id, events=services.events) for a in accounts),
            return_exceptions=True,
        )
        winners = [r for r in results if r is None]
        losers = [r for r in results if isinstance(r, ConflictError)]
        assert all("déjà pris par Conseiller" in str(loser) for loser in losers)
        async with services.sessions() as session:
            saved = await session.get(Lead, lead.id)
            assert saved is not None
            assert saved.status == "claimed"
            events = await session.scalars(
                LeadEvent.__table__.select().where(LeadEvent.lead_id == lead.id)  # type: ignore[attr-defined]
            )
            assert len(list(events)) == 1
        outcomes.append((len(winners), len(losers)))
    return outcomes


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


async def test_concurrent_claims_have_one_winner_on_sqlite(tmp_path: Path) -> None:
    """Five counsellors claim one lead at once on SQLite: one wins, four are told who."""
    settings = make_settings(tmp_path)
    async with open_services(settings, nlu=FakeNlu(), create_schema=True) as services:
        assert await _race(services) == [(1, COUNSELLORS - 1)] * ROUNDS


@pytest.mark.postgres
async def test_concurrent_claims_have_one_winner_on_postgres(
    tmp_path: Path, postgres_url: str
) -> None:
    """The same race on PostgreSQL: exactly one winner per lead."""
    settings = make_settings(tmp_path, database_url=postgres_url)
    async with open_services(settings, nlu=FakeNlu(), create_schema=True) as services:
        try:
            assert await _race(services) == [(1, COUNSELLORS - 1)] * ROUNDS
        finally:
            # The database is shared by the session's PostgreSQL tests: leave it empty.
            async with services.db.begin() as connection:
                await connection.run_sync(Base.metadata.drop_all)
