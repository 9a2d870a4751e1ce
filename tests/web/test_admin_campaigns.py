"""Campaign and figures pages, mounted on a stand-in back office with fake sign-in hooks."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import pytest
import zxingcpp
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient
from PIL import Image
from sqlalchemy import func, select

from outreach_bot.app import Services
from outreach_bot.core.campaigns import create_campaign, get_campaign, record_scan
from outreach_bot.core.demo import seed_demo
from outreach_bot.core.users import add_user
from outreach_bot.domain.roles import Role
from outreach_bot.storage.models import Campaign
from outreach_bot.web import admin_campaigns
from outreach_bot.web.keys import services_key

TOKEN = "csrf-test-token"
DEMO_KEY_FIGURES = {"identified": 71, "mobilised": 10, "interventions": 4, "scans": 174}

Client = TestClient[web.Request, web.Application]


@dataclass(frozen=True)
class FakeStaff:
    id: int
    role: Role


@pytest.fixture(name="office")
async def _office(services: Services, aiohttp_client: object) -> Client:
    """A back office at /office/ whose sign-in is the X-Role header (absent: nobody)."""
    user_id = await add_user(
        services.sessions,
        "olga@example.org",
        role="outreach",
        password="a long enough password",
        display_name="Olga",
    )

    async def identify(request: web.Request) -> FakeStaff | None:
        role = request.headers.get("X-Role")
        return FakeStaff(user_id, Role(role)) if role else None

    async def csrf_token(request: web.Request) -> str:
        return TOKEN

    async def check_csrf(request: web.Request) -> bool:
        return (await request.post()).get("csrf") == TOKEN

    root = web.Application()
    root[services_key] = services
    office = web.Application()
    admin_campaigns.setup(
        office,
        admin_campaigns.AdminHooks(
            identify=identify,
            csrf_token=csrf_token,
            check_csrf=check_csrf,
            login_path="/office/login",
            home_path="/office/",
            stylesheet="/office/static/admin.css",
        ),
    )
    root.add_subapp("/office/", office)
    return await aiohttp_client(root)  # type: ignore[operator,no-any-return]


def as_role(role: str) -> dict[str, str]:
    return {"X-Role": role}


async def post_form(
    office: Client, path: str, role: str = "outreach", **fields: str
) -> ClientResponse:
    return await office.post(
        path, data={"csrf": TOKEN, **fields}, headers=as_role(role), allow_redirects=False
    )


async def campaign_count(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count(Campaign.id))) or 0)


async def test_strangers_are_sent_to_sign_in(office: Client) -> None:
    """Nobody signed in: every page redirects to the back office's sign-in page."""
    for path in ("/office/campaigns", "/office/figures", "/office/figures.csv"):
        response = await office.get(path, allow_redirects=False)
        assert response.status == 303
        assert response.headers["Location"] == "/office/login"


@pytest.mark.parametrize(
    ("role", "campaigns", "figures"),
    [
        ("outreach", 200, 403),
        ("counsellor", 200, 403),
        ("coordinator", 200, 200),
        ("admin", 200, 200),
    ],
)
async def test_roles_open_the_pages_they_should(
    office: Client, role: str, campaigns: int, figures: int
) -> None:
    """Outreach staff and up see campaigns; only coordinators and admins see the figures."""
    assert (await office.get("/office/campaigns", headers=as_role(role))).status == campaigns
    response = await office.get("/office/figures", headers=as_role(role))
    assert response.status == figures
    page = await (await office.get("/office/campaigns", headers=as_role(role))).text()
    assert ('href="/office/figures"' in page) is (figures == 200)


