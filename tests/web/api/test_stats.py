"""``GET /api/stats`` returns the dashboard's figures as JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from outreach_bot.app import open_services
from outreach_bot.cli.demo import seed_demo
from outreach_bot.core.figures.stats import Period, compute_figures
from outreach_bot.core.services import Services
from outreach_bot.core.staff.tokens import create_token
from outreach_bot.nlu.base import NluBackend
from tests.conftest import make_settings, serve
from tests.core.contact_lists.conftest import person
from tests.core.contact_lists.test_sending import answered_list, new_list
from tests.fakes import RecordingChannel

Client = TestClient[web.Request, web.Application]


@pytest.fixture(name="auth")
async def _auth(services: Services) -> dict[str, str]:
    return {"Authorization": f"Bearer {await create_token(services.sessions, 'stats-tests')}"}


async def test_stats_are_the_dashboard_figures(
    client: Client, services: Services, auth: dict[str, str]
) -> None:
    """Same numbers as the dashboard, with the contract keys kept at the top level."""
    await seed_demo(services.sessions, consent_version="v-test")
    body = await (await client.get("/api/stats", headers=auth)).json()
    for key, value in {
        "identified": 71,
        "consents": 29,
        "leads": 31,
        "urgent": 2,
        "mobilised": 10,
        "interventions": 4,
    }.items():
        assert body[key] == value
    today = datetime.now(UTC).date()
    expected = (await compute_figures(services.sessions, Period(), today=today)).as_dict()
    assert body.pop("referrals") == []  # per partner, tested in test_referrals.py
    assert body.pop("contact_lists") == []  # the demo has none; tested below
    assert body == expected
    assert body["funnel"] == ["scans", "identified", "consents", "leads", "contacted", "mobilised"]
    forum = next(row for row in body["campaigns"] if row["code"] == "DEMO-FORUM-VERDUN")
    assert (forum["scans"], forum["identified"], forum["mobilised"]) == (64, 21, 4)
    assert {row["code"] for row in body["sectors"]} >= {"nord-meusien", "hors-secteur"}
    assert sum(week["identified"] for week in body["weeks"]) == 71


async def test_stats_period_is_echoed_and_both_ends_included(
    client: Client, auth: dict[str, str]
) -> None:
    """``from`` and ``to`` are ISO dates, both included, and come back in ``period``."""
    response = await client.get("/api/stats?from=2026-01-01&to=2026-01-31", headers=auth)
    body = await response.json()
    assert body["period"] == {"from": "2026-01-01", "to": "2026-01-31"}
    assert [week["week"] for week in body["weeks"]][:1] == ["2026-W01"]


@pytest.mark.parametrize(
    "query", ["from=2026-02-30", "to=31/01/2026", "from=2026-02-01&to=2026-01-01"]
)
async def test_bad_stats_periods_are_json_400s(
    client: Client, auth: dict[str, str], query: str
) -> None:
    """A malformed date or a reversed period is a 400 with a JSON reason."""
    response = await client.get(f"/api/stats?{query}", headers=auth)
    assert response.status == 400
    assert "error" in await response.json()


async def test_stats_carry_each_contact_lists_figures(
    tmp_path: Path, embedded_nlu: NluBackend
) -> None:
    """``contact_lists`` holds each list's campaign since it began, as the figures page shows
    it (sent, answered, wrong numbers, STOP, leads), whatever the period, with no person in it;
    a token scoped to sectors gets none (a list belongs to no sector)."""
    settings = make_settings(tmp_path, team_phone="03 29 00 00 00")
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        services.outbound["sms"] = RecordingChannel("sms")
        first = await answered_list(services, ["ok je veux bien 👍", "c pas moi dsl", "STOP"])
        second = await new_list(services, [person(9)], name="Recontact été")
        region = await create_token(services.sessions, "region")
        north = await create_token(services.sessions, "nord", ["nord-meusien"])
        async with serve(services) as client:
            whole = await client.get("/api/stats", headers={"Authorization": f"Bearer {region}"})
            body = await whole.json()
            later = await client.get(
                "/api/stats?from=2031-01-01", headers={"Authorization": f"Bearer {region}"}
            )
            later_body = await later.json()
            scoped = await client.get("/api/stats", headers={"Authorization": f"Bearer {north}"})
            scoped_body = await scoped.json()
    counts = ("rows", "sent", "delivered", "answered", "wrong_numbers", "stopped", "leads")
    assert [
        (row["list_id"], row["name"], row["campaign"], row["purpose"], row["status"])
        for row in body["contact_lists"]
    ] == [
        (second, "Recontact été", f"LISTE-{second}", "obligation_formation", "draft"),
        (first, "SIEI", f"LISTE-{first}", "obligation_formation", "running"),
    ]
    assert [[row[key] for key in (*counts, "mobilised")] for row in body["contact_lists"]] == [
        [1, 0, 0, 0, 0, 0, 0, 0],
        [4, 4, 0, 1, 1, 1, 1, 0],
    ]
    assert later_body["contact_lists"] == body["contact_lists"]
    assert scoped_body["contact_lists"] == []
    for secret in ("JeuneB", "0640000001", "+33640000001"):
        assert secret not in str(body)
