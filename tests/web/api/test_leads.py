"""The JSON API: bearer tokens, lead shape, stats, health and metrics."""

from __future__ import annotations

import pytest

from outreach_bot.core.services import Services
from outreach_bot.core.staff.tokens import create_token
from tests.channels.rest.test_conversation import run_full_lead
from tests.factories import RestChat
from tests.web.admin.conftest import (  # noqa: F401 - fixtures used by name
    Browser,
    _browser,
    _fast_hashing,
    _staff,
    make_lead,
)


@pytest.fixture(name="token")
async def _token(services: Services) -> str:
    return await create_token(services.sessions, "tests")


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer wrong", "Basic abc"])
async def test_api_refuses_missing_or_wrong_tokens(client, header: str | None) -> None:
    """No valid bearer token: 401 with a JSON error."""
    headers = {"Authorization": header} if header else {}
    for path in ("/api/leads", "/api/leads/1", "/api/stats"):
        response = await client.get(path, headers=headers)
        assert response.status == 401
        assert "error" in await response.json()


async def test_lead_list_and_detail_have_the_contract_fields(client, token: str) -> None:
    """A lead carries id, contact, sector, campaign, status, urgency, date and consent."""
    await run_full_lead(RestChat(client))
    auth = {"Authorization": f"Bearer {token}"}
    leads = await (await client.get("/api/leads", headers=auth)).json()
    assert len(leads) == 1
    lead = leads[0]
    for key in (
        "id",
        "first_name",
        "phone",
        "age",
        "commune",
        "sector",
        "campaign",
        "status",
        "urgent",
        "created_at",
        "consent",
    ):
        assert key in lead
    assert lead["first_name"] == "Léa"
    assert lead["sector"] == "nord-meusien"
    assert set(lead["consent"]) == {"given_at", "text_version", "channel"}
    detail = await client.get(f"/api/leads/{lead['id']}", headers=auth)
    assert (await detail.json()) == lead


async def test_a_closed_lead_carries_how_it_ended(
    client, services: Services, token: str, browser: Browser
) -> None:
    """A lead's ``outcome`` is null while it is open, the outcome's code once a counsellor
    closed it in the back office, and null again when it is reopened."""
    lead = await make_lead(services)
    auth = {"Authorization": f"Bearer {token}"}

    async def seen() -> tuple[str, object, object]:
        detail = await (await client.get(f"/api/leads/{lead.id}", headers=auth)).json()
        [listed] = await (await client.get("/api/leads", headers=auth)).json()
        assert listed == detail
        return detail["status"], detail["outcome"], detail["first_name"]

    assert await seen() == ("new", None, "Inès")
    await browser.login("lea")
    closed = await browser.post(f"/admin/leads/{lead.id}/close", {"outcome": "cej"})
    assert closed.status == 303
    assert await seen() == ("mobilised", "cej", "Inès")
    reopened = await browser.post(f"/admin/leads/{lead.id}/status", {"status": "claimed"})
    assert reopened.status == 303
    assert await seen() == ("claimed", None, "Inès")
    await browser.post(f"/admin/leads/{lead.id}/close", {"outcome": "not_interested"})
    assert await seen() == ("not_interested", "not_interested", "Inès")
    mobilised = await client.get("/api/leads?status=mobilised", headers=auth)
    assert await mobilised.json() == []


async def test_unknown_lead_is_a_json_404(client, token: str) -> None:
    """Unknown or malformed ids are 404 with a JSON body."""
    auth = {"Authorization": f"Bearer {token}"}
    for path in ("/api/leads/999", "/api/leads/abc"):
        response = await client.get(path, headers=auth)
        assert response.status == 404
        assert "error" in await response.json()


async def test_urgent_leads_come_first(client, token: str) -> None:
    """The queue order is urgent first, then oldest."""
    await run_full_lead(RestChat(client, sender="calm"))
    await RestChat(client, sender="in-danger").say("je veux en finir avec la vie")
    leads = await (
        await client.get("/api/leads", headers={"Authorization": f"Bearer {token}"})
    ).json()
    assert [lead["urgent"] for lead in leads] == [True, False]


