"""What the public side exposes: security headers, /metrics, and API tokens scoped to sectors."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from aiohttp.test_utils import make_mocked_request
from sqlalchemy import func, select

from outreach_bot.app import open_services
from outreach_bot.core.outreach.campaigns import create_campaign
from outreach_bot.core.services import Services
from outreach_bot.core.staff.tokens import create_token
from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.nlu.base import NluBackend
from outreach_bot.storage.models import Conversation, Lead
from outreach_bot.web.health import metrics_allowed
from tests.conftest import make_settings, serve
from tests.factories import RestChat
from tests.web.admin.conftest import make_lead

NANCY = "54395"  # outside the Nord Meusien: the fallback sector
VERDUN = "55545"


def _framing_refused(headers: Any) -> None:
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


async def test_landing_and_web_chat_refuse_framing_and_send_no_referrer(
    client: Any, services: Services
) -> None:
    """The QR page, the chat page, the chat form answer and the webhook carry the policy."""
    await create_campaign(services.sessions, "FORUM-HDR", name="Forum")
    for response in (
        await client.get("/q/FORUM-HDR"),
        await client.get("/q/FORUM-HDR/chat"),
        await client.get("/q/UNKNOWN-CODE"),  # a 404 page too
        await client.post("/q/FORUM-HDR/chat", data={"started": "0"}),
        await client.post(
            "/webhooks/rest/webhook", json={"sender": "web-headers-0001", "message": "salut"}
        ),
        await client.get("/webchat/chat.js"),
    ):
        _framing_refused(response.headers)
        assert "script-src 'self';" in response.headers["Content-Security-Policy"]
        assert response.headers["Referrer-Policy"] == "no-referrer"


async def test_back_office_keeps_its_own_stricter_policy(client: Any) -> None:
    """The back office's headers come from the same mechanism with no caching at all."""
    response = await client.get("/admin/login")
    _framing_refused(response.headers)
    assert "style-src" not in response.headers["Content-Security-Policy"]  # no inline style
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


async def test_metrics_answer_loopback_but_not_a_proxied_request(client: Any) -> None:
    """By default /metrics serves local scrapes; a request relayed by a proxy gets 403."""
    await RestChat(client).say("salut")
    local = await client.get("/metrics")
    assert local.status == 200
    assert local.content_type == "text/plain"
    assert "outreach_http_requests_total" in await local.text()
    relayed = await client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert relayed.status == 403
    assert "outreach_" not in await relayed.text()


def test_metrics_refuse_a_remote_peer_without_a_token() -> None:
    """A scrape from another machine (no proxy) is refused unless the token is configured."""
    transport = mock.Mock()
    transport.get_extra_info.return_value = ("192.0.2.10", 40000)
    remote = make_mocked_request("GET", "/metrics", transport=transport)
    assert not metrics_allowed(remote, "")
    bearer = make_mocked_request(
        "GET", "/metrics", headers={"Authorization": "Bearer s3cret-scrape"}, transport=transport
    )
    assert metrics_allowed(bearer, "s3cret-scrape")


async def test_metrics_token_is_required_once_configured(
    tmp_path: Path, embedded_nlu: NluBackend
) -> None:
    """With OUTREACH_METRICS_TOKEN set, even loopback needs it; Prometheus text with it."""
    settings = make_settings(tmp_path, metrics_token="s3cret-scrape")
    async with (
        open_services(settings, nlu=embedded_nlu, create_schema=True) as services,
        serve(services) as client,
    ):
        assert (await client.get("/metrics")).status == 403
        wrong = {"Authorization": "Bearer nope"}
        assert (await client.get("/metrics", headers=wrong)).status == 403
        right = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
        assert right.status == 200
        assert "# TYPE outreach_http_requests_total counter" in await right.text()


