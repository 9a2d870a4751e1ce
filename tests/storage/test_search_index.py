"""The blind search index: written with the leads, rebuilt at start-up when it is not current."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from outreach_bot.app import open_services
from outreach_bot.core.services import Services
from outreach_bot.storage import search_index
from outreach_bot.storage.models import Base, Lead, LeadWord, Setting
from outreach_bot.storage.search_index import ensure_search_index, leads_matching, query_tokens
from tests.conftest import make_settings
from tests.web.admin.conftest import make_lead


async def _matching(services: Services, typed: str) -> set[int]:
    async with services.sessions() as session:
        return set(await session.scalars(leads_matching(query_tokens(typed))))


async def _index_rows(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(LeadWord)) or 0)


async def test_a_database_upgraded_to_the_index_is_indexed_at_the_next_start(
    tmp_path: Path, embedded_nlu: Any
) -> None:
    """Leads written before the index existed are found once the server has started again."""
    settings = make_settings(tmp_path)
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        etienne = await make_lead(services, first_name="Étienne", need="un CAP cuisine")
        await make_lead(services, first_name="Inès")
        # What migration 0022 leaves: the table, empty, and no record of an index built.
        async with services.sessions.begin() as session:
            await session.execute(delete(LeadWord))
            await session.execute(delete(Setting).where(Setting.key == search_index.STATE_KEY))
        assert await _matching(services, "etienne") == set()
    async with open_services(settings, nlu=embedded_nlu) as services:
        assert await _matching(services, "etienne cuisine") == {etienne.id}
        rows = await _index_rows(services)
        async with services.sessions.begin() as session:
            assert not await ensure_search_index(session)  # current now: one query, no work
        assert await _index_rows(services) == rows


async def test_a_new_normalisation_rebuilds_the_index(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Changing what a word is (the index version) rebuilds every lead's rows once."""
    lead = await make_lead(services, first_name="Noémie")
    async with services.sessions.begin() as session:
        assert not await ensure_search_index(session)
    monkeypatch.setattr(search_index, "INDEX_VERSION", "test-next")
    async with services.sessions.begin() as session:
        assert await ensure_search_index(session)
    async with services.sessions.begin() as session:
        assert not await ensure_search_index(session)
    assert await _matching(services, "noemie") == {lead.id}


async def test_a_search_needs_every_word(services: Services) -> None:
    """Two leads share a word; the second word tells them apart."""
    first = await make_lead(services, first_name="Étienne", need="un logement")
    second = await make_lead(services, first_name="Étienne", need="une formation")
    assert await _matching(services, "etienne") == {first.id, second.id}
    assert await _matching(services, "etienne formations") == {second.id}
    assert await _matching(services, "etienne permis") == set()


@pytest.mark.postgres
async def test_on_postgresql_workers_starting_together_build_the_index_once(
    tmp_path: Path, postgres_url: str, embedded_nlu: Any
) -> None:
    """Two rebuilds at once (two workers) leave one row per word, and erasing a lead takes its
    rows (ON DELETE CASCADE)."""
    settings = make_settings(tmp_path, database_url=postgres_url)
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        try:
            lead = await make_lead(services, first_name="Étienne", need="un logement")
            rows = await _index_rows(services)
            async with services.sessions.begin() as session:
                await session.execute(delete(Setting).where(Setting.key == search_index.STATE_KEY))

            async def rebuild() -> bool:
                async with services.sessions.begin() as session:
                    return await ensure_search_index(session)

            assert sorted(await asyncio.gather(rebuild(), rebuild())) == [False, True]
            assert await _index_rows(services) == rows
            assert await _matching(services, "etienne logement") == {lead.id}
            async with services.sessions.begin() as session:
                await session.execute(delete(Lead).where(Lead.id == lead.id))
            assert await _index_rows(services) == 0
        finally:
            async with services.db.begin() as connection:
                await connection.run_sync(Base.metadata.drop_all)
