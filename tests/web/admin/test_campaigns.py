"""Campaign and figures pages of the back office, signed in as each role."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select, update

from outreach_bot.cli.demo import seed_demo
from outreach_bot.core.outreach.campaigns import create_campaign, get_campaign, record_scan
from outreach_bot.core.outreach.places import team_today
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Campaign, CampaignScan, LocalPlace, User
from tests.web.admin.conftest import EMAILS, Browser

DEMO_KEY_FIGURES = {"identified": 71, "mobilised": 10, "interventions": 4, "scans": 174}
WHO = {"outreach": "olga", "counsellor": "lea", "coordinator": "coordinator", "admin": "admin"}


SOON = team_today() + timedelta(days=30)
"""An event date to come (a past one is refused)."""


async def signed_in(browser: Browser, role: str) -> Browser:
    """``browser`` signed in with the staff account of ``role``."""
    response = await browser.login(WHO[role])
    assert response.status == 303
    return browser


async def campaign_count(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count(Campaign.id))) or 0)


async def test_strangers_are_sent_to_sign_in(browser: Browser, services: Services) -> None:
    """Nobody signed in: pages lead to the sign-in page and a posted form creates nothing."""
    for path in ("/admin/campaigns", "/admin/figures", "/admin/figures.csv"):
        response = await browser.get(path, allow_redirects=False)
        assert response.status == 303
        assert response.headers["Location"].startswith("/admin/login?next=/admin/")
    posted = await browser.post("/admin/campaigns", {"code": "FORUM-X", "name": "Forum"})
    assert posted.status == 401
    assert await campaign_count(services) == 0


@pytest.mark.parametrize(
    ("role", "figures"),
    [("outreach", 403), ("counsellor", 403), ("coordinator", 200), ("admin", 200)],
)
async def test_roles_open_the_pages_they_should(browser: Browser, role: str, figures: int) -> None:
    """Outreach staff and up see campaigns; only coordinators and admins see the figures."""
    await signed_in(browser, role)
    campaigns = await browser.get("/admin/campaigns")
    assert campaigns.status == 200
    page = await campaigns.text()
    assert ('href="/admin/figures"' in page) is (figures == 200)
    response = await browser.get("/admin/figures")
    assert response.status == figures
    csv_export = await browser.get("/admin/figures.csv")
    assert csv_export.status == figures
    if figures == 403:
        refusal = await response.text()
        assert "Les chiffres sont réservés aux coordinateurs, aux administrateurs" in refusal
        assert "Chiffres du réseau" not in refusal


@pytest.mark.parametrize(
    ("role", "links"),
    [
        ("outreach", {"/admin/campaigns", "/admin/places", "/admin/lists", "/admin/me"}),
        (
            "counsellor",
            {
                "/admin/",
                "/admin/campaigns",
                "/admin/places",
                "/admin/quality",
                "/admin/texts",
                "/admin/me",
            },
        ),
        (
            "coordinator",
            {
                "/admin/",
                "/admin/campaigns",
                "/admin/places",
                "/admin/lists",
                "/admin/figures",
                "/admin/quality",
                "/admin/texts",
                "/admin/me",
            },
        ),
        (
            "admin",
            {
                "/admin/",
                "/admin/campaigns",
                "/admin/places",
                "/admin/lists",
                "/admin/figures",
                "/admin/quality",
                "/admin/texts",
                "/admin/accounts",
                "/admin/partners",
                "/admin/audit",
                "/admin/me",
            },
        ),
    ],
)
async def test_campaign_and_figure_pages_carry_the_one_back_office_menu(
    browser: Browser, services: Services, role: str, links: set[str]
) -> None:
    """Every campaign and figures page shows the same menu as the queue, sign-out included."""
    await create_campaign(services.sessions, "FORUM-M", name="Forum")
    await signed_in(browser, role)
    paths = ["/admin/campaigns", "/admin/campaigns/FORUM-M"]
    if "/admin/figures" in links:
        paths.append("/admin/figures")
    for path in paths:
        page = await (await browser.get(path)).text()
        menu = page[page.index('<nav aria-label="Menu principal">') : page.index("</nav>")]
        assert set(re.findall(r'<a href="([^"]+)"', menu)) == links
        assert 'action="/admin/logout"' in menu
        assert page.count("<header") == 1
        assert "admin.css" in page
        assert "style=" not in page


async def test_creating_a_campaign_leads_to_its_page_with_qr_and_downloads(
    browser: Browser,
) -> None:
    """A valid form creates the campaign, records who made it, and shows its QR code."""
    await signed_in(browser, "outreach")
    response = await browser.post(
        "/admin/campaigns",
        {
            "code": "forum-verdun",
            "name": "Forum emploi Verdun",
            "held_on": f"{SOON:%d/%m/%Y}",
            "place_id": "new",
            "place_commune": "55100 Verdun",
            "place_address": "Salle des fêtes",
            "sector": "nord-meusien",
        },
    )
    assert response.status == 303
    assert response.headers["Location"] == "/admin/campaigns/FORUM-VERDUN"
    page = await (await browser.get("/admin/campaigns/FORUM-VERDUN")).text()
    assert "<svg" in page
    assert f"{SOON:%d/%m/%Y}" in page
    assert "Salle des fêtes, Verdun" in page
    assert "créée par Olga" in page
    assert f'name="csrf" value="{browser.csrf}"' in page
    for path in ("qr.png", "qr.svg", "poster-a4.pdf", "poster-a6.pdf"):
        assert f"/admin/campaigns/FORUM-VERDUN/{path}" in page


async def test_an_empty_code_is_made_from_the_name(browser: Browser) -> None:
    """Leaving the code empty proposes one from the name, accents removed."""
    await signed_in(browser, "outreach")
    response = await browser.post(
        "/admin/campaigns", {"code": "", "name": "Fête du sport à Étain"}
    )
    assert response.headers["Location"] == "/admin/campaigns/FETE-SPORT"


async def test_a_code_made_from_a_long_name_is_short_enough_to_text(
    browser: Browser, services: Services
) -> None:
    """A long event name still gives a code of at most 12 characters, on the poster too."""
    await signed_in(browser, "outreach")
    name = "Forum de l'emploi saisonnier et de l'alternance, Verdun 2026"
    response = await browser.post("/admin/campaigns", {"code": "", "name": name})
    code = response.headers["Location"].rsplit("/", 1)[1]
    assert code == "FORUM-EMPLOI"
    campaign = await get_campaign(services.sessions, code)
    assert campaign.name == name
    page = await (await browser.get(f"/admin/campaigns/{code}")).text()
    assert f"/q/{code}" in page


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
        ({"code": "FORUM-OK", "held_on": "01/09/2020"}, "Cette date est passée (01/09/2020)"),
        ({"code": "FORUM-OK", "place_id": "new"}, "Donne la commune du nouveau lieu"),
        ({"code": "FORUM-OK", "place_id": "12abc"}, "Choisis un lieu dans la liste"),
        ({"code": "FORUM-OK", "place_id": "4242"}, "Ce lieu n&#39;existe plus"),
        (
            {"code": "FORUM-OK", "place_id": "new", "place_commune": "Verdun"},
            "donne sa date (ou choisis un lieu existant)",
        ),
        (
            {
                "code": "FORUM-OK",
                "held_on": f"{SOON:%d/%m/%Y}",
                "place_id": "new",
                "place_commune": "Zzzyx",
            },
            "Commune introuvable",
        ),
    ],
)
async def test_bad_input_shows_the_form_again_with_a_clear_message(
    browser: Browser, services: Services, fields: dict[str, str], message: str
) -> None:
    """Each mistake is named in French next to what was typed; nothing is created."""
    await signed_in(browser, "outreach")
    values = {"name": "Forum", "held_on": "", "sector": "", **fields}
    response = await browser.post("/admin/campaigns", values)
    assert response.status == 400
    page = await response.text()
    assert message in page
    if values["name"].strip():
        assert 'value="Forum"' in page
    for field in ("held_on", "place_commune"):  # what was typed comes back
        if values.get(field):
            assert f'value="{values[field]}"' in page
    assert await campaign_count(services) == 0
    async with services.sessions() as session:
        assert await session.scalar(select(func.count(LocalPlace.id))) == 0


async def test_a_duplicate_code_is_refused_in_any_case(
    browser: Browser, services: Services
) -> None:
    """FORUM-A exists: "forum-a" shows that the code is taken."""
    await create_campaign(services.sessions, "FORUM-A", name="Premier")
    await signed_in(browser, "outreach")
    response = await browser.post("/admin/campaigns", {"code": "forum-a", "name": "Second"})
    assert response.status == 400
    assert "FORUM-A est déjà pris" in await response.text()
    assert await campaign_count(services) == 1


async def test_a_form_without_its_csrf_token_changes_nothing(
    browser: Browser, services: Services
) -> None:
    """A forged post from another site is refused, whichever campaign form it imitates."""
    await create_campaign(services.sessions, "FORUM-C", name="Forum")
    await signed_in(browser, "admin")
    for path, data in (
        ("/admin/campaigns", {"code": "FORUM-X", "name": "Forum"}),
        ("/admin/campaigns/FORUM-C", {"name": "Piraté"}),
        ("/admin/campaigns/FORUM-C/archive", {}),
        ("/admin/campaigns/FORUM-C/delete", {}),
    ):
        response = await browser.client.post(path, data=data, allow_redirects=False)
        assert response.status == 403
    assert await campaign_count(services) == 1
    campaign = await get_campaign(services.sessions, "FORUM-C")
    assert (campaign.name, campaign.active) == ("Forum", True)


async def test_editing_archiving_restoring_and_deleting(
    browser: Browser, services: Services
) -> None:
    """Edit keeps the code; archive and restore flip it; a used campaign cannot be deleted."""
    await create_campaign(services.sessions, "FORUM-B", name="Forum")
    await signed_in(browser, "outreach")
    saved = await browser.post(
        "/admin/campaigns/forum-b",
        {"name": "Forum B", "held_on": SOON.isoformat(), "sector": ""},
    )
    assert saved.headers["Location"] == "/admin/campaigns/FORUM-B"
    assert (
        "Modifications enregistrées."
        in await (await browser.get("/admin/campaigns/FORUM-B")).text()
    )
    again = await (await browser.get("/admin/campaigns/FORUM-B")).text()
    assert "Modifications enregistrées." not in again
    bad = await browser.post(
        "/admin/campaigns/FORUM-B", {"name": "Forum B", "held_on": "1er juin"}
    )
    assert bad.status == 400
    view = await get_campaign(services.sessions, "FORUM-B")
    assert (view.name, view.held_on) == ("Forum B", SOON)
    archived = await browser.post("/admin/campaigns/FORUM-B/archive")
    assert archived.status == 303
    assert "Campagne archivée." in await (await browser.get(archived.headers["Location"])).text()
    assert (await get_campaign(services.sessions, "FORUM-B")).active is False
    listing = await (await browser.get("/admin/campaigns")).text()
    assert "FORUM-B" not in listing
    assert "FORUM-B" in await (await browser.get("/admin/campaigns?archived=1")).text()
    assert (await browser.post("/admin/campaigns/FORUM-B/restore")).status == 303
    assert (await get_campaign(services.sessions, "FORUM-B")).active is True
    await record_scan(services.sessions, "FORUM-B")
    refused = await browser.post("/admin/campaigns/FORUM-B/delete")
    assert refused.status == 409
    assert "archive-la plutôt" in await refused.text()
    await create_campaign(services.sessions, "TYPO", name="Erreur")
    assert (await browser.post("/admin/campaigns/TYPO/delete")).status == 303
    assert await campaign_count(services) == 1


async def test_unknown_campaigns_are_404(browser: Browser) -> None:
    """A stale link to a campaign that does not exist is a 404 page, not a crash."""
    await signed_in(browser, "outreach")
    for path in ("/admin/campaigns/NOPE", "/admin/campaigns/NOPE/qr.png"):
        response = await browser.get(path)
        assert response.status == 404
        assert "Introuvable" in await response.text()
    assert (await browser.post("/admin/campaigns/NOPE/archive")).status == 404
    assert (await browser.post("/admin/campaigns/NOPE", {"name": "Forum"})).status == 404


async def test_downloads_are_files_that_work(browser: Browser, services: Services) -> None:
    """The PNG scans to the landing page; the SVG and both posters download with clear names."""
    await create_campaign(services.sessions, "FORUM-Q", name="Forum")
    await signed_in(browser, "outreach")
    png = await browser.get("/admin/campaigns/FORUM-Q/qr.png")
    assert png.headers["Content-Type"] == "image/png"
    assert png.headers["Cache-Control"] == "no-store"
    image = Image.open(io.BytesIO(await png.read()))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == ["http://127.0.0.1:8080/q/FORUM-Q"]
    svg = await browser.get("/admin/campaigns/FORUM-Q/qr.svg")
    assert svg.headers["Content-Type"] == "image/svg+xml"
    assert 'filename="qr-FORUM-Q.svg"' in svg.headers["Content-Disposition"]
    for size in ("a4", "a6"):
        pdf = await browser.get(f"/admin/campaigns/FORUM-Q/poster-{size}.pdf")
        assert pdf.headers["Content-Type"] == "application/pdf"
        assert f"affiche-FORUM-Q-{size}.pdf" in pdf.headers["Content-Disposition"]
        assert (await pdf.read()).startswith(b"%PDF")
    assert (await browser.get("/admin/campaigns/FORUM-Q/poster-a3.pdf")).status == 404


async def test_the_dashboard_shows_the_demo_figures(browser: Browser, services: Services) -> None:
    """Seeded demo data appears on the dashboard: key figures, weekly charts, both funnels."""
    await seed_demo(services.sessions, consent_version="v-test")
    await signed_in(browser, "coordinator")
    response = await browser.get("/admin/figures")
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
    csv_link = re.search(r'href="(/admin/figures\.csv[^"]*)"', page)
    assert csv_link is not None
    assert (await browser.get(csv_link.group(1).replace("&amp;", "&"))).status == 200


async def test_the_csv_export_matches_the_dashboard(browser: Browser, services: Services) -> None:
    """The CSV opens in a French spreadsheet (BOM, ``;``, French headers) with the same
    totals and no personal data."""
    await seed_demo(services.sessions, consent_version="v-test")
    await signed_in(browser, "admin")
    response = await browser.get("/admin/figures.csv?from=&to=")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "chiffres-debut-" in response.headers["Content-Disposition"]
    raw = await response.read()
    assert raw.startswith("\ufeffSection;Code;Nom;Date;Lieu;Scans;".encode())
    body = raw.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body), delimiter=";"))
    total = rows[0]
    assert (total["Section"], total["Conversations"], total["Mobilisés"]) == ("Total", "71", "10")
    assert "(démo)" not in body
    assert "+33" not in body


async def test_a_bad_period_is_explained(browser: Browser) -> None:
    """A malformed date is a 400 with a reason."""
    await signed_in(browser, "admin")
    for query in ("from=hier", "to=31/01/2026"):
        for path in ("/admin/figures", "/admin/figures.csv"):
            response = await browser.get(f"{path}?{query}")
            assert response.status == 400
            assert "Période invalide" in await response.text()


async def scans(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count(CampaignScan.id))) or 0)


async def test_staff_trying_the_qr_code_are_not_counted_as_scans(
    browser: Browser, second_browser: Browser, services: Services
) -> None:
    """Signed in, staff open /q/CODE like anyone, uncounted; signed out, they count again."""
    await signed_in(browser, "outreach")
    await browser.post("/admin/campaigns", {"code": "FORUM", "name": "Forum"})
    page = await browser.get("/q/FORUM")
    assert page.status == 200
    assert "/q/FORUM/chat" in await page.text()
    assert await scans(services) == 0

    stranger = await second_browser.get("/q/FORUM")  # the public, same page, counted
    assert stranger.status == 200
    assert await scans(services) == 1

    forged = await second_browser.client.get("/q/FORUM", cookies={"outreach_staff": "x" * 120})
    assert forged.status == 200
    assert await scans(services) == 2

    await browser.post("/admin/logout")
    await browser.get("/q/FORUM")
    assert await scans(services) == 3


async def test_a_deactivated_account_is_counted_like_the_public(
    browser: Browser, services: Services
) -> None:
    """The cookie alone proves nothing: the account behind it must still be active."""
    await signed_in(browser, "outreach")
    await browser.post("/admin/campaigns", {"code": "FORUM", "name": "Forum"})
    async with services.sessions.begin() as session:
        await session.execute(
            update(User).where(User.email == EMAILS[WHO["outreach"]]).values(active=False)
        )
    await browser.get("/q/FORUM")
    assert await scans(services) == 1


async def test_the_landing_page_marker_cannot_open_the_back_office(
    browser: Browser, second_browser: Browser, services: Services
) -> None:
    """The cookie that spares staff scans holds no session: replayed on /admin/ it is nobody."""
    await signed_in(browser, "outreach")
    jar = {cookie.key: cookie.value for cookie in browser.client.session.cookie_jar}
    marker, session = jar["outreach_staff"], jar["outreach_admin"]
    assert marker != session

    stolen = await second_browser.client.get(
        "/admin/campaigns", cookies={"outreach_admin": marker}, allow_redirects=False
    )
    assert stolen.status == 303
    assert "/admin/login" in stolen.headers["Location"]

    await create_campaign(services.sessions, "FORUM", name="Forum")
    await second_browser.client.get("/q/FORUM", cookies={"outreach_staff": session})
    assert await scans(services) == 1, "a session cookie is no marker either"


async def test_a_reversed_period_is_swapped_and_the_page_says_so(browser: Browser) -> None:
    """1 Feb → 1 Jan shows January with a notice; the CSV covers the same days."""
    await signed_in(browser, "coordinator")
    response = await browser.get("/admin/figures?from=2026-02-01&to=2026-01-01")
    assert response.status == 200
    page = await response.text()
    assert "on a inversé les deux, la période affichée va du 01/01/2026 au 01/02/2026" in page
    assert 'id="from" name="from" value="2026-01-01"' in page
    assert 'id="to" name="to" value="2026-02-01"' in page
    straight = await (await browser.get("/admin/figures?from=2026-01-01&to=2026-02-01")).text()
    assert "on a inversé" not in straight
    export = await browser.get("/admin/figures.csv?from=2026-02-01&to=2026-01-01")
    assert export.status == 200
    rows = list(
        csv.DictReader(io.StringIO((await export.read()).decode("utf-8-sig")), delimiter=";")
    )
    assert rows[0]["Nom"] == "du 01/01/2026 au 01/02/2026"