@pytest.fixture(name="two_leads")
async def _two_leads(services: Services) -> tuple[Lead, Lead]:
    north = await make_lead(services, sector="nord-meusien", first_name="Inès")
    elsewhere = await make_lead(services, sector="hors-secteur", first_name="Zoé")
    return north, elsewhere


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_scoped_token_reads_only_its_sectors_leads(
    client: Any, services: Services, two_leads: tuple[Lead, Lead]
) -> None:
    """List, detail (404 for another sector's lead) and filters stay inside the token's scope."""
    north, elsewhere = two_leads
    scoped = _bearer(await create_token(services.sessions, "nord", ["nord-meusien"]))
    everything = _bearer(await create_token(services.sessions, "region"))

    listed = await (await client.get("/api/leads", headers=scoped)).json()
    assert [lead["id"] for lead in listed] == [north.id]
    other = await client.get("/api/leads?sector=hors-secteur", headers=scoped)
    assert await other.json() == []
    assert (await client.get(f"/api/leads/{north.id}", headers=scoped)).status == 200
    hidden = await client.get(f"/api/leads/{elsewhere.id}", headers=scoped)
    assert hidden.status == 404
    assert await hidden.json() == {"error": f"lead {elsewhere.id} not found"}

    all_ids = {
        lead["id"] for lead in await (await client.get("/api/leads", headers=everything)).json()
    }
    assert all_ids == {north.id, elsewhere.id}


async def test_a_scoped_token_counts_only_its_sectors(
    client: Any, services: Services, two_leads: tuple[Lead, Lead]
) -> None:
    """/api/stats for a scoped token counts its sectors' leads and lists only its sectors."""
    scoped = _bearer(await create_token(services.sessions, "nord", ["nord-meusien"]))
    everything = _bearer(await create_token(services.sessions, "region"))
    mine = await (await client.get("/api/stats", headers=scoped)).json()
    whole = await (await client.get("/api/stats", headers=everything)).json()
    assert (mine["leads"], whole["leads"]) == (1, 2)
    assert {row["code"] for row in mine["sectors"]} <= {"nord-meusien"}


async def test_a_scoped_token_cannot_queue_or_erase_in_another_sector(
    client: Any, services: Services
) -> None:
    """A lead that would land outside the scope is refused (403) and nothing is stored."""
    token = _bearer(await create_token(services.sessions, "nord", ["nord-meusien"]))
    version = services.content.privacy.consent.text_version
    lead = {"age": 19, "phone": "06 12 34 56 78", "first_name": "Inès", "need": "un job"}
    for sender in ("rasa-nancy", "rasa-verdun"):
        consent = await client.post(
            "/api/consents", json={"sender_id": sender, "text_version": version}, headers=token
        )
        assert consent.status == 201
    refused = await client.post(
        "/api/leads",
        json={**lead, "sender_id": "rasa-nancy", "commune_insee": NANCY},
        headers=token,
    )
    assert refused.status == 403
    accepted = await client.post(
        "/api/leads",
        json={**lead, "sender_id": "rasa-verdun", "commune_insee": VERDUN},
        headers=token,
    )
    assert accepted.status == 201
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Lead)) == 1

    # The region-wide token queues the Nancy lead; the scoped one may then not erase it.
    region = _bearer(await create_token(services.sessions, "region"))
    assert (
        await client.post(
            "/api/leads",
            json={**lead, "sender_id": "rasa-nancy", "commune_insee": NANCY},
            headers=region,
        )
    ).status == 201
    erase = await client.post("/api/erasure", json={"sender_id": "rasa-nancy"}, headers=token)
    assert erase.status == 403
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 2
    assert (
        await client.post("/api/erasure", json={"sender_id": "rasa-verdun"}, headers=token)
    ).status == 200


async def test_a_token_for_an_unknown_sector_is_not_created(services: Services) -> None:
    """A typo in --sector stops creation, rather than making a token that sees nothing."""
    with pytest.raises(InvalidInputError, match="Secteur inconnu"):
        await create_token(services.sessions, "typo", ["nord-meusein"])


@pytest.mark.browser
async def test_the_policy_breaks_nothing_in_a_real_browser(
    client: Any, services: Services, chromium: Any
) -> None:
    """Headless Chromium reports no Content-Security-Policy violation on the public pages."""
    await create_campaign(services.sessions, "FORUM-CSP", name="Forum")
    complaints: list[str] = []
    page = await chromium.new_page(locale="fr-FR")
    page.on("console", lambda message: complaints.append(message.text))
    await page.goto(str(client.make_url("/q/FORUM-CSP")))
    # Every inline <style> was applied (a blocked one has no style sheet).
    assert await page.evaluate(
        "[...document.querySelectorAll('style')].every(s => s.sheet !== null)"
    )
    await page.click("text=Discuter ici")
    await page.wait_for_selector("#log li.bot")
    await page.goto(str(client.make_url("/admin/login")))
    assert not [text for text in complaints if "Content Security Policy" in text]