async def test_creating_a_campaign_leads_to_its_page_with_qr_and_downloads(
    office: Client, services: Services
) -> None:
    """A valid form creates the campaign, records who made it, and shows its QR code."""
    response = await post_form(
        office,
        "/office/campaigns",
        code="forum-verdun",
        name="Forum emploi Verdun",
        held_on="12/05/2026",
        place="Salle des fêtes",
        sector="nord-meusien",
    )
    assert response.status == 303
    assert response.headers["Location"] == "/office/campaigns/FORUM-VERDUN"
    page = await (
        await office.get("/office/campaigns/FORUM-VERDUN", headers=as_role("outreach"))
    ).text()
    assert "<svg" in page
    assert "12/05/2026" in page
    assert "créée par Olga" in page
    assert 'name="csrf" value="csrf-test-token"' in page
    for path in ("qr.png", "qr.svg", "poster-a4.pdf", "poster-a6.pdf"):
        assert f"/office/campaigns/FORUM-VERDUN/{path}" in page
    assert 'href="/office/static/admin.css"' in page
    assert "style=" not in page


async def test_an_empty_code_is_made_from_the_name(office: Client) -> None:
    """Leaving the code empty proposes one from the name, accents removed."""
    response = await post_form(office, "/office/campaigns", code="", name="Fête du sport à Étain")
    assert response.headers["Location"] == "/office/campaigns/FETE-DU-SPORT-A-ETAIN"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": "forum verdun"}, "pas d&#39;espace"),
        ({"code": "FORUM🎉"}, "pas d&#39;emoji"),
        ({"code": "F" * 500}, "au plus 32 caractères"),
        ({"code": "STOP"}, "réservé"),
        ({"code": "FORUM-OK", "held_on": "31/02/2026"}, "Date invalide"),
        ({"code": "FORUM-OK", "held_on": "demain"}, "Date invalide"),
        ({"code": "FORUM-OK", "name": "   "}, "Donne un nom"),
        ({"code": "FORUM-OK", "place": "p" * 300}, "Le lieu"),
    ],
)
async def test_bad_input_shows_the_form_again_with_a_clear_message(
    office: Client, services: Services, fields: dict[str, str], message: str
) -> None:
    """Each mistake is named in French next to what was typed; nothing is created."""
    values = {"name": "Forum", "held_on": "", "place": "", "sector": "", **fields}
    response = await post_form(office, "/office/campaigns", **values)
    assert response.status == 400
    page = await response.text()
    assert message in page
    if values["name"].strip():
        assert 'value="Forum"' in page
    assert await campaign_count(services) == 0


async def test_a_duplicate_code_is_refused_in_any_case(office: Client, services: Services) -> None:
    """FORUM-A exists: "forum-a" shows that the code is taken."""
    await create_campaign(services.sessions, "FORUM-A", name="Premier")
    response = await post_form(office, "/office/campaigns", code="forum-a", name="Second")
    assert response.status == 400
    assert "FORUM-A est déjà pris" in await response.text()
    assert await campaign_count(services) == 1


async def test_a_form_without_its_csrf_token_changes_nothing(
    office: Client, services: Services
) -> None:
    """A forged post from another site is refused."""
    response = await office.post(
        "/office/campaigns",
        data={"code": "FORUM-X", "name": "Forum"},
        headers=as_role("outreach"),
        allow_redirects=False,
    )
    assert response.status == 403
    assert await campaign_count(services) == 0


async def test_editing_archiving_restoring_and_deleting(
    office: Client, services: Services
) -> None:
    """Edit keeps the code; archive and restore flip it; a used campaign cannot be deleted."""
    await create_campaign(services.sessions, "FORUM-B", name="Forum")
    saved = await post_form(
        office,
        "/office/campaigns/forum-b",
        name="Forum B",
        held_on="2026-06-01",
        place="Gymnase",
        sector="",
    )
    assert saved.headers["Location"] == "/office/campaigns/FORUM-B?done=saved"
    bad = await post_form(office, "/office/campaigns/FORUM-B", name="Forum B", held_on="1er juin")
    assert bad.status == 400
    view = await get_campaign(services.sessions, "FORUM-B")
    assert (view.name, view.place, str(view.held_on)) == ("Forum B", "Gymnase", "2026-06-01")
    assert (await post_form(office, "/office/campaigns/FORUM-B/archive")).status == 303
    assert (await get_campaign(services.sessions, "FORUM-B")).active is False
    listing = await (await office.get("/office/campaigns", headers=as_role("outreach"))).text()
    assert "FORUM-B" not in listing
    assert (await post_form(office, "/office/campaigns/FORUM-B/restore")).status == 303
    assert (await get_campaign(services.sessions, "FORUM-B")).active is True
    await record_scan(services.sessions, "FORUM-B")
    refused = await post_form(office, "/office/campaigns/FORUM-B/delete")
    assert refused.status == 409
    assert "archive-la plutôt" in await refused.text()
    await create_campaign(services.sessions, "TYPO", name="Erreur")
    assert (await post_form(office, "/office/campaigns/TYPO/delete")).status == 303
    assert await campaign_count(services) == 1