async def test_bad_query_parameters_are_400(client, token: str) -> None:
    """A nonsense limit or date is refused clearly."""
    auth = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/leads?limit=-3", headers=auth)).status == 400
    assert (await client.get("/api/stats?from=yesterday", headers=auth)).status == 400


async def test_stats_count_what_happened(client, token: str) -> None:
    """Identified, leads and consents follow the conversations."""
    await run_full_lead(RestChat(client))
    await RestChat(client, sender="just-curious").say("c'est quoi la mission locale")
    stats = await (
        await client.get("/api/stats", headers={"Authorization": f"Bearer {token}"})
    ).json()
    assert stats["identified"] == 2
    assert stats["leads"] == 1
    assert stats["consents"] == 1


async def test_api_reads_are_audited(client, services: Services, token: str) -> None:
    """Reading personal data through the API leaves an audit line."""
    from sqlalchemy import select

    from outreach_bot.storage.models import AuditEntry

    await client.get("/api/leads", headers={"Authorization": f"Bearer {token}"})
    async with services.sessions() as session:
        entry = await session.scalar(select(AuditEntry))
    assert entry is not None
    assert entry.actor == "api:tests"


async def test_health_readiness_and_metrics(client) -> None:
    """Liveness, readiness with the NLU backend, and Prometheus text."""
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200
    body = await ready.json()
    assert body["checks"]["database"] == "ok"
    await RestChat(client).say("salut")
    metrics = await (await client.get("/metrics")).text()
    assert "outreach_http_requests_total" in metrics
    assert 'route="/webhooks/rest/webhook"' in metrics


@pytest.mark.postgres
async def test_database_outage_gives_503_and_recovery_loses_nothing(
    tmp_path, postgres_url: str, embedded_nlu
) -> None:
    """With PostgreSQL gone, /readyz and the REST channel say 503; nothing half-written."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from outreach_bot.app import open_services
    from outreach_bot.storage.models import Base
    from tests.conftest import make_settings, serve

    admin = create_async_engine(postgres_url, isolation_level="AUTOCOMMIT")
    settings = make_settings(tmp_path, database_url=postgres_url)
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        async with serve(services) as client:
            await RestChat(client, sender="before").say("salut")
            async with admin.connect() as connection:
                await connection.execute(text("ALTER TABLE messages RENAME TO messages_away"))
            try:
                response = await client.post(
                    "/webhooks/rest/webhook", json={"sender": "during", "message": "salut"}
                )
                assert response.status == 503
                assert "error" in await response.json()
            finally:
                async with admin.connect() as connection:
                    await connection.execute(text("ALTER TABLE messages_away RENAME TO messages"))
            await RestChat(client, sender="during").say("salut")
            async with services.sessions() as session:
                conversations = await session.scalar(text("SELECT count(*) FROM conversations"))
            assert conversations == 2
        async with services.db.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
    await admin.dispose()


async def test_readiness_reports_an_unreachable_database(tmp_path, embedded_nlu):
    """/readyz answers 503 naming the database when it cannot be reached."""
    from outreach_bot.app import open_services
    from tests.conftest import make_settings, renew_connections, serve

    settings = make_settings(tmp_path)
    async with (
        open_services(settings, nlu=embedded_nlu, create_schema=True) as services,
        serve(services) as client,
    ):
        assert (await client.get("/readyz")).status == 200
        path = tmp_path / "test.db"
        renew_connections(services.db)
        path.unlink()
        path.mkdir()  # a directory where the database file was: every connection fails
        ready = await client.get("/readyz")
        assert ready.status == 503
        assert (await ready.json())["checks"]["database"] == "unreachable"
        response = await client.post(
            "/webhooks/rest/webhook", json={"sender": "x", "message": "salut"}
        )
        assert response.status == 503
        path.rmdir()