async def test_unknown_campaigns_are_404(office: Client) -> None:
    """A stale link to a campaign that does not exist is a 404, not a crash."""
    for path in ("/office/campaigns/NOPE", "/office/campaigns/NOPE/qr.png"):
        assert (await office.get(path, headers=as_role("outreach"))).status == 404
    assert (await post_form(office, "/office/campaigns/NOPE/archive")).status == 404


async def test_downloads_are_files_that_work(office: Client, services: Services) -> None:
    """The PNG scans to the landing page; the SVG and both posters download with clear names."""
    await create_campaign(services.sessions, "FORUM-Q", name="Forum")
    png = await office.get("/office/campaigns/FORUM-Q/qr.png", headers=as_role("outreach"))
    assert png.headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(await png.read()))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == ["http://127.0.0.1:8080/q/FORUM-Q"]
    svg = await office.get("/office/campaigns/FORUM-Q/qr.svg", headers=as_role("outreach"))
    assert svg.headers["Content-Type"] == "image/svg+xml"
    assert 'filename="qr-FORUM-Q.svg"' in svg.headers["Content-Disposition"]
    for size in ("a4", "a6"):
        pdf = await office.get(
            f"/office/campaigns/FORUM-Q/poster-{size}.pdf", headers=as_role("outreach")
        )
        assert pdf.headers["Content-Type"] == "application/pdf"
        assert f"affiche-FORUM-Q-{size}.pdf" in pdf.headers["Content-Disposition"]
        assert (await pdf.read()).startswith(b"%PDF")
    assert (
        await office.get("/office/campaigns/FORUM-Q/poster-a3.pdf", headers=as_role("outreach"))
    ).status == 404


async def test_the_dashboard_shows_the_demo_figures(office: Client, services: Services) -> None:
    """Seeded demo data appears on the dashboard: key figures, weekly charts, both funnels."""
    await seed_demo(services.sessions, consent_version="v-test")
    response = await office.get("/office/figures", headers=as_role("coordinator"))
    assert response.status == 200
    page = await response.text()
    shown = dict(re.findall(r'data-figure="(\w+)">(\d+)<', page))
    for key, value in DEMO_KEY_FIGURES.items():
        assert shown[key] == str(value)
    assert page.count('class="chart"') == 4
    assert "[DÉMO] Forum emploi Verdun" in page
    assert "Nord Meusien" in page
    assert "Sans campagne" in page
    assert "style=" not in page


async def test_the_csv_export_matches_the_dashboard(office: Client, services: Services) -> None:
    """The CSV opens in a spreadsheet with the same totals and no personal data."""
    await seed_demo(services.sessions, consent_version="v-test")
    response = await office.get("/office/figures.csv?from=&to=", headers=as_role("admin"))
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "chiffres-debut-" in response.headers["Content-Disposition"]
    body = (await response.read()).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    total = rows[0]
    assert (total["section"], total["identified"], total["mobilised"]) == ("total", "71", "10")
    assert "(démo)" not in body
    assert "+33" not in body


async def test_a_bad_period_is_explained(office: Client) -> None:
    """A malformed date or an end before the start is a 400 with a reason."""
    for query in ("from=hier", "from=2026-02-01&to=2026-01-01"):
        response = await office.get(f"/office/figures?{query}", headers=as_role("admin"))
        assert response.status == 400
        assert "Période invalide" in await response.text()
